import { silentLogger } from '@gatewayz/logger';
import { ByokKeys } from './byok-keys';
import type { ProviderKeyRepository, ProviderKeySecret } from './provider-keys.repository';

/** A stored-keys table read with a delay, so an invalidation can land while a read is in flight. */
function table(initial: ProviderKeySecret[]) {
  let rows = initial;
  let reads = 0;
  const repository = {
    async secrets() {
      reads++;
      const snapshot = rows;
      await new Promise((resolve) => setTimeout(resolve, 20));
      return { keys: snapshot, unreadable: [] };
    },
  } as unknown as ProviderKeyRepository;
  return {
    repository,
    store: (next: ProviderKeySecret[]) => (rows = next),
    reads: () => reads,
  };
}

describe('ByokKeys', () => {
  const groq = { provider: 'groq', apiKey: 'gsk_1' };
  const openai = { provider: 'openai', apiKey: 'sk-own' };

  it('a change invalidated while a read is in flight is seen by that request, never an empty set', async () => {
    const t = table([groq]);
    const keys = new ByokKeys(t.repository, silentLogger(), { ttlMs: 60_000, maxEntries: 10 });
    expect(await keys.forUser('alice')).toEqual([groq]);

    // The key is stored; our own invalidation runs, then the request starts reading, then the
    // same invalidation arrives again from NATS in the middle of that read.
    t.store([groq, openai]);
    keys.invalidate('alice');
    const pending = keys.forUser('alice');
    await new Promise((resolve) => setTimeout(resolve, 5));
    keys.invalidate('alice');
    expect(await pending).toEqual([groq, openai]);
    expect(await keys.forUser('alice')).toEqual([groq, openai]);
  });

  it('a read that began before a change is not cached after it', async () => {
    const t = table([groq]);
    const keys = new ByokKeys(t.repository, silentLogger(), { ttlMs: 60_000, maxEntries: 10 });
    const early = keys.forUser('bob');
    await new Promise((resolve) => setTimeout(resolve, 5));
    t.store([]);
    keys.invalidate('bob');
    await early;
    expect(await keys.forUser('bob')).toEqual([]);
    expect(t.reads()).toBeGreaterThanOrEqual(2);
  });
});
