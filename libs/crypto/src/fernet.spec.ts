import { Fernet, generateFernetKey } from './fernet';

// Test vector from the Fernet specification (github.com/fernet/spec, generate.json / verify.json).
const SPEC = {
  token: 'gAAAAAAdwJ6wAAECAwQFBgcICQoLDA0ODy021cpGVWKZ_eEwCGM4BLLF_5CV9dOPmrhuVUPgJobwOz7JcbmrR64jVmpU4IwqDA==',
  now: Math.floor(Date.parse('1985-10-26T01:20:00-07:00') / 1000),
  iv: Buffer.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]),
  src: 'hello',
  secret: 'cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4=',
};

describe('Fernet', () => {
  it('produces the specification token for the specification inputs', () => {
    const f = new Fernet([SPEC.secret]);
    expect(f.encrypt(SPEC.src, { nowSeconds: SPEC.now, iv: SPEC.iv })).toBe(SPEC.token);
  });

  it('decrypts the specification token', () => {
    expect(new Fernet([SPEC.secret]).decrypt(SPEC.token, { ttlSeconds: 60, nowSeconds: SPEC.now + 10 })).toBe('hello');
  });

  it('rejects an expired, tampered or foreign token', () => {
    const f = new Fernet([SPEC.secret]);
    expect(() => f.decrypt(SPEC.token, { ttlSeconds: 60, nowSeconds: SPEC.now + 120 })).toThrow('expired');
    const tampered = SPEC.token.slice(0, 30) + (SPEC.token[30] === 'A' ? 'B' : 'A') + SPEC.token.slice(31);
    expect(() => f.decrypt(tampered)).toThrow('invalid');
    expect(() => new Fernet([generateFernetKey()]).decrypt(SPEC.token)).toThrow('invalid');
  });

  it('rotates: old tokens stay readable, new ones use the newest key', () => {
    const oldKey = generateFernetKey();
    const newKey = generateFernetKey();
    const token = new Fernet([oldKey]).encrypt('gw_live_secret');
    const rotated = new Fernet([newKey, oldKey]);
    expect(rotated.decrypt(token)).toBe('gw_live_secret');
    const reencrypted = rotated.rotate(token);
    expect(new Fernet([newKey]).decrypt(reencrypted)).toBe('gw_live_secret');
  });
});
