// Jest global setup for integration tests: one test database, migrated and seeded once per run,
// and a NATS/Redis namespace of its own so a run never touches a developer's running stack.
//
import { ensureDatabase, migrate } from '@gatewayz/db';
import { seedCatalog } from '@gatewayz/catalog';

export default async function globalSetup(): Promise<void> {
  process.env.DATABASE_URL ??= 'postgresql://postgres@127.0.0.1:5432/gatewayz_test';
  process.env.REDIS_URL ??= 'redis://127.0.0.1:6379';
  process.env.NATS_URL ??= 'nats://127.0.0.1:4222';
  process.env.GATEWAYZ_NAMESPACE ??= `gwtest_${process.pid}`;
  process.env.LOG_LEVEL ??= 'warn';
  await ensureDatabase(process.env.DATABASE_URL);
  await migrate(process.env.DATABASE_URL);
  await seedCatalog(process.env.DATABASE_URL);
}
