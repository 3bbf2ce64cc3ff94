import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import { ensureDatabase, findMigrationsDir, migrate } from '../src';

/** migrate() against real, freshly created Postgres databases. */
const MIGRATIONS_DIR = path.resolve(__dirname, '../prisma/migrations');

interface Row {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
  applied_steps_count: number;
  logs: string | null;
}

/** Every folder with a migration.sql, in name order, and the sha256 of its file. */
function expectedMigrations(): { name: string; checksum: string }[] {
  return readdirSync(MIGRATIONS_DIR, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort()
    .map((name) => ({ name, checksum: createHash('sha256').update(readFileSync(path.join(MIGRATIONS_DIR, name, 'migration.sql'))).digest('hex') }));
}

function urlFor(database: string): string {
  const url = new URL(process.env.DATABASE_URL!);
  url.pathname = `/${database}`;
  return url.toString();
}

async function query<T extends object>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

describe('migrate', () => {
  const suffix = `${process.pid}_${randomBytes(4).toString('hex')}`;
  const fresh = `gatewayz_migrate_${suffix}`;
  const concurrent = `gatewayz_migrate_conc_${suffix}`;
  const expected = expectedMigrations();

  beforeAll(async () => {
    await ensureDatabase(urlFor(fresh));
    await ensureDatabase(urlFor(concurrent));
  });

  afterAll(async () => {
    for (const db of [fresh, concurrent]) {
      await query(urlFor('postgres'), `DROP DATABASE IF EXISTS "${db}" WITH (FORCE)`);
    }
    const left = await query<{ datname: string }>(urlFor('postgres'), 'SELECT datname FROM pg_database WHERE datname = ANY($1)', [[fresh, concurrent]]);
    expect(left).toEqual([]);
  });

  it('finds the repository migrations folder', () => {
    expect(path.resolve(findMigrationsDir())).toBe(MIGRATIONS_DIR);
    expect(expected.length).toBeGreaterThan(0);
  });

  it('ensureDatabase is idempotent', async () => {
    await expect(ensureDatabase(urlFor(fresh))).resolves.toBeUndefined();
    const dbs = await query<{ datname: string }>(urlFor('postgres'), 'SELECT datname FROM pg_database WHERE datname = $1', [fresh]);
    expect(dbs).toHaveLength(1);
  });

  it('applies every migration to a fresh database and records it as prisma migrate deploy does', async () => {
    const url = urlFor(fresh);
    const before = await query<{ n: string }>(url, "SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = 'public'");
    expect(Number(before[0]!.n)).toBe(0);

    const result = await migrate(url);
    expect(result.applied).toEqual(expected.map((m) => m.name));
    expect(result.alreadyApplied).toBe(0);

    const rows = await query<Row>(url, 'SELECT migration_name, checksum, finished_at, rolled_back_at, applied_steps_count, logs FROM "_prisma_migrations" ORDER BY migration_name');
    expect(rows.map((r) => r.migration_name)).toEqual(expected.map((m) => m.name));
    for (const [i, row] of rows.entries()) {
      expect(row.checksum).toBe(expected[i]!.checksum);
      expect(row.checksum).toMatch(/^[0-9a-f]{64}$/);
      expect(row.finished_at).toBeInstanceOf(Date);
      expect(row.rolled_back_at).toBeNull();
      expect(row.applied_steps_count).toBe(1);
    }
    // The schema exists: the tables the services use.
    const tables = await query<{ table_name: string }>(url, "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'");
    expect(tables.map((t) => t.table_name)).toEqual(expect.arrayContaining(['users', 'api_keys', 'providers', 'models', 'model_prices', '_prisma_migrations']));
  });

  it('running again applies nothing and changes nothing', async () => {
    const url = urlFor(fresh);
    const before = await query<Row>(url, 'SELECT migration_name, checksum, finished_at FROM "_prisma_migrations" ORDER BY migration_name');
    const result = await migrate(url);
    expect(result.applied).toEqual([]);
    expect(result.alreadyApplied).toBe(expected.length);
    const after = await query<Row>(url, 'SELECT migration_name, checksum, finished_at FROM "_prisma_migrations" ORDER BY migration_name');
    expect(after).toEqual(before);
  });

  it('two concurrent migrate calls both succeed and apply each migration exactly once', async () => {
    const url = urlFor(concurrent);
    const [a, b] = await Promise.all([migrate(url), migrate(url)]);
    // Between them, every migration applied once: one did the work, the other found it done.
    expect([...a.applied, ...b.applied].sort()).toEqual(expected.map((m) => m.name));
    expect([a.applied.length, b.applied.length].sort()).toEqual([0, expected.length]);
    const rows = await query<{ migration_name: string; n: string; finished: string }>(
      url,
      'SELECT migration_name, count(*) AS n, count(finished_at) AS finished FROM "_prisma_migrations" GROUP BY migration_name ORDER BY migration_name',
    );
    expect(rows.map((r) => r.migration_name)).toEqual(expected.map((m) => m.name));
    for (const r of rows) {
      expect(Number(r.n)).toBe(1);
      expect(Number(r.finished)).toBe(1);
    }
    // No advisory lock is left behind.
    const locks = await query<{ n: string }>(url, "SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND objid = 72707369");
    expect(Number(locks[0]!.n)).toBe(0);
  });
});
