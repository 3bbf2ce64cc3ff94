import { Fernet, generateApiKey, hashApiKey, last4, type KeyEnvironment } from '@gatewayz/crypto';
import type { PrismaClient, Role } from '@gatewayz/db';

/** What auth needs to know about a key; cached (JSON) in-process and in Redis. */
export interface KeyRecord {
  keyId: string;
  userId: string;
  role: Role;
  active: boolean;
  userActive: boolean;
  /** ms since epoch, or null for no expiry. */
  expiresAt: number | null;
  scopes: string[];
  ipAllowlist: string[];
  allowedDomains: string[];
}

export class ApiKeyRepository {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly hmacSecret: string,
    private readonly fernet: Fernet,
  ) {}

  /** The only lookup path: by HMAC of the presented key (unique index). Deleted keys are absent. */
  async findByHash(keyHash: string): Promise<KeyRecord | undefined> {
    const row = await this.prisma.apiKey.findUnique({
      where: { keyHash },
      include: { user: { select: { role: true, isActive: true } } },
    });
    if (!row || row.deletedAt !== null) return undefined;
    return {
      keyId: row.id,
      userId: row.userId,
      role: row.user.role,
      active: row.isActive,
      userActive: row.user.isActive,
      expiresAt: row.expiresAt ? row.expiresAt.getTime() : null,
      scopes: row.scopes,
      ipAllowlist: row.ipAllowlist,
      allowedDomains: row.allowedDomains,
    };
  }

  /** Creates a key for a user; the plaintext is returned once and never stored. */
  async createKey(input: {
    userId: string;
    name: string;
    environment: KeyEnvironment;
    expiresAt?: Date | null;
    scopes?: string[];
  }): Promise<{ key: string; id: string; last4: string }> {
    const key = generateApiKey(input.environment);
    const row = await this.prisma.apiKey.create({
      data: {
        userId: input.userId,
        name: input.name,
        environment: input.environment,
        keyHash: hashApiKey(key, this.hmacSecret),
        encryptedKey: this.fernet.encrypt(key),
        last4: last4(key),
        expiresAt: input.expiresAt ?? null,
        scopes: input.scopes ?? [],
      },
    });
    return { key, id: row.id, last4: row.last4 };
  }

  async findOrCreateUser(email: string, role: Role): Promise<{ id: string; email: string; created: boolean }> {
    const normalized = email.trim().toLowerCase();
    const existing = await this.prisma.user.findUnique({ where: { email: normalized } });
    if (existing) return { id: existing.id, email: existing.email, created: false };
    const user = await this.prisma.user.create({ data: { email: normalized, role } });
    return { id: user.id, email: user.email, created: true };
  }
}
