import { parseArgs } from 'node:util';
import { seedCatalog } from '@gatewayz/catalog';
import { commonEnv, env, loadConfig, z } from '@gatewayz/config';
import { Fernet, hashApiKey, isWellFormedApiKey } from '@gatewayz/crypto';
import { Role, createPrisma, ensureDatabase, migrate } from '@gatewayz/db';
import { loadPlans } from '@gatewayz/plans';
import { ApiKeyRepository } from '../auth/api-key.repository';
import { auditPrune, auditVerify } from './audit-commands';
import { reencryptKeys, revokeKey } from './key-commands';

/**
 * Operator CLI (npm run gw -- <command>):
 *   keys create --email <email> [--name <name>] [--env live|test] [--role user|developer|support|admin] [--plan <plan>] [--expires-days <n>]
 *   keys list --email <email>
 *   keys revoke <key-id>
 *   keys verify  (key on stdin)
 *   keys reencrypt  (Fernet key rotation)
 *   audit verify | audit prune
 *   db migrate | db seed
 */
const USAGE = `usage:
  gw keys create --email <email> [--name <name>] [--env live|test] [--role user|developer|support|admin] [--plan free|starter|pro|enterprise] [--expires-days <n>]
  gw keys list --email <email>
  gw keys revoke <key-id>
  gw keys verify            (reads a key on stdin; exit 0 when it authenticates)
  gw keys reencrypt         (re-encrypts every stored key under the first API_KEY_ENCRYPTION_KEYS key)
  gw audit verify           (checks the audit log's hash chains; exit 1 when tampered)
  gw audit prune            (removes audit rows past their retention)
  gw db migrate
  gw db seed`;

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(2);
}

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      email: { type: 'string' },
      name: { type: 'string' },
      env: { type: 'string' },
      role: { type: 'string' },
      plan: { type: 'string' },
      'expires-days': { type: 'string' },
      quiet: { type: 'boolean' },
    },
  });
  const [group, command, arg] = positionals;
  const base = loadConfig({ DATABASE_URL: commonEnv.DATABASE_URL });

  if (group === 'db') {
    if (command === 'migrate') {
      await ensureDatabase(base.DATABASE_URL);
      const result = await migrate(base.DATABASE_URL);
      process.stdout.write(`migrations: ${result.applied.length} applied, ${result.alreadyApplied} already applied\n`);
      return;
    }
    if (command === 'seed') {
      const result = await seedCatalog(base.DATABASE_URL);
      process.stdout.write(`catalog: ${result.providers} providers, ${result.models} models\n`);
      return;
    }
    fail(USAGE);
  }
  if (group === 'audit') {
    const write = (line: string) => process.stdout.write(`${line}\n`);
    if (command === 'verify') {
      const { ok } = await auditVerify(base.DATABASE_URL, write);
      process.exitCode = ok ? 0 : 1;
      return;
    }
    if (command === 'prune') {
      await auditPrune(base.DATABASE_URL, write);
      return;
    }
    fail(USAGE);
  }
  if (group !== 'keys') fail(USAGE);

  const cfg = loadConfig({
    DATABASE_URL: commonEnv.DATABASE_URL,
    API_KEY_HMAC_SECRET: env.secret(32),
    API_KEY_ENCRYPTION_KEYS: z.string().min(43),
  });
  const prisma = createPrisma({ url: cfg.DATABASE_URL, poolSize: 2 });
  const repo = new ApiKeyRepository(prisma, cfg.API_KEY_HMAC_SECRET, new Fernet(cfg.API_KEY_ENCRYPTION_KEYS.split(',')));
  try {
    if (command === 'create') {
      const email = values.email ?? fail('--email is required');
      if (!z.email().safeParse(email).success) fail(`not an email address: ${email}`);
      const environment = values.env ?? 'live';
      if (environment !== 'live' && environment !== 'test') fail('--env must be live or test');
      const role = values.role ?? 'user';
      if (!(role in Role)) fail(`--role must be one of ${Object.keys(Role).join(', ')}`);
      const days = values['expires-days'] === undefined ? undefined : Number(values['expires-days']);
      if (days !== undefined && (!Number.isInteger(days) || days <= 0)) fail('--expires-days must be a positive integer');
      if (values.plan !== undefined && !loadPlans().bySlug(values.plan)) fail(`--plan must be one of ${loadPlans().plans.map((p) => p.slug).join(', ')}`);
      const user = await repo.findOrCreateUser(email, role as Role, values.plan);
      const created = await repo.createKey({
        userId: user.id,
        name: values.name ?? 'cli',
        environment,
        expiresAt: days === undefined ? null : new Date(Date.now() + days * 86_400_000),
      });
      if (values.quiet) process.stdout.write(`${created.key}\n`);
      else {
        process.stdout.write(
          `${user.created ? 'created user' : 'user'} ${user.email} (${user.id})\n` +
            `key id ${created.id}\n\n  ${created.key}\n\nThis is the only time the key is shown. Use it as "Authorization: Bearer <key>".\n`,
        );
      }
      return;
    }
    if (command === 'verify') {
      // Reads the key from stdin (never from argv, which other users of the machine can see).
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      const key = Buffer.concat(chunks).toString('utf8').trim();
      const found = isWellFormedApiKey(key) ? await repo.findByHash(hashApiKey(key, cfg.API_KEY_HMAC_SECRET)) : undefined;
      const ok = found !== undefined && found.active && found.userActive && (found.expiresAt === null || found.expiresAt > Date.now());
      process.stdout.write(ok ? 'valid\n' : 'invalid\n');
      process.exitCode = ok ? 0 : 1;
      return;
    }
    if (command === 'list') {
      const email = (values.email ?? fail('--email is required')).trim().toLowerCase();
      const keys = await prisma.apiKey.findMany({ where: { user: { email }, deletedAt: null }, orderBy: { createdAt: 'asc' } });
      for (const k of keys) {
        process.stdout.write(
          `${k.id}  gw_${k.environment}_…${k.last4}  ${k.name}  ${k.isActive ? 'active' : 'disabled'}${k.expiresAt ? `  expires ${k.expiresAt.toISOString()}` : ''}\n`,
        );
      }
      if (keys.length === 0) process.stdout.write('no keys\n');
      return;
    }
    if (command === 'reencrypt') {
      // Fernet key rotation: prepend a new key to API_KEY_ENCRYPTION_KEYS, run this, then drop the old key.
      const { done, unreadable } = await reencryptKeys(prisma, new Fernet(cfg.API_KEY_ENCRYPTION_KEYS.split(',')));
      process.stdout.write(`re-encrypted ${done} keys under the newest encryption key\n`);
      if (unreadable > 0) {
        process.stdout.write(`${unreadable} keys could not be decrypted with any configured key and were left as they are\n`);
        process.exitCode = 1;
      }
      return;
    }
    if (command === 'revoke') {
      if (!arg || !z.uuid().safeParse(arg).success) fail('keys revoke needs a key id (a UUID, from keys list)');
      const brokers = loadConfig({ REDIS_URL: commonEnv.REDIS_URL, NATS_URL: commonEnv.NATS_URL, GATEWAYZ_NAMESPACE: commonEnv.GATEWAYZ_NAMESPACE });
      const found = await revokeKey({
        prisma,
        keyId: arg,
        redisUrl: brokers.REDIS_URL,
        natsUrl: brokers.NATS_URL,
        namespace: brokers.GATEWAYZ_NAMESPACE,
        out: (line) => process.stdout.write(`${line}\n`),
      });
      if (!found) fail(`no active key with id ${arg}`);
      return;
    }
    fail(USAGE);
  } finally {
    await prisma.$disconnect();
  }
}

main().catch((err: unknown) => {
  if (err instanceof Error && err.name === 'ConfigError') fail(err.message);
  process.stderr.write(`gw: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
