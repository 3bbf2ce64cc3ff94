import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { NextFunction, Request, Response } from 'express';
import { Client } from 'pg';
import { Fernet, generateFernetKey } from '@gatewayz/crypto';
import { createPrisma, ensureDatabase, migrate, type PrismaClient } from '@gatewayz/db';
import { silentLogger } from '@gatewayz/logger';
import { Counter, Registry } from '@gatewayz/metrics';
import { loadPlans } from '@gatewayz/plans';
import { VelocityMonitor, WindowLimiter } from '@gatewayz/ratelimit';
import { createRedis, type Redis } from '@gatewayz/redis';
import { AuditLog } from '../../services/edge/src/audit/audit-log';
import { ApiKeyAuthenticator } from '../../services/edge/src/auth/api-key-auth';
import { ApiKeyRepository } from '../../services/edge/src/auth/api-key.repository';
import { SessionTokens } from '../../services/edge/src/identity/session-tokens';
import { KeyUseChecker } from '../../services/edge/src/keys/key-use';
import { ipHasher } from '../../services/edge/src/ratelimit/ip-hash';
import { ipRateLimit } from '../../services/edge/src/ratelimit/ip-limit.middleware';
import { v1Gate } from '../../services/edge/src/ratelimit/v1-gate.middleware';

/**
 * Identity costs (issue 3): the edge's per-request identity work on the cached path — layer 1
 * (exempt: the key is cached) and the /v1 gate (cached authentication, key restrictions, layer 2
 * in Redis or in process) — timed in process on the real middleware; and the key lookup (by
 * HMAC, unique index) with 1 key vs 100,000 keys in api_keys, in a scratch database.
 */
const fmt = (n: number, d = 1) => n.toFixed(d);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

async function waitReady(redis: Redis): Promise<void> {
  if (redis.status === 'ready') return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('Redis not ready')), 5_000);
    redis.once('ready', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** One pass through layer 1 and the /v1 gate, as express would run them. */
function pipeline(layers: ((req: Request, res: Response, next: NextFunction) => void)[], key: string): () => Promise<void> {
  const res = { setHeader: () => res, once: () => res } as unknown as Response;
  return () =>
    new Promise<void>((resolve, reject) => {
      const req = {
        headers: { authorization: `Bearer ${key}` },
        method: 'POST',
        path: '/chat/completions',
        baseUrl: '/v1',
        ip: '127.0.0.1',
        socket: {},
        id: 'bench',
      } as unknown as Request;
      let i = 0;
      const next = (err?: unknown) => {
        if (err) return reject(err instanceof Error ? err : new Error(String(err)));
        const layer = layers[i++];
        if (!layer) return resolve();
        layer(req, res, next);
      };
      next();
    });
}

async function timeSequential(fn: () => Promise<void>, n: number): Promise<{ mean: number; p50: number; p99: number }> {
  for (let i = 0; i < Math.min(n, 1_000); i++) await fn();
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn();
    samples.push((performance.now() - t0) * 1000);
  }
  samples.sort((a, b) => a - b);
  return { mean: samples.reduce((a, b) => a + b, 0) / n, p50: percentile(samples, 0.5), p99: percentile(samples, 0.99) };
}

/** CPU time per request with `concurrency` requests in flight (what a busy edge pays). */
async function cpuPerRequest(fn: () => Promise<void>, n: number, concurrency: number): Promise<number> {
  const before = process.cpuUsage();
  let left = n;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (left-- > 0) await fn();
    }),
  );
  const used = process.cpuUsage(before);
  return (used.user + used.system) / n;
}

