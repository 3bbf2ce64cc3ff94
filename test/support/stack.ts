import { randomBytes } from 'node:crypto';
import type { Writable } from 'node:stream';
import { generateFernetKey } from '@gatewayz/crypto';
import { seedCatalog } from '@gatewayz/catalog';
import { createPrisma, ensureDatabase, migrate, type PrismaClient, type Role } from '@gatewayz/db';
import { createLogger, silentLogger, type Logger } from '@gatewayz/logger';
import type { PlanSlug } from '@gatewayz/plans';
import { loadBillingConfig } from '../../services/billing/src/config';
import { startBilling, type RunningBilling } from '../../services/billing/src/server';
import { ApiKeyRepository } from '../../services/edge/src/auth/api-key.repository';
import { loadEdgeConfig } from '../../services/edge/src/config';
import { startEdge, type RunningEdge } from '../../services/edge/src/server';
import { loadProviderProxyConfig } from '../../services/provider-proxy/src/config';
import { startProviderProxy, type RunningProviderProxy } from '../../services/provider-proxy/src/server';
import { loadRoutingConfig } from '../../services/routing/src/config';
import { startRouting, type RunningRouting } from '../../services/routing/src/server';
import { Fernet } from '@gatewayz/crypto';

/**
 * The services in this process on ephemeral ports, against the real Postgres, Redis and NATS
 * (the test database and namespace set by global setup), talking real gRPC over loopback.
 */
export interface TestStack {
  url: string;
  /** For the SDKs: `${url}/v1`. */
  baseURL: string;
  env: Record<string, string>;
  prisma: PrismaClient;
  edge: RunningEdge;
  routing: RunningRouting;
  proxy: RunningProviderProxy;
  /** The billing service (replaced by restartBilling). */
  billing: RunningBilling;
  /**
   * A user and an API key. `plan`: the user's plan ("enterprise" unless told otherwise, so suites
   * are not throttled), in identity (rate limits) and in billing alike. `billing` overrides the
   * billing side: 'funded' (the Enterprise plan), 'trial' (the account opened with the trial, as
   * at registration), 'lazy' (no account yet: it opens on first use), or a plan to assign.
   */
  createKey(options?: {
    role?: Role;
    environment?: 'live' | 'test';
    expiresAt?: Date;
    email?: string;
    plan?: string;
    billing?: 'funded' | 'trial' | 'lazy' | PlanSlug;
  }): Promise<{ key: string; keyId: string; userId: string }>;
  /** Another edge sharing this stack's routing, provider-proxy and billing (a replica). */
  startEdgeReplica(): Promise<RunningEdge>;
  /** Stops billing (abruptly with `kill`) and starts a new instance on the same port. */
  restartBilling(options?: { kill?: boolean; downMs?: number }): Promise<RunningBilling>;
  close(): Promise<void>;
}

export interface StackOptions {
  /** Extra environment: provider keys and base URLs, timeouts... */
  env?: Record<string, string>;
  /** Where service logs go (default: nowhere). */
  logStream?: Writable;
}

const SECRET = randomBytes(32).toString('hex');
const FERNET_KEY = generateFernetKey();

/**
 * A database of its own for a stack, beside the run's (`<run's>_<name>`), migrated and seeded.
 * Its outbox tables are relayed only by that stack's services.
 */
export async function ownDatabase(name: string): Promise<string> {
  const url = new URL(process.env.DATABASE_URL!);
  url.pathname = `${url.pathname}_${name.replace(/[^a-z0-9]+/gi, '_').toLowerCase()}`;
  await ensureDatabase(url.toString());
  await migrate(url.toString());
  await seedCatalog(url.toString());
  return url.toString();
}

/**
 * A namespace is a deployment, and a deployment has its own database: a stack in a sub-namespace
 * of the run (`<run>:<name>`) gets `ownDatabase(<name>)` unless the test names one. Sharing the
 * run's database would let its billing and edge relay the shared outbox tables' rows to the
 * sub-namespace's streams, where the run's other suites never see them.
 */
async function databaseFor(namespace: string | undefined): Promise<string | undefined> {
  const run = process.env.GATEWAYZ_NAMESPACE!;
  if (!namespace || namespace === run) return undefined;
  if (!namespace.startsWith(`${run}:`)) throw new Error(`a test stack's namespace must be the run's or a sub-namespace of it: ${namespace}`);
  return ownDatabase(namespace.slice(run.length + 1));
}

