import { Bus } from '@gatewayz/bus';
import { Fernet } from '@gatewayz/crypto';
import type { PrismaClient } from '@gatewayz/db';
import { silentLogger } from '@gatewayz/logger';
import { createRedis } from '@gatewayz/redis';
import { AuditLog } from '../audit/audit-log';
import { KEYS_REVOKED_SUBJECT, type KeysRevokedMessage } from '../keys/key-revocation';

/**
 * `gw keys revoke <id>`: deletes the key (with its audit row), then drops it from the Redis
 * cache and tells every edge on keys.revoked, so it stops working at once. With Redis or NATS
 * unreachable the edges forget it within their auth cache TTL.
 */
export async function revokeKey(a: {
  prisma: PrismaClient;
  keyId: string;
  redisUrl: string;
  natsUrl: string;
  namespace: string;
  out: (line: string) => void;
}): Promise<boolean> {
  const audit = new AuditLog(a.prisma, silentLogger());
  const key = await a.prisma.$transaction(async (tx) => {
    const row = await tx.apiKey.findFirst({ where: { id: a.keyId, deletedAt: null } });
    if (!row) return undefined;
    await tx.apiKey.update({ where: { id: row.id }, data: { isActive: false, deletedAt: new Date() } });
    await audit.record({ eventType: 'api_key.deleted', subjectUserId: row.userId, targetType: 'api_key', targetId: row.id, details: { via: 'cli', name: row.name, last4: row.last4 } }, tx);
    return row;
  });
  if (!key) return false;
  const redis = createRedis(a.redisUrl, { name: 'gw-cli', commandTimeoutMs: 1_000 });
  const cleared = await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('unreachable')), 1_500);
    redis.once('ready', () => {
      clearTimeout(timer);
      resolve();
    });
  })
    .then(() => redis.del(`${a.namespace}:auth:key:${key.keyHash}`))
    .then(
      () => true,
      () => false,
    );
  redis.disconnect();
  const told = await Bus.connect({ url: a.natsUrl, name: 'gw-cli', namespace: a.namespace, logger: silentLogger(), timeoutMs: 2_000 }).then(
    async (bus) => {
      bus.publishCore(KEYS_REVOKED_SUBJECT, { hashes: [key.keyHash], reason: 'deleted' } satisfies KeysRevokedMessage);
      await bus.close();
      return true;
    },
    () => false,
  );
  a.out(
    told && cleared
      ? `revoked ${key.id}; every edge has been told`
      : `revoked ${key.id}; ${told ? '' : 'NATS '}${!told && !cleared ? 'and ' : ''}${cleared ? '' : 'Redis '}unreachable: edges forget it within their auth cache TTL`,
  );
  return true;
}

/**
 * `gw keys reencrypt`: Fernet rotation — re-encrypts every stored key under the first key.
 * A row no configured key can decrypt is left as it is and counted.
 */
export async function reencryptKeys(prisma: PrismaClient, fernet: Fernet): Promise<{ done: number; unreadable: number }> {
  let done = 0;
  let unreadable = 0;
  let after = '00000000-0000-0000-0000-000000000000';
  for (;;) {
    const rows = await prisma.apiKey.findMany({ where: { id: { gt: after } }, orderBy: { id: 'asc' }, take: 500, select: { id: true, encryptedKey: true } });
    if (rows.length === 0) return { done, unreadable };
    for (const r of rows) {
      let token: string;
      try {
        token = fernet.rotate(r.encryptedKey);
      } catch {
        unreadable++;
        continue;
      }
      await prisma.apiKey.update({ where: { id: r.id }, data: { encryptedKey: token } });
      done++;
    }
    after = rows[rows.length - 1]!.id;
  }
}
