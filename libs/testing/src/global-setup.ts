// Jest global setup for integration tests: a database of the run's own, migrated and seeded once,
// and a NATS/Redis namespace of its own, so a run never touches a developer's running stack nor
// meets what an earlier (perhaps killed) run left behind. DATABASE_URL set → that database is used.
//
import { randomBytes } from 'node:crypto';
import { ensureDatabase, migrate } from '@gatewayz/db';
import { seedCatalog } from '@gatewayz/catalog';
import { createRunDatabase, newRunId } from './test-database';

export default async function globalSetup(): Promise<void> {
  // Random, not the pid: a run that was killed before its teardown leaves keys behind, and pids repeat.
  const run = newRunId(randomBytes(4).toString('hex'));
  if (!process.env.DATABASE_URL) {
    process.env.DATABASE_URL = await createRunDatabase(run);
    process.env.GATEWAYZ_TEST_DATABASE_OWNED = '1';
  }
  process.env.REDIS_URL ??= 'redis://127.0.0.1:6379';
  process.env.NATS_URL ??= 'nats://127.0.0.1:4222';
  process.env.GATEWAYZ_NAMESPACE ??= `gwtest_${run}`;
  process.env.LOG_LEVEL ??= 'warn';
  await ensureDatabase(process.env.DATABASE_URL);
  await migrate(process.env.DATABASE_URL);
  await seedCatalog(process.env.DATABASE_URL);
}
