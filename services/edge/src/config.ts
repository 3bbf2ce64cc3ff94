import { commonEnv, env, loadConfig, peerEnv, z } from '@gatewayz/config';
import { identityEnv } from './identity/identity.config';

export const edgeEnv = {
  ...commonEnv,
  ...peerEnv,
  PORT: env.port(8080),
  /** Loopback unless told otherwise (HOST=0.0.0.0 in containers). */
  HOST: env.host('127.0.0.1'),
  /** Server secret for HMAC-SHA256 of API keys (the lookup hash). */
  API_KEY_HMAC_SECRET: env.secret(32),
  /** Fernet keys, comma-separated, newest first (rotation: prepend a new key). */
  API_KEY_ENCRYPTION_KEYS: z
    .string()
    .regex(/^[A-Za-z0-9_-]{43}=?(,[A-Za-z0-9_-]{43}=?)*$/, 'must be comma-separated Fernet keys (32 bytes, base64url)'),
  MAX_BODY_BYTES: env.int(16 * 1024 * 1024, 1024),
  /** Largest audio file a transcription accepts (OpenAI's limit: 25 MB). */
  MAX_AUDIO_BYTES: env.int(25 * 1024 * 1024, 1024, 30 * 1024 * 1024),
  /** How long a user's BYOK keys are reused in-process (changes clear it at once over NATS). */
  BYOK_CACHE_TTL_MS: env.int(60_000, 0, 3_600_000),
  MAX_JSON_DEPTH: env.int(64, 4, 1000),
  /** Deadline of one inference request, retries included. */
  REQUEST_TIMEOUT_MS: env.int(600_000, 1_000),
  RESOLVE_TIMEOUT_MS: env.int(2_000, 50),
  /** The billing service (Authorize on the hot path, and the billing API). */
  BILLING_ADDR: env.address('127.0.0.1:50053'),
  BILLING_TIMEOUT_MS: env.int(2_000, 50),
  /** How long a routing.Resolve answer is reused (0: ask routing every time). */
  RESOLVE_CACHE_TTL_MS: env.int(2_000, 0, 60_000),
  /** Slow-client protection: time to receive headers / the whole request. */
  HEADERS_TIMEOUT_MS: env.int(15_000, 1_000),
  BODY_TIMEOUT_MS: env.int(60_000, 1_000),
  AUTH_CACHE_TTL_MS: env.int(300_000, 1_000),
  AUTH_CACHE_ENTRIES: env.int(512, 1),
  GATEWAYZ_VERSION: env.host(process.env.npm_package_version ?? '0.1.0'),
  ...identityEnv,
};

export type EdgeConfig = ReturnType<typeof loadEdgeConfig>;

export function loadEdgeConfig(source: NodeJS.ProcessEnv = process.env) {
  return loadConfig(edgeEnv, source);
}
