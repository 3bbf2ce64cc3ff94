// The integration run's own database: created for the run, dropped after it. A run killed before
// its teardown leaves one behind; a later run drops those once they are old enough (the creation
// time is in the name: a database being used by a concurrent run can have no open connection
// between two test files, so "nobody is connected" does not tell an abandoned one).
import { Client } from 'pg';

const PREFIX = 'gatewayz_test_';
const SERVER = 'postgresql://postgres@127.0.0.1:5432';
/** Older than any run could be (CI stops a run after 90 minutes). */
const ABANDONED_AFTER_MS = 3 * 3600_000;

/** A run id that carries its creation time: `<ms since epoch, base 36>_<random>`. */
export function newRunId(random: string): string {
  return `${Date.now().toString(36)}_${random}`;
}

function createdAt(database: string): number | undefined {
  const m = /^gatewayz_test_([0-9a-z]+)_/.exec(database);
  const ms = m ? parseInt(m[1]!, 36) : NaN;
  return Number.isFinite(ms) && ms > 1e12 ? ms : undefined;
}

async function withAdmin<T>(fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: `${SERVER}/postgres` });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

const quoted = (name: string): string => `"${name.replace(/"/g, '""')}"`;

/** Drops abandoned databases of earlier runs; returns the URL of a new one for run `run`. */
export async function createRunDatabase(run: string): Promise<string> {
  const name = `${PREFIX}${run}`;
  await withAdmin(async (client) => {
    const { rows } = await client.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datname LIKE $1', [`${PREFIX.replace(/_/g, '\\_')}%`]);
    for (const { datname } of rows) {
      const created = createdAt(datname);
      if (created !== undefined && Date.now() - created < ABANDONED_AFTER_MS) continue; // maybe a concurrent run's
      await client.query(`DROP DATABASE IF EXISTS ${quoted(datname)}`).catch(() => undefined);
    }
    await client.query(`CREATE DATABASE ${quoted(name)}`);
  });
  return `${SERVER}/${name}`;
}

/**
 * Drops the run's database and those a suite derived from its name (`<name>_resilience`).
 * Workers have exited; FORCE ends any connection they leaked.
 */
export async function dropRunDatabase(url: string): Promise<void> {
  const name = decodeURIComponent(new URL(url).pathname.slice(1));
  if (!name.startsWith(PREFIX)) return;
  await withAdmin(async (client) => {
    const { rows } = await client.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datname = $1 OR datname LIKE $2', [name, `${name}\\_%`]);
    for (const { datname } of rows) await client.query(`DROP DATABASE IF EXISTS ${quoted(datname)} WITH (FORCE)`);
  });
}
