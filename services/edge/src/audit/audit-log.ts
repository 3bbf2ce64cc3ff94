import { AuditSeverity, type Prisma, type PrismaClient } from '@gatewayz/db';
import type { Logger } from '@gatewayz/logger';
import { ChainVerifier, chainHash, type ChainProblem, type ChainRow, type StoredChainRow } from './audit-chain';
import { AUDIT_EVENTS, type AuditEntry, type AuditEventType } from './audit-events';

export type Tx = Prisma.TransactionClient;

export interface AuditRecord {
  id: string;
  severity: AuditSeverity;
  eventType: string;
  occurredAt: Date;
  actorUserId: string | null;
  actorKeyId: string | null;
  subjectUserId: string | null;
  targetType: string | null;
  targetId: string | null;
  ip: string | null;
  requestId: string | null;
  details: unknown;
}

export interface ChainReport {
  severity: AuditSeverity;
  rows: number;
  ok: boolean;
  problem?: ChainProblem;
}

export interface VerifyReport {
  ok: boolean;
  rows: number;
  chains: ChainReport[];
  verifiedAt: string;
}

const DAY_MS = 86_400_000;
const BATCH = 1_000;
const SEVERITIES = Object.values(AuditSeverity);

/** Lowercase UUIDs, as Postgres returns them: the hash must match what is read back. */
const uuidOrNull = (v: string | null | undefined) => (v ? v.toLowerCase() : null);

/**
 * The append-only, hash-chained audit log (tables audit_logs, audit_chain_heads,
 * audit_retention_policies). Appending locks its chain's head row, so rows of one chain are
 * written one at a time, in order; pass a transaction to make an entry part of the change it
 * describes (nothing half-written).
 */
export class AuditLog {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly logger: Logger,
  ) {}

  /** Appends an entry (inside `tx` when given, else in its own transaction). */
  async record(entry: AuditEntry, tx?: Tx): Promise<void> {
    if (tx) return this.append(tx, entry);
    await this.prisma.$transaction((t) => this.append(t, entry));
  }

  /** Fire-and-forget (security events on the request path): never delays or fails a request. */
  recordSoon(entry: AuditEntry): void {
    this.record(entry).catch((err: unknown) => this.logger.error('audit write failed', { event: entry.eventType, err }));
  }

  private async append(tx: Tx, entry: AuditEntry): Promise<void> {
    const severity = AUDIT_EVENTS[entry.eventType];
    const [head] = await tx.$queryRaw<{ head_seq: bigint; head_hash: string; retention_days: number }[]>`
      SELECT h.head_seq, h.head_hash, p.retention_days
      FROM audit_chain_heads h JOIN audit_retention_policies p ON p.severity = h.severity
      WHERE h.severity = ${severity}::"AuditSeverity"
      FOR UPDATE OF h`;
    if (!head) throw new Error(`audit chain ${severity} is not initialized`);
    const occurredAt = new Date();
    const row: ChainRow = {
      severity,
      chainSeq: head.head_seq + 1n,
      occurredAt,
      retainUntil: new Date(occurredAt.getTime() + head.retention_days * DAY_MS),
      eventType: entry.eventType,
      actorUserId: uuidOrNull(entry.actorUserId),
      actorKeyId: uuidOrNull(entry.actorKeyId),
      subjectUserId: uuidOrNull(entry.subjectUserId),
      targetType: entry.targetType ?? null,
      targetId: entry.targetId ?? null,
      ip: entry.ip ?? null,
      requestId: entry.requestId ?? null,
      details: entry.details ?? {},
    };
    const hash = chainHash(head.head_hash, row);
    await tx.auditLog.create({ data: { ...row, details: row.details as Prisma.InputJsonValue, prevHash: head.head_hash, hash } });
    await tx.auditChainHead.update({ where: { severity }, data: { headSeq: row.chainSeq, headHash: hash } });
  }

  /** Newest first; `beforeId` pages backwards. */
  async list(filter: {
    subjectUserId?: string;
    eventTypes?: readonly AuditEventType[];
    severity?: AuditSeverity;
    targetId?: string;
    beforeId?: bigint;
    limit: number;
  }): Promise<AuditRecord[]> {
    const rows = await this.prisma.auditLog.findMany({
      where: {
        ...(filter.subjectUserId ? { subjectUserId: filter.subjectUserId } : {}),
        ...(filter.eventTypes ? { eventType: { in: [...filter.eventTypes] } } : {}),
        ...(filter.severity ? { severity: filter.severity } : {}),
        ...(filter.targetId ? { targetId: filter.targetId } : {}),
        ...(filter.beforeId !== undefined ? { id: { lt: filter.beforeId } } : {}),
      },
      orderBy: { id: 'desc' },
      take: filter.limit,
    });
    return rows.map((r) => ({ ...r, id: r.id.toString() }));
  }

  /** Walks every chain from its anchor to its head; reports the first problem of each. */
  async verify(): Promise<VerifyReport> {
    const heads = await this.prisma.auditChainHead.findMany();
    const chains: ChainReport[] = [];
    for (const severity of SEVERITIES) {
      const head = heads.find((h) => h.severity === severity);
      if (!head) {
        chains.push({ severity, rows: 0, ok: false, problem: { kind: 'head_mismatch', seq: '0', message: `chain ${severity} has no head` } });
        continue;
      }
      const verifier = new ChainVerifier({ seq: head.anchorSeq, hash: head.anchorHash });
      let after = -1n;
      for (;;) {
        const rows: StoredChainRow[] = await this.prisma.auditLog.findMany({
          where: { severity, chainSeq: { gt: after, lte: head.headSeq } },
          orderBy: { chainSeq: 'asc' },
          take: BATCH,
        });
        if (rows.length === 0 || !rows.every((r) => verifier.feed(r))) break;
        after = rows[rows.length - 1]!.chainSeq;
      }
      const problem = verifier.finish({ seq: head.headSeq, hash: head.headHash });
      chains.push({ severity, rows: verifier.rows, ok: !problem, ...(problem ? { problem } : {}) });
    }
    return { ok: chains.every((c) => c.ok), rows: chains.reduce((n, c) => n + c.rows, 0), chains, verifiedAt: new Date().toISOString() };
  }

  /**
   * Retention: removes, per chain, the oldest rows whose retention has ended (a contiguous
   * prefix, so the chain stays verifiable) and moves the chain's anchor past them.
   */
  async prune(now: Date = new Date()): Promise<{ deleted: number }> {
    let deleted = 0;
    for (const severity of SEVERITIES) {
      deleted += await this.prisma.$transaction(async (tx) => {
        await tx.$queryRaw`SELECT 1 FROM audit_chain_heads WHERE severity = ${severity}::"AuditSeverity" FOR UPDATE`;
        const oldest = await tx.auditLog.findMany({
          where: { severity },
          orderBy: { chainSeq: 'asc' },
          take: BATCH,
          select: { chainSeq: true, hash: true, retainUntil: true },
        });
        let last: { chainSeq: bigint; hash: string } | undefined;
        for (const r of oldest) {
          if (r.retainUntil >= now) break;
          last = r;
        }
        if (!last) return 0;
        const removed = await tx.auditLog.deleteMany({ where: { severity, chainSeq: { lte: last.chainSeq } } });
        await tx.auditChainHead.update({ where: { severity }, data: { anchorSeq: last.chainSeq, anchorHash: last.hash } });
        return removed.count;
      });
    }
    return { deleted };
  }
}
