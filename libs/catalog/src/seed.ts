import { createPrisma } from '@gatewayz/db';
import { loadCatalogFile, type CatalogData } from './catalog-file';

/**
 * Idempotent: upserts the data file's providers, models and prices (rows added by other means
 * are left alone). One transaction, so routing never reads a half-seeded catalog.
 */
export async function seedCatalog(databaseUrl: string, data: CatalogData = loadCatalogFile()): Promise<{ models: number; providers: number }> {
  const prisma = createPrisma({ url: databaseUrl, poolSize: 2 });
  try {
    await prisma.$transaction(
      async (tx) => {
        for (const p of data.providers) {
          const fields = { name: p.name, adapter: p.adapter, baseUrl: p.baseUrl, priority: p.priority, siteUrl: p.siteUrl };
          await tx.provider.upsert({ where: { slug: p.slug }, create: { slug: p.slug, ...fields }, update: fields });
        }
        for (const m of data.models) {
          const fields = {
            name: m.name,
            ownedBy: m.ownedBy,
            contextLength: m.contextLength,
            maxOutputTokens: m.maxOutputTokens,
            modality: m.modality,
            simulated: m.simulated,
          };
          await tx.model.upsert({ where: { id: m.id }, create: { id: m.id, ...fields }, update: fields });
          for (const o of m.offers) {
            const price = {
              nativeModelId: o.nativeId,
              promptPerMtok: o.promptPerMtok,
              completionPerMtok: o.completionPerMtok,
              cacheReadPerMtok: o.cacheReadPerMtok,
              cacheWritePerMtok: o.cacheWritePerMtok,
              perRequest: o.perRequest,
              perImage: o.perImage,
              perAudioSecond: o.perAudioSecond,
              perMillionChars: o.perMillionChars,
            };
            await tx.modelPrice.upsert({
              where: { modelId_providerSlug: { modelId: m.id, providerSlug: o.provider } },
              create: { modelId: m.id, providerSlug: o.provider, ...price },
              update: price,
            });
          }
        }
      },
      { timeout: 30_000 },
    );
    return { models: data.models.length, providers: data.providers.length };
  } finally {
    await prisma.$disconnect();
  }
}
