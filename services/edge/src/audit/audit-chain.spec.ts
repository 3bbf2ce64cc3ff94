import { ChainVerifier, GENESIS_HASH, canonicalJson, chainHash, type StoredChainRow } from './audit-chain';

function chain(n: number): StoredChainRow[] {
  const rows: StoredChainRow[] = [];
  let prev = GENESIS_HASH;
  for (let i = 1; i <= n; i++) {
    const base = {
      severity: 'high' as const,
      chainSeq: BigInt(i),
      occurredAt: new Date(Date.UTC(2026, 0, 1, 0, 0, i)),
      retainUntil: new Date(Date.UTC(2029, 0, 1)),
      eventType: 'api_key.rotated',
      actorUserId: '00000000-0000-4000-8000-000000000001',
      actorKeyId: null,
      subjectUserId: '00000000-0000-4000-8000-000000000001',
      targetType: 'api_key',
      targetId: `k${i}`,
      ip: '203.0.113.1',
      requestId: `r${i}`,
      details: { name: `key ${i}`, b: 1, a: [1, 2] },
    };
    const hash = chainHash(prev, base);
    rows.push({ ...base, prevHash: prev, hash });
    prev = hash;
  }
  return rows;
}

function verify(rows: StoredChainRow[], head: { seq: bigint; hash: string }, anchor = { seq: 0n, hash: GENESIS_HASH }) {
  const v = new ChainVerifier(anchor);
  for (const r of rows) if (!v.feed(r)) break;
  return v.finish(head);
}

describe('audit hash chain', () => {
  const rows = chain(5);
  const head = { seq: 5n, hash: rows[4]!.hash };

  it('is insensitive to JSON key order (jsonb reorders keys)', () => {
    expect(canonicalJson({ b: 1, a: { d: 2, c: [3, { f: 1, e: 2 }] } })).toBe(canonicalJson({ a: { c: [3, { e: 2, f: 1 }], d: 2 }, b: 1 }));
  });

  it('verifies an intact chain', () => {
    expect(verify(rows, head)).toBeUndefined();
  });

  it('detects an edited field', () => {
    const edited = rows.map((r) => (r.chainSeq === 3n ? { ...r, details: { ...(r.details as object), name: 'forged' } } : r));
    expect(verify(edited, head)).toMatchObject({ kind: 'altered', seq: '3' });
    const newIp = rows.map((r) => (r.chainSeq === 2n ? { ...r, ip: '198.51.100.1' } : r));
    expect(verify(newIp, head)).toMatchObject({ kind: 'altered', seq: '2' });
  });

  it('detects a removed row, at the start, in the middle and at the end', () => {
    expect(verify(rows.filter((r) => r.chainSeq !== 3n), head)).toMatchObject({ kind: 'missing_rows', seq: '4' });
    expect(verify(rows.slice(1), head)).toMatchObject({ kind: 'missing_rows', seq: '2' });
    expect(verify(rows.slice(0, 4), head)).toMatchObject({ kind: 'missing_tail', seq: '4' });
  });

  it('detects a re-hashed forgery that does not link to its predecessor', () => {
    const forged = { ...rows[2]!, details: { name: 'forged' } };
    forged.prevHash = '1'.repeat(64);
    forged.hash = chainHash(forged.prevHash, forged);
    expect(verify([rows[0]!, rows[1]!, forged, rows[3]!, rows[4]!], head)).toMatchObject({ kind: 'broken_link', seq: '3' });
  });

  it('starts from the retention anchor once old rows are pruned', () => {
    expect(verify(rows.slice(2), head, { seq: 2n, hash: rows[1]!.hash })).toBeUndefined();
    expect(verify(rows.slice(2), head, { seq: 2n, hash: GENESIS_HASH })).toMatchObject({ kind: 'broken_link' });
  });
});
