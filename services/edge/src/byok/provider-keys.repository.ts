import type { Fernet } from '@gatewayz/crypto';
import type { PrismaClient } from '@gatewayz/db';

/** What an owner may see of a stored provider key: never the key itself. */
export interface ProviderKeyView {
  provider: string;
  last4: string;
  createdAt: Date;
  updatedAt: Date;
}

export interface ProviderKeySecret {
  provider: string;
  apiKey: string;
}

const VIEW = { provider: true, last4: true, createdAt: true, updatedAt: true } as const;

/**
 * Users' own provider keys (BYOK), Fernet-encrypted at rest with the edge's key ring
 * (API_KEY_ENCRYPTION_KEYS: newest encrypts, any decrypts, so rotation needs no migration).
 */
export class ProviderKeyRepository {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly fernet: Fernet,
  ) {}

  list(userId: string): Promise<ProviderKeyView[]> {
    return this.prisma.userProviderKey.findMany({ where: { userId }, select: VIEW, orderBy: { provider: 'asc' } });
  }

  async get(userId: string, provider: string): Promise<ProviderKeyView | undefined> {
    return (await this.prisma.userProviderKey.findUnique({ where: { userId_provider: { userId, provider } }, select: VIEW })) ?? undefined;
  }

  /** Stores (or replaces) a key; `created` tells which. */
  async put(userId: string, provider: string, apiKey: string): Promise<{ view: ProviderKeyView; created: boolean }> {
    const data = { encryptedKey: this.fernet.encrypt(apiKey), last4: apiKey.slice(-4) };
    const existed = await this.prisma.userProviderKey.findUnique({ where: { userId_provider: { userId, provider } }, select: { provider: true } });
    const view = await this.prisma.userProviderKey.upsert({
      where: { userId_provider: { userId, provider } },
      create: { userId, provider, ...data },
      update: data,
      select: VIEW,
    });
    return { view, created: !existed };
  }

  async delete(userId: string, provider: string): Promise<boolean> {
    const { count } = await this.prisma.userProviderKey.deleteMany({ where: { userId, provider } });
    return count > 0;
  }

  /** The decrypted keys of a user, for their requests only. A key no ring key opens is skipped. */
  async secrets(userId: string): Promise<{ keys: ProviderKeySecret[]; unreadable: string[] }> {
    const rows = await this.prisma.userProviderKey.findMany({ where: { userId }, select: { provider: true, encryptedKey: true } });
    const keys: ProviderKeySecret[] = [];
    const unreadable: string[] = [];
    for (const row of rows) {
      try {
        keys.push({ provider: row.provider, apiKey: this.fernet.decrypt(row.encryptedKey) });
      } catch {
        unreadable.push(row.provider);
      }
    }
    return { keys, unreadable };
  }
}
