import { createCipheriv, createDecipheriv, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Fernet (github.com/fernet/spec): AES-128-CBC + HMAC-SHA256, base64url tokens, compatible with
 * Python's cryptography.fernet (the format the spec's AC-1.1.5 names). Written on node:crypto
 * because the npm "fernet" package is unmaintained and pulls crypto-js; the spec's own test
 * vectors check this implementation (fernet.spec.ts).
 *
 * MultiFernet-style rotation: encrypt with the first key, decrypt with any.
 */
const VERSION = 0x80;

interface FernetKey {
  signing: Buffer;
  encryption: Buffer;
}

export function parseFernetKey(key: string): FernetKey {
  const raw = Buffer.from(key, 'base64url');
  if (raw.length !== 32) throw new Error('a Fernet key is 32 bytes, base64url-encoded');
  return { signing: raw.subarray(0, 16), encryption: raw.subarray(16) };
}

export function generateFernetKey(): string {
  return randomBytes(32).toString('base64url') + '=';
}

export class Fernet {
  private readonly keys: FernetKey[];

  /** `keys`: newest first. */
  constructor(keys: string[]) {
    if (keys.length === 0) throw new Error('at least one Fernet key is required');
    this.keys = keys.map(parseFernetKey);
  }

  encrypt(plaintext: string, options: { nowSeconds?: number; iv?: Buffer } = {}): string {
    const key = this.keys[0]!;
    const iv = options.iv ?? randomBytes(16);
    const cipher = createCipheriv('aes-128-cbc', key.encryption, iv);
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const header = Buffer.alloc(9);
    header[0] = VERSION;
    header.writeBigUInt64BE(BigInt(options.nowSeconds ?? Math.floor(Date.now() / 1000)), 1);
    const body = Buffer.concat([header, iv, ciphertext]);
    const mac = createHmac('sha256', key.signing).update(body).digest();
    return base64urlPadded(Buffer.concat([body, mac]));
  }

  /** Throws on a malformed, tampered, or foreign-key token. */
  decrypt(token: string, options: { ttlSeconds?: number; nowSeconds?: number } = {}): string {
    const data = Buffer.from(token, 'base64url');
    if (data.length < 57 || data[0] !== VERSION || (data.length - 57) % 16 !== 0) throw new Error('invalid Fernet token');
    const body = data.subarray(0, data.length - 32);
    const mac = data.subarray(data.length - 32);
    const timestamp = Number(data.readBigUInt64BE(1));
    if (options.ttlSeconds !== undefined) {
      const now = options.nowSeconds ?? Math.floor(Date.now() / 1000);
      if (timestamp + options.ttlSeconds < now) throw new Error('Fernet token expired');
    }
    for (const key of this.keys) {
      const expected = createHmac('sha256', key.signing).update(body).digest();
      if (!timingSafeEqual(expected, mac)) continue;
      const iv = data.subarray(9, 25);
      const decipher = createDecipheriv('aes-128-cbc', key.encryption, iv);
      return Buffer.concat([decipher.update(data.subarray(25, data.length - 32)), decipher.final()]).toString('utf8');
    }
    throw new Error('invalid Fernet token');
  }

  /** Re-encrypts a token under the newest key (key rotation). */
  rotate(token: string): string {
    return this.encrypt(this.decrypt(token));
  }
}

function base64urlPadded(buf: Buffer): string {
  const s = buf.toString('base64url');
  return s + '='.repeat((4 - (s.length % 4)) % 4);
}
