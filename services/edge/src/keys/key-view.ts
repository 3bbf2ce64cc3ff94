import type { ApiKeyModel as ApiKey } from '@gatewayz/db';

/** An API key as the API shows it: never the secret, only its environment and last 4 characters. */
export interface KeyView {
  id: string;
  name: string;
  environment: string;
  masked_key: string;
  last4: string;
  scopes: string[];
  is_active: boolean;
  expires_at: string | null;
  ip_allowlist: string[];
  allowed_domains: string[];
  /** Per-key limits (null: the plan's). */
  rate_limits: { rpm: number | null; tpm: number | null; tokens_per_day: number | null; tokens_per_month: number | null };
  created_at: string;
  updated_at: string;
  rotated_at: string | null;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);
const num = (v: bigint | number | null) => (v === null ? null : Number(v));

export function keyView(row: ApiKey): KeyView {
  return {
    id: row.id,
    name: row.name,
    environment: row.environment,
    masked_key: `gw_${row.environment}_…${row.last4}`,
    last4: row.last4,
    scopes: row.scopes,
    is_active: row.isActive,
    expires_at: iso(row.expiresAt),
    ip_allowlist: row.ipAllowlist,
    allowed_domains: row.allowedDomains,
    rate_limits: {
      rpm: row.rateLimitRpm,
      tpm: num(row.rateLimitTpm),
      tokens_per_day: num(row.rateLimitTokensPerDay),
      tokens_per_month: num(row.rateLimitTokensPerMonth),
    },
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
    rotated_at: iso(row.rotatedAt),
  };
}
