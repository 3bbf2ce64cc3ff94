// The integration run's own database: created for the run, dropped after it. A run killed before
// its teardown leaves one behind; the next run drops those (a database someone is still connected
// to, such as a concurrent run's, refuses the DROP and is left alone).
import { Client } from 'pg';

const PREFIX = 'gatewayz_test_';
const SERVER = 'postgresql://postgres@127.0.0.1:5432';

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

/** Drops the databases of earlier runs that nobody is connected to; returns the URL of a new one. */
export async function createRunDatabase(run: string): Promise<string> {
  const name = `${PREFIX}${run}`;
  await withAdmin(async (client) => {
    const { rows } = await client.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datname LIKE $1', [`${PREFIX.replace(/_/g, '\\_')}%`]);
    for (const { datname } of rows) {
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