export async function startStack(options: StackOptions = {}): Promise<TestStack> {
  const ownDatabase = options.env?.DATABASE_URL ? undefined : await databaseFor(options.env?.GATEWAYZ_NAMESPACE);
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    SIM_FIRST_TOKEN_MS: '0',
    SIM_INTER_CHUNK_MS: '0',
    API_KEY_HMAC_SECRET: SECRET,
    API_KEY_ENCRYPTION_KEYS: FERNET_KEY,
    ROUTING_PORT: '0',
    ROUTING_METRICS_PORT: '0',
    PROVIDER_PROXY_PORT: '0',
    PROVIDER_PROXY_METRICS_PORT: '0',
    BILLING_PORT: '0',
    BILLING_METRICS_PORT: '0',
    PORT: '0',
    // Suites share one Redis namespace and all come from 127.0.0.1: limits that would throttle
    // them are raised here; the identity suites set their own (and X-Forwarded-For per test).
    TRUST_PROXY: 'loopback',
    RATE_LIMIT_IP_RPM: '1000000',
    AUTH_LOGIN_LIMIT: '100000',
    AUTH_REGISTER_LIMIT: '100000',
    // Several stacks share one namespace in a run (and tests make upstreams fail on purpose):
    // circuit breakers and health-based promotion stay out of the way unless a test turns them
    // on (test/circuit-breakers.test.ts, test/health-routing.test.ts do, in their own namespace).
    BREAKER_FAILURE_THRESHOLD: '10000',
    // The services share the test's process (and a jest worker's event loop, which can stall for
    // a few hundred milliseconds under load): a reply read late must not count as Redis being
    // down, which would move breakers and counters to the in-process fallback mid-test.
    REDIS_COMMAND_TIMEOUT_MS: '3000',
    ROUTING_PROMOTION_THRESHOLD: '0',
    ...options.env,
    ...(ownDatabase ? { DATABASE_URL: ownDatabase } : {}),
  };
  const logger = (service: string): Logger =>
    options.logStream ? createLogger({ service, level: 'debug', stream: options.logStream }) : silentLogger();
  const routing = await startRouting(loadRoutingConfig(env), { env, logger: logger('routing') });
  const proxy = await startProviderProxy(loadProviderProxyConfig(env), { env, logger: logger('provider-proxy') });
  let billing = await startBilling(loadBillingConfig(env), { logger: logger('billing') });
  const billingPort = billing.port;
  const edgeEnv = { ...env, ROUTING_ADDR: `127.0.0.1:${routing.port}`, PROVIDER_PROXY_ADDR: `127.0.0.1:${proxy.port}`, BILLING_ADDR: `127.0.0.1:${billingPort}` };
  const edge = await startEdge(loadEdgeConfig(edgeEnv), { logger: logger('edge') });
  const replicas: RunningEdge[] = [];
  const prisma = createPrisma({ url: env.DATABASE_URL!, poolSize: 2 });
  const repo = new ApiKeyRepository(prisma, SECRET, new Fernet([FERNET_KEY]));
  return {
    url: edge.url,
    baseURL: `${edge.url}/v1`,
    env,
    prisma,
    edge,
    routing,
    proxy,
    get billing() {
      return billing;
    },
    async createKey(o = {}) {
      const email = o.email ?? `user-${randomBytes(6).toString('hex')}@example.com`;
      const user = await repo.findOrCreateUser(email, o.role ?? 'user', o.plan ?? 'enterprise');
      const created = await repo.createKey({ userId: user.id, name: 'test', environment: o.environment ?? 'live', expiresAt: o.expiresAt ?? null });
      // Billing's plan follows identity's (a PlanChanged event would otherwise overwrite it).
      const plan = o.billing === undefined ? (o.plan ?? 'enterprise') : o.billing === 'funded' ? 'enterprise' : o.billing;
      if (plan === 'trial') await billing.core.accounts.ensure(user.id);
      else if (plan !== 'lazy') await billing.core.accounts.assignPlan({ userId: user.id, plan, source: 'admin', actorId: 'test-stack', reason: 'test setup' });
      return { key: created.key, keyId: created.id, userId: user.id };
    },
    async startEdgeReplica() {
      const replica = await startEdge(loadEdgeConfig(edgeEnv), { logger: logger('edge') });
      replicas.push(replica);
      return replica;
    },
    async restartBilling(o = {}) {
      await (o.kill ? billing.kill() : billing.close());
      if (o.downMs) await new Promise((r) => setTimeout(r, o.downMs));
      billing = await startBilling(loadBillingConfig({ ...env, BILLING_PORT: String(billingPort) }), { logger: logger('billing') });
      return billing;
    },
    async close() {
      for (const r of replicas) await r.close();
      await edge.close();
      await billing.close();
      await proxy.close();
      await routing.close();
      await prisma.$disconnect();
    },
  };
}
