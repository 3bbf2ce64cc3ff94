import type { PrismaClient } from '@gatewayz/db';

export interface SplitConfig {
  model: string;
  weights: Map<string, number>;
  sticky: boolean;
  updatedBy: string;
  updatedAt: Date;
}

/**
 * Traffic splits (table traffic_splits, owned by routing): read whole into memory, reloaded
 * when any replica changes one (routing.changed on NATS) and with the catalog poll.
 */
export class SplitStore {
  private splits = new Map<string, SplitConfig>();

  constructor(private readonly prisma: PrismaClient) {}

  async refresh(): Promise<void> {
    const rows = await this.prisma.trafficSplit.findMany({ include: { weights: true } });
    this.splits = new Map(
      rows.map((r) => [
        r.modelId.toLowerCase(),
        {
          model: r.modelId,
          weights: new Map(r.weights.map((w) => [w.providerSlug, w.weight])),
          sticky: r.sticky,
          updatedBy: r.updatedBy ?? '',
          updatedAt: r.updatedAt,
        },
      ]),
    );
  }

  get(modelId: string): SplitConfig | undefined {
    return this.splits.get(modelId.toLowerCase());
  }

  list(): SplitConfig[] {
    return [...this.splits.values()].sort((a, b) => a.model.localeCompare(b.model));
  }

  /** Replaces a model's split in one transaction. */
  async set(split: { model: string; weights: { provider: string; weight: number }[]; sticky: boolean; updatedBy: string }): Promise<void> {
    await this.prisma.$transaction(async (tx) => {
      await tx.trafficSplit.upsert({
        where: { modelId: split.model },
        create: { modelId: split.model, sticky: split.sticky, updatedBy: split.updatedBy || null },
        update: { sticky: split.sticky, updatedBy: split.updatedBy || null },
      });
      await tx.trafficSplitWeight.deleteMany({ where: { modelId: split.model } });
      await tx.trafficSplitWeight.createMany({ data: split.weights.map((w) => ({ modelId: split.model, providerSlug: w.provider, weight: w.weight })) });
    });
    await this.refresh();
  }

  async delete(modelId: string): Promise<boolean> {
    const { count } = await this.prisma.trafficSplit.deleteMany({ where: { modelId } });
    await this.refresh();
    return count > 0;
  }
}
