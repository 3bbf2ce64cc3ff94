import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';
import { createPrisma, ensureDatabase, migrate, type PrismaClient } from '@gatewayz/db';
import { silentLogger } from '@gatewayz/logger';
import { AuditLog } from '../src/audit/audit-log';
import { auditPrune, auditVerify } from '../src/cli/audit-commands';

/**
 * The audit log against a fresh, migrated Postgres database of its own (tampering is done
 * here, never in the shared test database): append-only by trigger, hash chains verified,
 * every kind of tampering detected by `gw audit verify`, retention keeping chains verifiable.
 */
function urlFor(database: string): string {
  const url = new URL(process.env.DATABASE_URL!);
  url.pathname = `/${database}`;
  return url.toString();
}

describe('audit log', () => {
  const db = `gatewayz_audit_${process.pid}_${randomBytes(4).toString('hex')}`;
  const url = urlFor(db);
  let prisma: PrismaClient;
  let audit: AuditLog;
  const lines: string[] = [];
  const out = (line: string) => lines.push(line);

  /** Runs SQL with triggers off (what an attacker with database access could do). */
  async function asAttacker(sql: string, params: unknown[] = []): Promise<void> {
    const client = new Client({ connectionString: url });
    await client.connect();
    try {
      await client.query('BEGIN');
      await client.query('SET LOCAL session_replication_role = replica');
      await client.query(sql, params);
      await client.query('COMMIT');
    } finally {
      await client.end();
    }
  }

  beforeAll(async () => {
    await ensureDatabase(url);
    await migrate(url);
    prisma = createPrisma({ url, poolSize: 4 });
    audit = new AuditLog(prisma, silentLogger());
    const user = '6F1C6797-21F6-4FB1-A24D-E3EE4C9BDE58';
    for (let i = 0; i < 6; i++) {
      await audit.record({
        eventType: (['api_key.created', 'api_key.rotated', 'role.updated'] as const)[i % 3],
        actorUserId: user,
        subjectUserId: user,
        targetType: 'api_key',
        targetId: `k${i}`,
        ip: '203.0.113.9',
        requestId: `req-${i}`,
        details: { name: "'; DROP TABLE users; --", z: i, a: true, list: ['b', 'a'], note: 'ünïcødé <script>' },
      });
    }
    // Concurrent appends to one chain stay in order.
    await Promise.all(Array.from({ length: 10 }, (_, i) => audit.record({ eventType: 'security.ip_not_allowed', targetId: `c${i}` })));
  });

  afterAll(async () => {
    await prisma.$disconnect();
    const admin = new Client({ connectionString: urlFor('postgres') });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS "${db}" WITH (FORCE)`);
    await admin.end();
  });

  it('verifies intact chains (gw audit verify)', async () => {
    lines.length = 0;
    const { ok, report } = await auditVerify(url, out);
    expect(ok).toBe(true);
    expect(report.rows).toBe(16);
    expect(lines.at(-1)).toBe('audit log intact (16 rows verified)');
  });

  it('the table refuses UPDATE, DELETE and TRUNCATE', async () => {
    await expect(prisma.$executeRawUnsafe(`UPDATE audit_logs SET ip = '0.0.0.0'`)).rejects.toThrow(/append-only: UPDATE refused/);
    await expect(prisma.$executeRawUnsafe(`DELETE FROM audit_logs`)).rejects.toThrow(/append-only: DELETE refused/);
    await expect(prisma.$executeRawUnsafe(`TRUNCATE audit_logs`)).rejects.toThrow(/append-only: TRUNCATE refused/);
    expect(await prisma.auditLog.count()).toBe(16);
  });

  it('detects an edited row, and passes again once it is restored', async () => {
    const row = await prisma.auditLog.findFirstOrThrow({ where: { severity: 'critical' }, orderBy: { chainSeq: 'asc' } });
    await asAttacker(`UPDATE audit_logs SET details = jsonb_set(details, '{note}', '"edited"') WHERE id = $1`, [row.id]);
    lines.length = 0;
    const { ok, report } = await auditVerify(url, out);
    expect(ok).toBe(false);
    expect(report.chains.find((c) => c.severity === 'critical')!.problem).toMatchObject({ kind: 'altered', seq: row.chainSeq.toString() });
    expect(lines.join('\n')).toMatch(/critical .* TAMPERED at 1: row 1 was changed after it was written/);
    expect(lines.at(-1)).toBe('audit log FAILED verification');
    await asAttacker(`UPDATE audit_logs SET details = $2::jsonb WHERE id = $1`, [row.id, JSON.stringify(row.details)]);
    expect((await auditVerify(url, out)).ok).toBe(true);
  });

  it('detects a removed row in the middle and at the end, and a forged replacement', async () => {
    const chain = await prisma.auditLog.findMany({ where: { severity: 'medium' }, orderBy: { chainSeq: 'asc' } });
    expect(chain.length).toBe(12);
    for (const victim of [chain[4]!, chain[11]!]) {
      await asAttacker(`CREATE TABLE saved AS SELECT * FROM audit_logs WHERE id = $1`.replace('$1', victim.id.toString()));
      await asAttacker(`DELETE FROM audit_logs WHERE id = $1`, [victim.id]);
      const { report } = await auditVerify(url, out);
      expect(report.chains.find((c) => c.severity === 'medium')!.problem!.kind).toBe(victim === chain[4] ? 'missing_rows' : 'missing_tail');
      await asAttacker(`INSERT INTO audit_logs SELECT * FROM saved; DROP TABLE saved`);
      expect((await auditVerify(url, out)).ok).toBe(true);
    }
    // A forged row that recomputes its own hash but cannot know the real chain.
    const target = chain[6]!;
    await asAttacker(`UPDATE audit_logs SET target_id = 'forged', hash = repeat('f', 64) WHERE id = $1`, [target.id]);
    expect((await auditVerify(url, out)).report.chains.find((c) => c.severity === 'medium')!.problem!.kind).toBe('altered');
    await asAttacker(`UPDATE audit_logs SET target_id = $2, hash = $3 WHERE id = $1`, [target.id, target.targetId, target.hash]);
    expect((await auditVerify(url, out)).ok).toBe(true);
  });

  it('retention removes expired rows oldest first and the chain still verifies (gw audit prune)', async () => {
    await prisma.auditRetentionPolicy.update({ where: { severity: 'low' }, data: { retentionDays: 0 } });
    for (let i = 0; i < 3; i++) await audit.record({ eventType: 'auth.login', targetId: `l${i}` });
    await prisma.auditRetentionPolicy.update({ where: { severity: 'low' }, data: { retentionDays: 90 } });
    await audit.record({ eventType: 'auth.login', targetId: 'kept' });
    await sleep(10);
    lines.length = 0;
    expect(await auditPrune(url, out)).toBe(3);
    expect(lines).toEqual(['retention: 3 expired rows removed']);
    const head = await prisma.auditChainHead.findUniqueOrThrow({ where: { severity: 'low' } });
    expect(head.anchorSeq).toBe(3n);
    expect(await prisma.auditLog.count({ where: { severity: 'low' } })).toBe(1);
    const { ok, report } = await auditVerify(url, out);
    expect(ok).toBe(true);
    expect(report.chains.find((c) => c.severity === 'low')!.rows).toBe(1);
    // Retention as data: the four severities and their periods.
    const policies = await prisma.auditRetentionPolicy.findMany({ orderBy: { retentionDays: 'desc' } });
    expect(policies.map((p) => [p.severity, p.retentionDays])).toEqual([
      ['critical', 2557],
      ['high', 1096],
      ['medium', 365],
      ['low', 90],
    ]);
  });
});
