import { parseArgs } from 'node:util';
import { seedCatalog } from '@gatewayz/catalog';
import { commonEnv, env, loadConfig, z } from '@gatewayz/config';
import { Fernet, hashApiKey, isWellFormedApiKey } from '@gatewayz/crypto';
import { Role, createPrisma, ensureDatabase, migrate } from '@gatewayz/db';
import { ApiKeyRepository } from '../auth/api-key.repository';

/**
 * Operator CLI (npm run gw -- <command>):
 *   keys create --email <email> [--name <name>] [--env live|test] [--role user|developer|support|admin] [--expires-days <n>]
 *   keys list --email <email>
 *   keys revoke <key-id>
 *   keys verify  (key on stdin)
 *   db migrate | db seed
 */
const USAGE = `usage:
  gw keys create --email <email> [--name <name>] [--env live|test] [--role user|developer|support|admin] [--expires-days <n>]
  gw keys list --email <email>
  gw keys revoke <key-id>
  gw keys verify            (reads a key on stdin; exit 0 when it authenticates)
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
      const user = await repo.findOrCreateUser(email, role as Role);
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
    if (command === 'revoke') {
      if (!arg || !z.uuid().safeParse(arg).success) fail('keys revoke needs a key id (a UUID, from keys list)');
      const updated = await prisma.apiKey.updateMany({ where: { id: arg, deletedAt: null }, data: { isActive: false, deletedAt: new Date() } });
      if (updated.count === 0) fail(`no active key with id ${arg}`);
      process.stdout.write(`revoked ${arg} (edges forget it within the auth cache TTL)\n`);
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
