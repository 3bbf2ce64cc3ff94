import { create } from '@bufbuild/protobuf';
import { Metadata } from '@grpc/grpc-js';
import { ProviderError } from '@gatewayz/errors';
import { silentLogger } from '@gatewayz/logger';
import { createRegistry, upstreamMetrics } from '@gatewayz/metrics';
import { EmbedRequestSchema, RouteSchema } from '@gatewayz/proto';
import { ProviderDirectory, emptyMediaUsage, type MediaAdapter, type MediaCall } from '@gatewayz/providers';
import type { EmbeddingsRequest } from '@gatewayz/wire';
import { HealthObserver } from './health-observer';
import { mediaServiceImpl } from './media.service';

/** The media failover walk, with stub adapters (no I/O). */
const enc = new TextEncoder();
const route = (provider: string, adapter = 'openai-compatible') => create(RouteSchema, { provider, adapter, nativeModel: `${provider}-native`, baseUrl: `https://${provider}.test` });

function upstreamError(provider: string, status: number): ProviderError {
  return new ProviderError({ provider, upstreamStatus: status, code: status === 400 ? 'invalid_request' : 'upstream_error', message: `${provider} ${status}`, status: status === 400 ? 400 : 502 });
}

describe('MediaService failover', () => {
  const calls: { provider: string; apiKey: string | undefined }[] = [];
  let failures: Record<string, number> = {};
  const stub: MediaAdapter = {
    kind: 'openai-compatible',
    async embed(call: MediaCall<EmbeddingsRequest>) {
      calls.push({ provider: call.target.provider, apiKey: call.credentials.apiKey });
      const status = failures[call.target.provider];
      if (status) throw upstreamError(call.target.provider, status);
      return { response: { data: [{ values: [1, 2] }] }, usage: { ...emptyMediaUsage(), inputTokens: 2 } };
    },
  };
  const noMedia: MediaAdapter = { kind: 'anthropic' };
  const health = new HealthObserver(() => undefined);
  const service = mediaServiceImpl({
    adapters: new Map([
      ['openai-compatible', stub],
      ['anthropic', noMedia],
    ]),
    directory: new ProviderDirectory({ A_API_KEY: 'gw-a', B_API_KEY: 'gw-b', ANTHROPIC_API_KEY: 'x', SIM_ENABLED: 'false' }),
    logger: silentLogger(),
    metrics: upstreamMetrics(createRegistry('test')),
    health,
    rateLimitRetries: 0,
  });
  const ctx = () => ({ requestId: 'r1', signal: new AbortController().signal, deadline: Date.now() + 10_000, metadata: new Metadata() });
  const request = (chain: ReturnType<typeof route>[], credentials: { provider: string; apiKey: string }[] = []) =>
    create(EmbedRequestSchema, { target: { requestId: 'r1', model: 'x/embed', chain, credentials }, body: enc.encode(JSON.stringify({ model: 'x/embed', input: 'hi' })) });

  beforeEach(() => {
    calls.length = 0;
    failures = {};
  });

  afterAll(() => health.close());

  it('skips families without the capability and providers without a key; the first that answers serves', async () => {
    failures = { a: 503 };
    const res = await service.embed(request([route('anthropic', 'anthropic'), route('nokey'), route('a'), route('b')]), ctx());
    expect(calls.map((c) => c.provider)).toEqual(['a', 'b']);
    expect(res.outcome).toMatchObject({ provider: 'b', nativeModel: 'b-native', usage: { inputTokens: 2 } });
    expect(res.outcome!.attempts!.map((a) => [a.provider, a.status])).toEqual([
      ['a', 503],
      ['b', 200],
    ]);
  });

  it("a user error comes back at once; when every provider fails, the last error says so", async () => {
    failures = { a: 400 };
    await expect(service.embed(request([route('a'), route('b')]), ctx())).rejects.toMatchObject({ status: 400 });
    expect(calls.map((c) => c.provider)).toEqual(['a']);
    failures = { a: 500, b: 502 };
    await expect(service.embed(request([route('a'), route('b')]), ctx())).rejects.toMatchObject({ status: 502, message: expect.stringContaining('All 2 provider attempts') });
  });

  it("BYOK: the user's key replaces the gateway's and makes a keyless provider usable", async () => {
    await service.embed(request([route('nokey'), route('a')], [{ provider: 'nokey', apiKey: 'user-key' }]), ctx());
    expect(calls).toEqual([{ provider: 'nokey', apiKey: 'user-key' }]);
    calls.length = 0;
    await service.embed(request([route('a')], [{ provider: 'a', apiKey: 'user-a' }]), ctx());
    expect(calls).toEqual([{ provider: 'a', apiKey: 'user-a' }]);
  });

  it('a BYOK key the provider refuses is reported as the user’s to fix', async () => {
    failures = { nokey: 401 };
    await expect(service.embed(request([route('nokey')], [{ provider: 'nokey', apiKey: 'bad' }]), ctx())).rejects.toMatchObject({
      code: 'byok_key_rejected',
      message: expect.stringContaining('refused your own key (401)'),
    });
  });
});
