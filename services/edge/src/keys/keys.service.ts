import type { z } from 'zod';
import type { PrismaClient } from '@gatewayz/db';
import { errors } from '@gatewayz/errors';
import type { PlanCatalog } from '@gatewayz/plans';
import type { SlidingLogLimiter } from '@gatewayz/ratelimit';
import type { AuditLog } from '../audit/audit-log';
import type { AuditDetailValue } from '../audit/audit-events';
import type { AuthContext } from '../auth/api-key-auth';
import type { ApiKeyRepository } from '../auth/api-key.repository';
import type { Origin } from '../http/validate';
import { can } from '../rbac/permissions';
import { planLimits } from '../ratelimit/plan-limits';
import { rateLimited } from '../ratelimit/rate-limit-headers';
import type { KeyRevocation } from './key-revocation';
import { keyView, type KeyView } from './key-view';
import type { createKeySchema, keyLimitsSchema, updateKeySchema } from './keys.schemas';

/**
 * A user's own API keys. Every query is scoped by the caller's user id, so another user's key
 * is simply not found (404, the same as a key that never existed). Every change is written
 * with its audit row in one transaction, then leaves every cache (keys.revoked).
 */
export class KeysService {
  constructor(
    private readonly deps: {
      prisma: PrismaClient;
      repository: ApiKeyRepository;
      audit: AuditLog;
      revocation: KeyRevocation;
      creationLimiter: SlidingLogLimiter;
      plans: PlanCatalog;
    },
  ) {}

  async list(userId: string): Promise<KeyView[]> {
    const rows = await this.deps.prisma.apiKey.findMany({ where: { userId, deletedAt: null }, orderBy: { createdAt: 'asc' } });
    return rows.map(keyView);
  }

  async get(userId: string, keyId: string): Promise<KeyView> {
    return keyView(await this.owned(userId, keyId));
  }

  private async owned(userId: string, keyId: string) {
    const row = await this.deps.prisma.apiKey.findFirst({ where: { id: keyId, userId, deletedAt: null } });
    if (!row) throw errors.notFound(`No API key with id '${keyId}' in your account.`, 'api_key_not_found');
    return row;
  }

  async create(caller: AuthContext, input: z.output<typeof createKeySchema>, origin: Origin): Promise<{ view: KeyView; key: string }> {
    if (input.environment === 'test' && !can(caller.role, 'keys:test_environment')) {
      throw errors.forbidden(`Your role (${caller.role}) cannot create test-environment keys.`, 'insufficient_permission');
    }
    if (input.scopes.includes('admin') && caller.role !== 'admin') {
      throw errors.invalidRequest("The 'admin' scope is only for keys of admins.", 'scopes');
    }
    const gate = await this.deps.creationLimiter.hit(caller.userId);
    if (!gate.allowed) {
      throw rateLimited({ code: 'key_creation_rate_limited', message: `You can create at most ${gate.limit} API keys per hour.`, limitedBy: gate });
    }
    const { prisma, repository, audit } = this.deps;
    return prisma.$transaction(async (tx) => {
      const created = await repository.createKey(
        {
          userId: caller.userId,
          name: input.name,
          environment: input.environment,
          expiresAt: input.expires_at ?? null,
          scopes: input.scopes,
          ipAllowlist: input.ip_allowlist,
          allowedDomains: input.allowed_domains,
        },
        tx,
      );
      await audit.record(this.entry('api_key.created', caller, created.id, origin, { name: input.name, environment: input.environment, last4: created.last4 }), tx);
      const row = await tx.apiKey.findUniqueOrThrow({ where: { id: created.id } });
      return { view: keyView(row), key: created.key };
    });
  }

  async update(caller: AuthContext, keyId: string, patch: z.output<typeof updateKeySchema>, origin: Origin): Promise<KeyView> {
    const before = await this.owned(caller.userId, keyId);
    if (patch.scopes?.includes('admin') && caller.role !== 'admin') throw errors.invalidRequest("The 'admin' scope is only for keys of admins.", 'scopes');
    const row = await this.deps.prisma.$transaction(async (tx) => {
      const updated = await tx.apiKey.update({
        where: { id: before.id },
        data: {
          ...(patch.name !== undefined ? { name: patch.name } : {}),
          ...(patch.is_active !== undefined ? { isActive: patch.is_active } : {}),
          ...(patch.expires_at !== undefined ? { expiresAt: patch.expires_at } : {}),
          ...(patch.scopes !== undefined ? { scopes: patch.scopes } : {}),
          ...(patch.ip_allowlist !== undefined ? { ipAllowlist: patch.ip_allowlist } : {}),
          ...(patch.allowed_domains !== undefined ? { allowedDomains: patch.allowed_domains } : {}),
        },
      });
      await this.deps.audit.record(this.entry('api_key.updated', caller, keyId, origin, { fields: Object.keys(patch).sort() }), tx);
      return updated;
    });
    await this.deps.revocation.revoke([before.keyHash], 'updated');
    return keyView(row);
  }

