import { hash, verify } from '@node-rs/argon2';

/**
 * Passwords: argon2id (OWASP's minimum profile: 19 MiB, 2 iterations, 1 lane). Verification of
 * an unknown account runs against a fixed dummy hash, so timing does not reveal which emails
 * have accounts.
 */
/** `Algorithm.Argon2id` is an ambient const enum, unusable under isolatedModules: its value is 2. */
const ARGON2ID = 2;
const OPTIONS = { algorithm: ARGON2ID, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

let dummy: Promise<string> | undefined;

export function hashPassword(password: string): Promise<string> {
  return hash(password, OPTIONS);
}

export async function verifyPassword(stored: string | null, password: string): Promise<boolean> {
  if (stored === null) {
    dummy ??= hashPassword('gatewayz-dummy-password');
    await verify(await dummy, password).catch(() => false);
    return false;
  }
  return verify(stored, password).catch(() => false);
}
