import { createHash } from 'node:crypto';
import type { AuditSeverity } from '@gatewayz/db';

/**
 * The hash chain, as pure functions. Each severity has its own chain (so retention can remove
 * the oldest rows of one severity without breaking another): row n carries the hash of row
 * n-1, and its own hash is SHA-256 over that and its canonical content. Verification walks a
 * chain from its anchor (the last row removed by retention, or genesis) to its head.
 */
export const GENESIS_HASH = '0'.repeat(64);

export interface ChainRow {
  severity: AuditSeverity;
  chainSeq: bigint;
  occurredAt: Date;
  retainUntil: Date;
  eventType: string;
  actorUserId: string | null;
  actorKeyId: string | null;
  subjectUserId: string | null;
  targetType: string | null;
  targetId: string | null;
  ip: string | null;
  requestId: string | null;
  details: unknown;
}

export interface StoredChainRow extends ChainRow {
  prevHash: string;
  hash: string;
}

/** JSON with object keys sorted at every level (jsonb does not keep key order). */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) out[key] = sortKeys((value as Record<string, unknown>)[key]);
    return out;
  }
  return value;
}

export function canonicalContent(row: ChainRow): string {
  return canonicalJson([
    1,
    row.severity,
    row.chainSeq.toString(),
    row.occurredAt.toISOString(),
    row.retainUntil.toISOString(),
    row.eventType,
    row.actorUserId,
    row.actorKeyId,
    row.subjectUserId,
    row.targetType,
    row.targetId,
    row.ip,
    row.requestId,
    row.details ?? {},
  ]);
}

export function chainHash(prevHash: string, row: ChainRow): string {
  return createHash('sha256').update(prevHash).update('\n').update(canonicalContent(row)).digest('hex');
}

export type ChainProblemKind = 'altered' | 'broken_link' | 'missing_rows' | 'missing_tail' | 'head_mismatch';

export interface ChainProblem {
  kind: ChainProblemKind;
  /** The chain position where verification failed. */
  seq: string;
  message: string;
}

/**
 * Walks one chain in order. `feed` each row (ascending chain_seq), then `finish` with the
 * chain head; the first problem found stops the walk.
 */
export class ChainVerifier {
  private expectedSeq: bigint;
  private prevHash: string;
  rows = 0;
  problem: ChainProblem | undefined;

  constructor(anchor: { seq: bigint; hash: string }) {
    this.expectedSeq = anchor.seq + 1n;
    this.prevHash = anchor.hash;
  }

  feed(row: StoredChainRow): boolean {
    if (this.problem) return false;
    this.rows++;
    const seq = row.chainSeq.toString();
    if (row.chainSeq !== this.expectedSeq) {
      this.problem = { kind: 'missing_rows', seq, message: `expected position ${this.expectedSeq}, found ${seq}: rows were removed` };
    } else if (row.prevHash !== this.prevHash) {
      this.problem = { kind: 'broken_link', seq, message: `row ${seq} does not point at the row before it` };
    } else if (chainHash(row.prevHash, row) !== row.hash) {
      this.problem = { kind: 'altered', seq, message: `row ${seq} was changed after it was written` };
    }
    if (this.problem) return false;
    this.expectedSeq = row.chainSeq + 1n;
    this.prevHash = row.hash;
    return true;
  }

  finish(head: { seq: bigint; hash: string }): ChainProblem | undefined {
    if (this.problem) return this.problem;
    const last = this.expectedSeq - 1n;
    if (last !== head.seq) {
      this.problem = { kind: 'missing_tail', seq: last.toString(), message: `the chain ends at ${last}, but its head is ${head.seq}: rows were removed` };
    } else if (this.prevHash !== head.hash) {
      this.problem = { kind: 'head_mismatch', seq: last.toString(), message: `the last row's hash differs from the recorded head` };
    }
    return this.problem;
  }
}