  async rotate(caller: AuthContext, keyId: string, origin: Origin): Promise<{ view: KeyView; key: string }> {
    const before = await this.owned(caller.userId, keyId);
    const secret = this.deps.repository.newSecret(before.environment === 'test' ? 'test' : 'live');
    const row = await this.deps.prisma.$transaction(async (tx) => {
      const updated = await tx.apiKey.update({
        where: { id: before.id },
        data: { keyHash: secret.keyHash, encryptedKey: secret.encryptedKey, last4: secret.last4, rotatedAt: new Date() },
      });
      await this.deps.audit.record(this.entry('api_key.rotated', caller, keyId, origin, { previous_last4: before.last4, last4: secret.last4 }), tx);
      return updated;
    });
    await this.deps.revocation.revoke([before.keyHash], 'rotated');
    return { view: keyView(row), key: secret.key };
  }

  async delete(caller: AuthContext, keyId: string, origin: Origin): Promise<void> {
    const before = await this.owned(caller.userId, keyId);
    await this.deps.prisma.$transaction(async (tx) => {
      await tx.apiKey.update({ where: { id: before.id }, data: { isActive: false, deletedAt: new Date() } });
      await this.deps.audit.record(this.entry('api_key.deleted', caller, keyId, origin, { name: before.name, last4: before.last4 }), tx);
    });
    await this.deps.revocation.revoke([before.keyHash], 'deleted');
  }

  /** Per-key limits, each at most the plan's (400 naming the field otherwise); null resets to the plan's. */
  async setLimits(caller: AuthContext, keyId: string, input: z.output<typeof keyLimitsSchema>, origin: Origin): Promise<KeyView> {
    const before = await this.owned(caller.userId, keyId);
    const user = await this.deps.prisma.user.findUniqueOrThrow({ where: { id: caller.userId }, select: { plan: true } });
    const plan = planLimits(this.deps.plans, user.plan);
    const bounds = { rpm: plan.limits.rpm, tpm: plan.limits.tpm, tokens_per_day: plan.limits.tokensPerDay, tokens_per_month: plan.limits.tokensPerMonth };
    for (const [field, value] of Object.entries(input) as [keyof typeof bounds, number | null | undefined][]) {
      if (typeof value === 'number' && value > bounds[field]) {
        throw errors.invalidRequest(`'${field}' can be at most ${bounds[field]} on the '${plan.slug}' plan.`, field, 'above_plan_limit');
      }
    }
    const big = (v: number | null | undefined) => (v === undefined ? undefined : v === null ? null : BigInt(v));
    const row = await this.deps.prisma.$transaction(async (tx) => {
      const updated = await tx.apiKey.update({
        where: { id: before.id },
        data: {
          ...(input.rpm !== undefined ? { rateLimitRpm: input.rpm } : {}),
          ...(input.tpm !== undefined ? { rateLimitTpm: big(input.tpm) } : {}),
          ...(input.tokens_per_day !== undefined ? { rateLimitTokensPerDay: big(input.tokens_per_day) } : {}),
          ...(input.tokens_per_month !== undefined ? { rateLimitTokensPerMonth: big(input.tokens_per_month) } : {}),
        },
      });
      const details: Record<string, AuditDetailValue> = {};
      for (const [k, v] of Object.entries(input)) if (v !== undefined) details[k] = v;
      await this.deps.audit.record(this.entry('api_key.rate_limits_updated', caller, keyId, origin, details), tx);
      return updated;
    });
    await this.deps.revocation.revoke([before.keyHash], 'limits_changed');
    return keyView(row);
  }

  private entry(eventType: 'api_key.created' | 'api_key.updated' | 'api_key.rotated' | 'api_key.deleted' | 'api_key.rate_limits_updated', caller: AuthContext, keyId: string, origin: Origin, details: Record<string, AuditDetailValue>) {
    return {
      eventType,
      actorUserId: caller.userId,
      actorKeyId: caller.keyId || null,
      subjectUserId: caller.userId,
      targetType: 'api_key',
      targetId: keyId,
      ip: origin.ip,
      requestId: origin.requestId,
      details,
    };
  }
}
