// Jest global teardown: removes what this run left in the shared servers (its database, its
// JetStream streams and Redis keys, all under its own namespace), so test runs never accumulate state.
import { Bus } from '@gatewayz/bus';
import { silentLogger } from '@gatewayz/logger';
import { createRedis } from '@gatewayz/redis';
import { dropRunDatabase } from './test-database';

export default async function globalTeardown(): Promise<void> {
  if (process.env.GATEWAYZ_TEST_DATABASE_OWNED === '1' && process.env.DATABASE_URL) {
    await dropRunDatabase(process.env.DATABASE_URL).catch(() => undefined);
  }
  const namespace = process.env.GATEWAYZ_NAMESPACE;
  if (!namespace || !namespace.startsWith('gwtest_')) return;
  try {
    const bus = await Bus.connect({ url: process.env.NATS_URL!, name: 'teardown', namespace, logger: silentLogger(), timeoutMs: 2_000 });
    for await (const info of bus.jsm.streams.list()) {
      if (info.config.name.startsWith(`${namespace}_`)) await bus.jsm.streams.delete(info.config.name);
    }
    await bus.close();
  } catch {
    // NATS down: nothing to clean.
  }
  const redis = createRedis(process.env.REDIS_URL!, { name: 'teardown', commandTimeoutMs: 2_000 });
  try {
    await new Promise((resolve) => setTimeout(resolve, 100));
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${namespace}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } catch {
    // Redis down: nothing to clean.
  } finally {
    redis.disconnect();
  }
}
