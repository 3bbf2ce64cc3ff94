import { LRUCache } from 'lru-cache';
import type { PartnerTerms } from '@gatewayz/billing-ledger';
import type { PartnerProgramModel as PartnerProgram, PrismaClient } from '@gatewayz/db';
import { errors } from '@gatewayz/errors';
import type { PlanCatalog, PlanSlug } from '@gatewayz/plans';

const CODE = /^[A-Z0-9][A-Z0-9_-]{1,39}$/;
/** AC-CC.9.5: partner configuration is cached in memory for 5 minutes. */
export const PARTNER_CACHE_TTL_MS = 5 * 60_000;

export function partnerTerms(p: PartnerProgram): PartnerTerms {
  return { code: p.code, plan: p.plan as PlanSlug, trialDays: p.trialDays, creditMicros: p.creditMicros, dailyCapMicros: p.dailyCapMicros };
}

/** Partner trial programs (e.g. a 14-day Pro trial with $100 of credit), by code. */
export class PartnersStore {
  private readonly cache = new LRUCache<string, { program: PartnerProgram | null }>({ max: 1_000, ttl: PARTNER_CACHE_TTL_MS });

  constructor(
    private readonly prisma: PrismaClient,
    private readonly catalog: PlanCatalog,
  ) {}

  /** The active program for a code, or undefined (cached, misses included). */
  async get(rawCode: string): Promise<PartnerProgram | undefined> {
    const code = rawCode.trim().toUpperCase();
    if (!CODE.test(code)) return undefined;
    let hit = this.cache.get(code);
    if (!hit) {
      hit = { program: await this.prisma.partnerProgram.findUnique({ where: { code } }) };
      this.cache.set(code, hit);
    }
    return hit.program && hit.program.active ? hit.program : undefined;
  }

  async upsert(input: Omit<PartnerProgram, 'createdAt' | 'updatedAt'>): Promise<PartnerProgram> {
    const code = input.code.trim().toUpperCase();
    if (!CODE.test(code)) throw errors.invalidRequest('code must be 2-40 letters, digits, "-" or "_".', 'code');
    if (!this.catalog.bySlug(input.plan)) throw errors.invalidRequest(`Unknown plan '${input.plan}'.`, 'plan');
    if (input.trialDays < 1 || input.trialDays > 365) throw errors.invalidRequest('trial_days must be between 1 and 365.', 'trial_days');
    if (input.creditMicros < 0n) throw errors.invalidRequest('credit must not be negative.', 'credit');
    const data = { name: input.name, plan: input.plan, trialDays: input.trialDays, creditMicros: input.creditMicros, dailyCapMicros: input.dailyCapMicros, active: input.active, updatedAt: new Date() };
    const program = await this.prisma.partnerProgram.upsert({ where: { code }, create: { code, ...data }, update: data });
    this.cache.delete(code);
    return program;
  }
}
