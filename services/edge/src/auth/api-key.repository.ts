import { Fernet, generateApiKey, hashApiKey, last4, type KeyEnvironment } from '@gatewayz/crypto';
import type { Prisma, PrismaClient, Role } from '@gatewayz/db';

/** Per-key limits chosen by the owner (null: the plan's). */
export interface KeyLimitOverrides {
  rpm: number | null;
  tpm: number | null;
  tokensPerDay: number | null;
  tokensPerMonth: number | null;
}

/** What auth needs to know about a key; cached (JSON) in-process and in Redis. */
export interface KeyRecord {
  keyId: string;
  userId: string;
  role: Role;
  /** The owner's plan slug (libs/plans), for layer-2 limits. */
  plan: string;
  active: boolean;
  userActive: boolean;
  /** ms since epoch, or null for no expiry. */
  expiresAt: number | null;
  scopes: string[];
  ipAllowlist: string[];
  allowedDomains: string[];
  limits: KeyLimitOverrides;
}

export const NO_OVERRIDES: KeyLimitOverrides = Object.freeze({ rpm: null, tpm: null, tokensPerDay: null, tokensPerMonth: null });

type Db = PrismaClient | Prisma.TransactionClient;

const num = (v: bigint | number | null) => (v === null ? null : Number(v));

export interface NewKeyOptions {
  userId: string;
  name: string;
  environment: KeyEnvironment;
  expiresAt?: Date | null;
  scopes?: string[];
  ipAllowlist?: string[];
  allowedDomains?: string[];
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
      include: { user: { select: { role: true, isActive: true, plan: true } } },
    });
    if (!row || row.deletedAt !== null) return undefined;
    return {
      keyId: row.id,
      userId: row.userId,
      role: row.user.role,
      plan: row.user.plan,
      active: row.isActive,
      userActive: row.user.isActive,
      expiresAt: row.expiresAt ? row.expiresAt.getTime() : null,
      scopes: row.scopes,
      ipAllowlist: row.ipAllowlist,
      allowedDomains: row.allowedDomains,
      limits: {
        rpm: row.rateLimitRpm,
        tpm: num(row.rateLimitTpm),
        tokensPerDay: num(row.rateLimitTokensPerDay),
        tokensPerMonth: num(row.rateLimitTokensPerMonth),
      },
    };
  }

  /** A new secret: the plaintext (shown once, never stored), its lookup hash and its Fernet copy. */
  newSecret(environment: KeyEnvironment): { key: string; keyHash: string; encryptedKey: string; last4: string } {
    const key = generateApiKey(environment);
    return { key, keyHash: hashApiKey(key, this.hmacSecret), encryptedKey: this.fernet.encrypt(key), last4: last4(key) };
  }

  /** Creates a key for a user (inside `db` when it is a transaction). */
  async createKey(input: NewKeyOptions, db: Db = this.prisma): Promise<{ key: string; id: string; last4: string; keyHash: string }> {
    const secret = this.newSecret(input.environment);
    const row = await db.apiKey.create({
      data: {
        userId: input.userId,
        name: input.name,
        environment: input.environment,
        keyHash: secret.keyHash,
        encryptedKey: secret.encryptedKey,
        last4: secret.last4,
        expiresAt: input.expiresAt ?? null,
        scopes: input.scopes ?? [],
        ipAllowlist: input.ipAllowlist ?? [],
        allowedDomains: input.allowedDomains ?? [],
      },
    });
    return { key: secret.key, id: row.id, last4: row.last4, keyHash: secret.keyHash };
  }

  async findOrCreateUser(email: string, role: Role, plan?: string): Promise<{ id: string; email: string; created: boolean }> {
    const normalized = email.trim().toLowerCase();
    const existing = await this.prisma.user.findUnique({ where: { email: normalized } });
    if (existing) return { id: existing.id, email: existing.email, created: false };
    const user = await this.prisma.user.create({ data: { email: normalized, role, ...(plan ? { plan } : {}) } });
    return { id: user.id, email: user.email, created: true };
  }

  /** Lookup hashes of a user's live keys (to evict them from every cache). */
  async hashesOfUser(userId: string): Promise<string[]> {
    const rows = await this.prisma.apiKey.findMany({ where: { userId, deletedAt: null }, select: { keyHash: true } });
    return rows.map((r) => r.keyHash);
  }
}
