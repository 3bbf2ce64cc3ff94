import pg from 'pg';

/**
 * Plain node-postgres for the ledger's hot statements (Authorize, settlement): one round trip
 * per statement, named (prepared once per connection), bulk writes with unnest(). Prisma, used
 * everywhere else, costs several times the CPU per query through its query compiler; money
 * rules are the same SQL either way. int8 comes back as bigint, date as "YYYY-MM-DD".
 */
const INT8 = 20;
const DATE = 1082;

const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (oid === INT8) return (v: string) => BigInt(v);
    if (oid === DATE) return (v: string) => v;
    return pg.types.getTypeParser(oid, format as 'text');
  }) as typeof pg.types.getTypeParser,
};

export type PgPool = pg.Pool;
export type PgClient = pg.PoolClient;

/**
 * `asyncCommit`: the connections commit without waiting for the WAL flush (synchronous_commit
 * off). Only for Authorize's reservations (docs/billing.md): a reservation is a hold, not a
 * movement of money, and a commit on this disk waits 1-5 ms for fsync.
 */
export function createPgPool(url: string, options: { max: number; asyncCommit?: boolean }): PgPool {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max,
    types,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    ...(options.asyncCommit ? { options: '-c synchronous_commit=off' } : {}),
  });
  pool.on('error', () => undefined); // idle-client errors surface on the next query
  return pool;
}

/** BEGIN … COMMIT on one connection; ROLLBACK when `fn` throws. */
export async function pgTransaction<T>(pool: PgPool, fn: (client: PgClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const out = await fn(client);
    await client.query('COMMIT');
    return out;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}