async function gateCost(prisma: PrismaClient, redisUrl: string, namespace: string): Promise<string[]> {
  const secret = randomBytes(32).toString('hex');
  const repository = new ApiKeyRepository(prisma, secret, new Fernet([generateFernetKey()]));
  const user = await repository.findOrCreateUser(`bench-${randomBytes(4).toString('hex')}@gatewayz.local`, 'user', 'enterprise');
  const { key } = await repository.createKey({ userId: user.id, name: 'bench', environment: 'live' });
  const redis = createRedis(redisUrl, { name: 'identity-bench' });
  await waitReady(redis);
  const rows: string[] = [];
  try {
    for (const backend of ['Redis', 'in-process fallback'] as const) {
      const r = backend === 'Redis' ? redis : undefined;
      const authenticator = new ApiKeyAuthenticator(repository, secret, { redis: r, namespace, ttlMs: 300_000, entries: 512 });
      const limited = new Counter({ name: 'bench_limited', help: 'x', labelNames: ['layer'] as const, registers: [new Registry()] });
      const sessions = new SessionTokens({ fallbackSecret: secret, ttlSeconds: 900 });
      // Limits far above the load: the cost of deciding, not of refusing.
      const plans = { ...loadPlans(), bySlug: () => ({ ...loadPlans().bySlug('enterprise')!, rateLimits: { rpm: 1e9, tpm: 1e12, tokensPerDay: 1e12, tokensPerMonth: 1e12 } }) };
      const layers = [
        ipRateLimit({
          limiter: new WindowLimiter({ redis: r, prefix: `${namespace}:rl:ip:` }),
          velocity: new VelocityMonitor({ windowMs: 180_000, errorRateThreshold: 0.25, cooldownMs: 180_000, minRequests: 20, factor: 0.5 }),
          rpm: 300,
          authenticator,
          sessions,
          ipHash: ipHasher(secret),
          limited,
        }),
        v1Gate({
          authenticator,
          keyUse: new KeyUseChecker(new AuditLog(prisma, silentLogger())),
          plans,
          keyLimiter: new WindowLimiter({ redis: r, prefix: `${namespace}:rl:key:` }),
          anonLimiter: new WindowLimiter({ redis: r, prefix: `${namespace}:rl:anon:` }),
          anonymous: { models: new Set(), rpm: 5, perDay: 100 },
          ipHash: ipHasher(secret),
          readBody: (_req, _res, next) => next(),
          limited,
        }),
      ];
      const run = pipeline(layers, key);
      await run(); // fills the caches (Postgres once)
      const seq = await timeSequential(run, 5_000);
      const cpu = await cpuPerRequest(run, 20_000, 64);
      rows.push(`| layer 1 + auth + layer 2, ${backend} | ${fmt(seq.p50)} | ${fmt(seq.p99)} | ${fmt(cpu)} |`);
      const authOnly = async () => {
        await authenticator.authenticateRecord(key);
      };
      if (backend === 'Redis') {
        const a = await timeSequential(authOnly, 20_000);
        rows.push(`| authentication alone (LRU hit) | ${fmt(a.p50)} | ${fmt(a.p99)} | ${fmt(await cpuPerRequest(authOnly, 50_000, 64))} |`);
      }
    }
  } finally {
    redis.disconnect();
  }
  return rows;
}

async function lookupTimes(repository: ApiKeyRepository, hashes: string[], n: number): Promise<{ mean: number; p50: number; p99: number }> {
  let i = 0;
  return timeSequential(async () => {
    const found = await repository.findByHash(hashes[i++ % hashes.length]!);
    if (!found) throw new Error('lookup missed');
  }, n);
}

