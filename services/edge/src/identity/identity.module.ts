import { Router, type RequestHandler } from 'express';
import type { Subscription } from '@nats-io/transport-node';
import type { Bus } from '@gatewayz/bus';
import { ConfigError } from '@gatewayz/config';
import type { PrismaClient } from '@gatewayz/db';
import type { Logger } from '@gatewayz/logger';
import { Counter, Gauge, type Registry } from '@gatewayz/metrics';
import { loadPlans, type PlanCatalog } from '@gatewayz/plans';
import { SlidingLogLimiter, VelocityMonitor, WindowLimiter } from '@gatewayz/ratelimit';
import type { Redis } from '@gatewayz/redis';
import { adminAuditRouter } from '../admin/audit.routes';
import { AdminIpAllowlist, adminGuard } from '../admin/admin-guard';
import { adminIpAllowlistRouter } from '../admin/ip-allowlist.routes';
import { adminRolesRouter } from '../admin/roles.routes';
import { adminUsersRouter } from '../admin/users.routes';
import { AuditLog } from '../audit/audit-log';
import type { ApiKeyAuthenticator } from '../auth/api-key-auth';
import type { ApiKeyRepository } from '../auth/api-key.repository';
import { requirePrincipal, type PrincipalDeps } from '../auth/principal.middleware';
import type { EdgeConfig } from '../config';
import { IDENTITY_STREAM, OutboxRelay } from '../events/identity-outbox';
import { consumePlanChanges } from '../events/plan-changed.consumer';
import { jsonBody } from '../http/json-body';
import { KeyRevocation } from '../keys/key-revocation';
import { KeyUseChecker } from '../keys/key-use';
import { keysRouter } from '../keys/keys.routes';
import { KeysService } from '../keys/keys.service';
import { ipHasher } from '../ratelimit/ip-hash';
import { ipRateLimit } from '../ratelimit/ip-limit.middleware';
import { rateLimitsRouter } from '../ratelimit/rate-limits.routes';
import { TokenMeter } from '../ratelimit/token-meter';
import { v1Gate } from '../ratelimit/v1-gate.middleware';
import { AccountService } from './account.service';
import { authRouter } from './auth.routes';
import { SessionTokens } from './session-tokens';

export interface IdentityDeps {
  config: EdgeConfig;
  logger: Logger;
  registry: Registry;
  prisma: PrismaClient;
  redis?: Redis;
  repository: ApiKeyRepository;
  authenticator: ApiKeyAuthenticator;
  /** The bus once connected (undefined while NATS is unreachable). */
  bus: () => Bus | undefined;
}

/** Layer 3 must be stricter than every plan's layer 2 (spec AC-1.5.4): checked at start. */
export function checkAnonymousLimits(config: EdgeConfig, plans: PlanCatalog = loadPlans()): void {
  const lowest = Math.min(...plans.plans.map((p) => p.rateLimits.rpm));
  if (config.ANONYMOUS_RPM >= lowest) {
    throw new ConfigError([`ANONYMOUS_RPM: must be lower than every plan's requests per minute (lowest: ${lowest}) (${config.ANONYMOUS_RPM})`]);
  }
}

/**
 * Identity and access for the edge: accounts, API keys, RBAC, the three rate-limit layers and
 * the audit log. `http` is what createApp mounts; `attachBus` wires the NATS side once
 * connected (keys.revoked, the IDENTITY stream and its outbox, billing.plan.changed).
 */
export class IdentityModule {
  readonly audit: AuditLog;
  readonly tokenMeter: TokenMeter;
  readonly velocity: VelocityMonitor;
  readonly http: { ipLimit: RequestHandler; adminGuard: RequestHandler; v1Gate: RequestHandler; router: Router };
  private readonly outbox: OutboxRelay;
  private readonly revocation: KeyRevocation;
  private readonly stops: (() => Promise<void>)[] = [];
  private subscription: Subscription | undefined;
  private pruneTimer: NodeJS.Timeout | undefined;

