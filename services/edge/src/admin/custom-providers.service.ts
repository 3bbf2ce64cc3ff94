import { dollarsToMicros, microsToDollars } from '@gatewayz/catalog';
import type { Fernet } from '@gatewayz/crypto';
import type { PrismaClient } from '@gatewayz/db';
import { GatewayError, errors } from '@gatewayz/errors';
import type { Logger } from '@gatewayz/logger';
import type { RegisterProviderInput } from './custom-providers.schema';

/**
 * Custom OpenAI-compatible providers registered by an admin: a providers row (adapter
 * openai-compatible), its model offers and prices (model_prices, creating catalog models that
 * do not exist yet), and its key Fernet-encrypted in provider_credentials, all in one
 * transaction. Then catalog.updated tells routing, the edges and provider-proxy to reload.
 * Providers from the catalog files are not editable here (they are configured by environment).
 */
export interface CustomProviderView {
  slug: string;
  name: string;
  adapter: string;
  base_url: string;
  priority: number;
  has_api_key: boolean;
  created_at: string;
  models: { id: string; native_id: string; prompt: string; completion: string; cache_read?: string; cache_write?: string }[];
}

export interface CustomProviderDeps {
  prisma: PrismaClient;
  fernet: Fernet;
  /** Slugs of the catalog files' providers. */
  builtIn: ReadonlySet<string>;
  /** Publishes catalog.updated. */
  catalogUpdated: () => void;
  logger: Logger;
}

const conflict = (message: string) => new GatewayError({ code: 'provider_exists', message, status: 409, param: 'slug' });

function priceOf(m: RegisterProviderInput['models'][number], index: number) {
  const price = {
    promptPerMtok: dollarsToMicros(m.prompt),
    completionPerMtok: dollarsToMicros(m.completion),
    cacheReadPerMtok: m.cache_read === undefined ? null : dollarsToMicros(m.cache_read),
    cacheWritePerMtok: m.cache_write === undefined ? null : dollarsToMicros(m.cache_write),
  };
  if (!m.free && (price.promptPerMtok === 0n || price.completionPerMtok === 0n)) {
    throw errors.invalidRequest(`Model '${m.id}' has a zero price; set "free": true if it really costs nothing.`, `models[${index}].prompt`);
  }
  return price;
}

export class CustomProviderService {
  constructor(private readonly deps: CustomProviderDeps) {}

  async register(input: RegisterProviderInput, adminUserId: string): Promise<{ created: boolean; provider: CustomProviderView }> {
    const { prisma, fernet } = this.deps;
    if (this.deps.builtIn.has(input.slug)) throw conflict(`'${input.slug}' is a built-in provider; configure it with environment variables.`);
    const ids = input.models.map((m) => m.id);
    const dup = ids.find((id, i) => ids.indexOf(id) !== i);
    if (dup) throw errors.invalidRequest(`Model '${dup}' is listed twice.`, 'models');
    const prices = input.models.map((m, i) => priceOf(m, i));

    const created = await prisma.$transaction(async (tx) => {
      const existing = await tx.provider.findUnique({ where: { slug: input.slug }, include: { credential: true } });
      if (existing && !existing.credential) throw conflict(`'${input.slug}' is a built-in provider; configure it with environment variables.`);
      const known = new Set((await tx.model.findMany({ where: { id: { in: ids } }, select: { id: true } })).map((m) => m.id));
      input.models.forEach((m, i) => {
        if (known.has(m.id)) return;
        if (m.context_length === undefined) throw errors.invalidRequest(`Model '${m.id}' is new to the catalog: give its context_length.`, `models[${i}].context_length`);
        if (m.max_output_tokens === undefined) throw errors.invalidRequest(`Model '${m.id}' is new to the catalog: give its max_output_tokens.`, `models[${i}].max_output_tokens`);
      });
      const fields = { name: input.name, adapter: 'openai-compatible', baseUrl: input.base_url, priority: input.priority, isActive: true };
      await tx.provider.upsert({ where: { slug: input.slug }, create: { slug: input.slug, ...fields }, update: fields });
      const secret = { apiKeyEncrypted: input.api_key ? fernet.encrypt(input.api_key) : null, createdBy: adminUserId };
      await tx.providerCredential.upsert({ where: { providerSlug: input.slug }, create: { providerSlug: input.slug, ...secret }, update: secret });
      for (const [i, m] of input.models.entries()) {
        if (!known.has(m.id)) {
          await tx.model.create({
            data: { id: m.id, name: m.name ?? m.id, ownedBy: m.id.split('/')[0]!, contextLength: m.context_length!, maxOutputTokens: m.max_output_tokens! },
          });
        }
        const price = { nativeModelId: m.native_id, ...prices[i]!, isActive: true };
        await tx.modelPrice.upsert({
          where: { modelId_providerSlug: { modelId: m.id, providerSlug: input.slug } },
          create: { modelId: m.id, providerSlug: input.slug, ...price },
          update: price,
        });
      }
      // A re-registration replaces the offer list.
      await tx.modelPrice.deleteMany({ where: { providerSlug: input.slug, modelId: { notIn: ids } } });
      return !existing;
    });
    this.deps.catalogUpdated();
    this.deps.logger.info('custom provider registered', { provider: input.slug, models: ids.length, created });
    const view = (await this.list()).find((p) => p.slug === input.slug)!;
    return { created, provider: view };
  }

  async list(): Promise<CustomProviderView[]> {
    const rows = await this.deps.prisma.provider.findMany({
      where: { credential: { isNot: null } },
      include: { credential: { select: { apiKeyEncrypted: true, createdAt: true } }, prices: { orderBy: { modelId: 'asc' } } },
      orderBy: { slug: 'asc' },
    });
    return rows.map((p) => ({
      slug: p.slug,
      name: p.name,
      adapter: p.adapter,
      base_url: p.baseUrl,
      priority: p.priority,
      has_api_key: p.credential!.apiKeyEncrypted !== null,
      created_at: p.credential!.createdAt.toISOString(),
      models: p.prices.map((o) => ({
        id: o.modelId,
        native_id: o.nativeModelId,
        prompt: microsToDollars(o.promptPerMtok),
        completion: microsToDollars(o.completionPerMtok),
        ...(o.cacheReadPerMtok === null ? {} : { cache_read: microsToDollars(o.cacheReadPerMtok) }),
        ...(o.cacheWritePerMtok === null ? {} : { cache_write: microsToDollars(o.cacheWritePerMtok) }),
      })),
    }));
  }

  /** Removes a custom provider, its offers and its credentials (models it introduced stay, unserved). */
  async remove(slug: string): Promise<void> {
    const existing = await this.deps.prisma.provider.findUnique({ where: { slug }, include: { credential: true } });
    if (!existing || !existing.credential) throw errors.notFound(`No custom provider '${slug}'.`, 'provider_not_found');
    await this.deps.prisma.provider.delete({ where: { slug } });
    this.deps.catalogUpdated();
    this.deps.logger.info('custom provider removed', { provider: slug });
  }
}