async function lookupScaling(databaseUrl: string): Promise<string[]> {
  const url = new URL(databaseUrl);
  const scratch = `gatewayz_bench_identity_${process.pid}`;
  url.pathname = `/${scratch}`;
  await ensureDatabase(url.toString());
  await migrate(url.toString());
  const prisma = createPrisma({ url: url.toString(), poolSize: 2 });
  try {
    const secret = randomBytes(32).toString('hex');
    const repository = new ApiKeyRepository(prisma, secret, new Fernet([generateFernetKey()]));
    const user = await repository.findOrCreateUser('lookup@gatewayz.local', 'user');
    const { keyHash } = await repository.createKey({ userId: user.id, name: 'one', environment: 'live' });
    const one = await lookupTimes(repository, [keyHash], 2_000);
    const t0 = performance.now();
    // 100,000 more keys in one statement (hashes are HMAC-shaped hex, as real ones are).
    await prisma.$executeRawUnsafe(`
      INSERT INTO api_keys (id, user_id, name, environment, key_hash, encrypted_key, last4, updated_at)
      SELECT gen_random_uuid(), '${user.id}'::uuid, 'k' || g, 'live', encode(sha256(('bench-' || g)::bytea), 'hex'), 'x', 'abcd', now()
      FROM generate_series(1, 99999) AS g`);
    await prisma.$executeRawUnsafe('ANALYZE api_keys');
    const insertMs = performance.now() - t0;
    const count = await prisma.apiKey.count();
    const sample = (await prisma.$queryRawUnsafe<{ key_hash: string }[]>('SELECT key_hash FROM api_keys ORDER BY random() LIMIT 1000')).map((r) => r.key_hash);
    const many = await lookupTimes(repository, sample, 2_000);
    const plan = await prisma.$queryRawUnsafe<{ 'QUERY PLAN': string }[]>(`EXPLAIN SELECT * FROM api_keys WHERE key_hash = '${keyHash}'`);
    const indexed = plan.some((p) => /Index Scan using api_keys_key_hash_key/.test(p['QUERY PLAN']));
    return [
      `| 1 | ${fmt(one.mean)} | ${fmt(one.p50)} | ${fmt(one.p99)} |`,
      `| ${count.toLocaleString('en-US')} | ${fmt(many.mean)} | ${fmt(many.p50)} | ${fmt(many.p99)} |`,
      '',
      `Ratio of medians (100,000 / 1): ${fmt(many.p50 / one.p50, 2)}. ${count.toLocaleString('en-US')} rows inserted with one INSERT … SELECT generate_series in ${fmt(insertMs / 1000, 1)} s; the lookup plan is ${indexed ? 'an index scan on the unique key_hash index' : 'NOT an index scan'}.`,
    ];
  } finally {
    await prisma.$disconnect();
    const admin = new Client({ connectionString: new URL('/postgres', databaseUrl).toString() });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS "${scratch}" WITH (FORCE)`);
    await admin.end();
  }
}

/**
 * The load benchmark drives thousands of requests per second through one key, far above any
 * plan's limits: the services get a copy of the plans (PLANS_FILE) whose rate limits are
 * raised, so layer 2 still runs on every request but never refuses. Money terms are unchanged.
 */
export function benchPlansFile(): string {
  const source = path.resolve(__dirname, '../../libs/plans/data/plans.json');
  const plans = JSON.parse(readFileSync(source, 'utf8')) as { plans: { rate_limits: Record<string, number> }[] };
  for (const p of plans.plans) p.rate_limits = { rpm: 1_000_000_000, tpm: 1_000_000_000_000, tokens_per_day: 1_000_000_000_000, tokens_per_month: 1_000_000_000_000 };
  const file = path.join(tmpdir(), `gatewayz-bench-plans-${process.pid}.json`);
  writeFileSync(file, JSON.stringify(plans));
  return file;
}

/** The "Identity" section of docs/benchmarks.md. */
export async function identityBenchmark(o: { databaseUrl: string; redisUrl: string; namespace: string }): Promise<string[]> {
  const prisma = createPrisma({ url: o.databaseUrl, poolSize: 2 });
  let gate: string[];
  try {
    gate = await gateCost(prisma, o.redisUrl, o.namespace);
  } finally {
    await prisma.$disconnect();
  }
  const lookups = await lookupScaling(o.databaseUrl);
  return [
    '## Identity: authentication and rate limiting',
    '',
    'In process, on the real middleware (layer 1 finds the key cached and exempts it; the /v1 gate authenticates from the in-process LRU, checks the key\'s restrictions and decides layer 2 — four counters, one Lua script); Redis on loopback. Latency is one request at a time; CPU is per request with 64 in flight.',
    '',
    '| path | p50 µs | p99 µs | CPU µs/request |',
    '|---|---:|---:|---:|',
    ...gate,
    '',
    'Key lookup by HMAC (Postgres, `api_keys.key_hash` unique index, through the repository; sequential, cache bypassed):',
    '',
    '| keys in table | mean µs | p50 µs | p99 µs |',
    '|---:|---:|---:|---:|',
    ...lookups,
    '',
  ];
}