  constructor(private readonly deps: IdentityDeps) {
    const { config, prisma, redis, logger, authenticator, repository } = deps;
    const plans = loadPlans();
    checkAnonymousLimits(config, plans);
    const ns = config.GATEWAYZ_NAMESPACE;
    // Each limiter has its own in-process fallback (500 subjects, 15 minutes).
    const windows = (name: string) => new WindowLimiter({ redis, prefix: `${ns}:rl:${name}:` });
    const attempts = (name: string, limit: number, windowMs: number) => new SlidingLogLimiter({ redis, prefix: `${ns}:rl:${name}:`, limit, windowMs });
    const keyLimiter = windows('key');
    const limited = new Counter({ name: 'gatewayz_rate_limited_total', help: 'Requests refused by rate limiting, by layer', labelNames: ['layer'] as const, registers: [deps.registry] });

    this.audit = new AuditLog(prisma, logger);
    this.tokenMeter = new TokenMeter(keyLimiter);
    this.revocation = new KeyRevocation(authenticator, deps.bus, logger);
    this.outbox = new OutboxRelay(prisma, deps.bus, logger);
    this.velocity = new VelocityMonitor({
      windowMs: config.VELOCITY_WINDOW_MS,
      errorRateThreshold: config.VELOCITY_ERROR_PERCENT / 100,
      cooldownMs: config.VELOCITY_COOLDOWN_MS,
      minRequests: config.VELOCITY_MIN_REQUESTS,
      factor: 0.5,
    });
    const velocity = this.velocity;
    new Gauge({
      name: 'gatewayz_velocity_mode_active',
      help: '1 while layer-1 velocity mode halves IP limits',
      registers: [deps.registry],
      collect() {
        this.set(velocity.state().active ? 1 : 0);
      },
    });

    const sessions = new SessionTokens({ secret: config.SESSION_SECRET, fallbackSecret: config.API_KEY_HMAC_SECRET, ttlSeconds: config.SESSION_TTL_SECONDS });
    const keyUse = new KeyUseChecker(this.audit);
    const ipHash = ipHasher(config.API_KEY_HMAC_SECRET);
    const body = jsonBody({ limit: config.MANAGEMENT_MAX_BODY_BYTES, maxDepth: 16 });
    const principalDeps: PrincipalDeps = { authenticator, sessions, keyUse, prisma };
    const principal = requirePrincipal(principalDeps);
    const allowlist = new AdminIpAllowlist(prisma);
    const keys = new KeysService({
      prisma,
      repository,
      audit: this.audit,
      revocation: this.revocation,
      creationLimiter: attempts('keycreate', config.KEY_CREATE_LIMIT, config.KEY_CREATE_WINDOW_MS),
      plans,
    });

    const router = Router();
    router.use(
      authRouter({
        accounts: new AccountService({ prisma, repository, audit: this.audit, outbox: this.outbox, sessions }),
        login: attempts('login', config.AUTH_LOGIN_LIMIT, config.AUTH_LOGIN_WINDOW_MS),
        register: attempts('register', config.AUTH_REGISTER_LIMIT, config.AUTH_REGISTER_WINDOW_MS),
        body,
      }),
    );
    router.use(keysRouter({ keys, audit: this.audit, body, principal }));
    router.use(rateLimitsRouter({ prisma, plans, keyLimiter, principal }));
    router.use(adminUsersRouter({ prisma }));
    router.use(adminRolesRouter({ prisma, audit: this.audit, repository, revocation: this.revocation, body }));
    router.use(adminAuditRouter({ audit: this.audit, velocity }));
    router.use(adminIpAllowlistRouter({ prisma, audit: this.audit, allowlist, body }));

    this.http = {
      ipLimit: ipRateLimit({ limiter: windows('ip'), velocity, rpm: config.RATE_LIMIT_IP_RPM, authenticator, sessions, ipHash, limited }),
      adminGuard: adminGuard({ ...principalDeps, audit: this.audit, allowlist }),
      v1Gate: v1Gate({
        authenticator,
        keyUse,
        plans,
        keyLimiter,
        anonLimiter: windows('anon'),
        anonymous: { models: new Set(config.ANONYMOUS_MODELS), rpm: config.ANONYMOUS_RPM, perDay: config.ANONYMOUS_REQUESTS_PER_DAY },
        ipHash,
        readBody: jsonBody({ limit: config.MAX_BODY_BYTES, maxDepth: config.MAX_JSON_DEPTH }),
        limited,
      }),
      router,
    };
  }

  /** Starts the timers (outbox relay, audit retention). */
  start(): void {
    this.outbox.start();
    this.pruneTimer = setInterval(() => {
      this.audit.prune().catch((err: unknown) => this.deps.logger.warn('audit retention pass failed', { err: (err as Error).message }));
    }, this.deps.config.AUDIT_PRUNE_INTERVAL_MS);
    this.pruneTimer.unref();
  }

  /** NATS is up: listen for revocations, make sure the streams exist, relay the outbox, consume plan changes. */
  async attachBus(bus: Bus): Promise<void> {
    this.subscription = this.revocation.subscribe(bus);
    await bus.ensureStream(IDENTITY_STREAM);
    this.outbox.kick();
    this.stops.push(
      await consumePlanChanges({ bus, prisma: this.deps.prisma, repository: this.deps.repository, revocation: this.revocation, audit: this.audit, logger: this.deps.logger }),
    );
  }

  async close(): Promise<void> {
    if (this.pruneTimer) clearInterval(this.pruneTimer);
    this.subscription?.unsubscribe();
    for (const stop of this.stops) await stop().catch(() => undefined);
    await this.outbox.close();
  }
}
