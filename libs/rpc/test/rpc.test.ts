import { createServer as createNetServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { GatewayError, errors } from '@gatewayz/errors';
import { silentLogger } from '@gatewayz/logger';
import { ProviderService, RoutingService, type ChatResponse, type ResolveResponse } from '@gatewayz/proto';
import { addService, createClient, createServer, listen, type CallContext, type RunningServer, type ServiceClient, type ServiceImpl } from '../src';

/** libs/rpc over real grpc-js on loopback: typed unary and server-streaming calls, errors, deadlines, cancellation. */

type ResolveHandler = ServiceImpl<typeof RoutingService>['resolve'];
type ChatHandler = ServiceImpl<typeof ProviderService>['chat'];

/** A promise with its resolver, to observe what a handler saw. */
function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([promise, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/** Waits until `signal` aborts (resolves true) or `ms` passes (resolves false). */
function abortedWithin(signal: AbortSignal, ms: number): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve(true);
    }, { once: true });
  });
}

async function closedAddress(): Promise<string> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `127.0.0.1:${port}`;
}

const chunk = (content: string) => ({ event: { case: 'chunk' as const, value: { choices: [{ index: 0, content }] } } });

describe('libs/rpc', () => {
  let running: RunningServer;
  let routing: ServiceClient<typeof RoutingService>;
  let provider: ServiceClient<typeof ProviderService>;
  let resolveHandler: ResolveHandler;
  let chatHandler: ChatHandler;

  beforeAll(async () => {
    const server = createServer();
    addService(
      server,
      RoutingService,
      {
        resolve: (req, ctx) => resolveHandler(req, ctx),
        listModels: async () => ({ models: [{ id: 'sim/echo', name: 'Echo', simulated: true }] }),
      },
      { logger: silentLogger() },
    );
    addService(server, ProviderService, { chat: (req, ctx) => chatHandler(req, ctx) }, { logger: silentLogger() });
    running = await listen(server, '127.0.0.1:0');
    const address = `127.0.0.1:${running.port}`;
    routing = createClient(RoutingService, address, { defaultTimeoutMs: 2_000 });
    provider = createClient(ProviderService, address, { defaultTimeoutMs: 2_000 });
  });

  afterAll(async () => {
    routing.close();
    provider.close();
    await running.close(1_000);
  });

  it('a unary call round-trips typed messages', async () => {
    resolveHandler = async (req) => ({
      model: { id: `owner/${req.model}`, maxOutputTokens: 1234, simulated: true, providers: ['sim'] },
      chain: [{ provider: 'sim', nativeModel: req.model, adapter: 'sim', price: { promptPerMtok: 100_000n, completionPerMtok: 200_000n } }],
    });
    const res: ResolveResponse = await routing.resolve({ model: 'echo' });
    expect(res.model?.id).toBe('owner/echo');
    expect(res.model?.maxOutputTokens).toBe(1234);
    expect(res.model?.simulated).toBe(true);
    expect(res.model?.providers).toEqual(['sim']);
    expect(res.chain).toHaveLength(1);
    expect(res.chain[0]).toMatchObject({ provider: 'sim', nativeModel: 'echo', adapter: 'sim' });
    expect(res.chain[0]!.price?.promptPerMtok).toBe(100_000n);
    expect(res.chain[0]!.price?.completionPerMtok).toBe(200_000n);
    const list = await routing.listModels({});
    expect(list.models.map((m) => m.id)).toEqual(['sim/echo']);
    expect(await routing.ready(500)).toBe(true);
  });

  it('a GatewayError thrown by the handler reaches the client as the same GatewayError', async () => {
    resolveHandler = async () => {
      throw errors.modelNotFound('x');
    };
    const err = await routing.resolve({ model: 'x' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GatewayError);
    expect(err).toMatchObject({ status: 404, code: 'model_not_found', param: 'model', type: 'not_found_error' });
    expect((err as GatewayError).message).toContain("'x'");
  });

  it('details and headers of a GatewayError cross the boundary too', async () => {
    resolveHandler = async () => {
      throw new GatewayError({ code: 'rate_limited', message: 'slow down', status: 429, details: { limit: 10 }, headers: { 'retry-after': '2' } });
    };
    const err = await routing.resolve({ model: 'x' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GatewayError);
    expect(err).toMatchObject({ status: 429, code: 'rate_limited', message: 'slow down', type: 'rate_limit_error', param: null });
    expect((err as GatewayError).details).toEqual({ limit: 10 });
    expect((err as GatewayError).headers).toEqual({ 'retry-after': '2' });
  });

  it('an unexpected error becomes a 500 internal_error without its message', async () => {
    resolveHandler = async () => {
      throw new Error('secret database password in /work/main/x.ts:12');
    };
    const err = await routing.resolve({ model: 'x' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GatewayError);
    expect(err).toMatchObject({ status: 500, code: 'internal_error' });
    expect((err as GatewayError).message).not.toContain('secret');
    expect((err as GatewayError).message).not.toContain('/work/');
  });

  it('a handler past the client deadline: client gets 504, the handler ctx.signal aborts', async () => {
    const seen = deferred<{ aborted: boolean; deadline: number }>();
    resolveHandler = async (_req, ctx) => {
      const aborted = await abortedWithin(ctx.signal, 3_000);
      seen.resolve({ aborted, deadline: ctx.deadline });
      return { model: { id: 'late/model' } };
    };
    const t0 = Date.now();
    const err = await routing.resolve({ model: 'slow' }, { timeoutMs: 200 }).catch((e: unknown) => e);
    const elapsed = Date.now() - t0;
    expect(err).toBeInstanceOf(GatewayError);
    expect(err).toMatchObject({ status: 504, code: 'timeout', type: 'timeout_error' });
    expect(elapsed).toBeGreaterThanOrEqual(150);
    expect(elapsed).toBeLessThan(1_500);
    const handler = await within(seen.promise, 3_500, 'handler');
    expect(handler.aborted).toBe(true);
    expect(handler.deadline).toBeGreaterThan(t0);
    expect(handler.deadline).toBeLessThan(t0 + 1_000);
  });

  it('the request id in call options arrives as ctx.requestId (and one is made up otherwise)', async () => {
    const ids: string[] = [];
    resolveHandler = async (_req, ctx: CallContext) => {
      ids.push(ctx.requestId);
      return { model: { id: 'a/b' } };
    };
    await routing.resolve({ model: 'a' }, { requestId: 'req-1234-abcd' });
    await routing.resolve({ model: 'a' });
    expect(ids[0]).toBe('req-1234-abcd');
    expect(ids[1]).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('an unreachable address → 503 dependency_unavailable, promptly', async () => {
    const dead = createClient(RoutingService, await closedAddress(), { defaultTimeoutMs: 5_000 });
    try {
      const t0 = Date.now();
      const err = await dead.resolve({ model: 'x' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(GatewayError);
      expect(err).toMatchObject({ status: 503, code: 'dependency_unavailable', type: 'service_unavailable' });
      expect(Date.now() - t0).toBeLessThan(3_000);
      expect(await dead.ready(200)).toBe(false);
    } finally {
      dead.close();
    }
  });

  it('a server stream delivers its messages in order', async () => {
    chatHandler = async function* (req) {
      for (const word of ['one', 'two', 'three']) yield chunk(word);
      yield { event: { case: 'outcome', value: { provider: 'test', nativeModel: req.model, usage: { inputTokens: 3, outputTokens: 3 } } } };
    };
    const got: ChatResponse[] = [];
    for await (const ev of provider.chat({ requestId: 'r1', model: 'm', body: new TextEncoder().encode('{}'), stream: true })) got.push(ev);
    expect(got).toHaveLength(4);
    expect(got.slice(0, 3).map((ev) => (ev.event.case === 'chunk' ? ev.event.value.choices[0]?.content : undefined))).toEqual(['one', 'two', 'three']);
    const last = got[3]!.event;
    expect(last.case).toBe('outcome');
    if (last.case === 'outcome') {
      expect(last.value).toMatchObject({ provider: 'test', nativeModel: 'm' });
      expect(last.value.usage?.outputTokens).toBe(3);
    }
  });

  it('a stream that fails before its first message rejects the iteration with the GatewayError', async () => {
    chatHandler = async function* () {
      throw errors.noProviderAvailable('m');
    };
    const iterate = async () => {
      for await (const _ev of provider.chat({ model: 'm' })) {
        // nothing arrives
      }
    };
    await expect(iterate()).rejects.toMatchObject({ status: 503, code: 'no_provider_available' });
  });

  it('breaking out of the client iteration cancels the server side', async () => {
    const signal = deferred<AbortSignal>();
    const finished = deferred<number>();
    let produced = 0;
    chatHandler = async function* (_req, ctx) {
      signal.resolve(ctx.signal);
      try {
        while (!ctx.signal.aborted && produced < 500) {
          produced++;
          yield chunk(`piece ${produced}`);
          await sleep(10);
        }
      } finally {
        finished.resolve(produced);
      }
    };
    let received = 0;
    for await (const _ev of provider.chat({ model: 'm' }, { timeoutMs: 10_000 })) {
      if (++received === 2) break;
    }
    const serverSignal = await within(signal.promise, 1_000, 'handler start');
    expect(await abortedWithin(serverSignal, 2_000)).toBe(true);
    const total = await within(finished.promise, 2_000, 'handler end');
    expect(total).toBeLessThan(100); // stopped long before its 500 pieces
  });

  it('an AbortSignal in call options cancels a unary call', async () => {
    const seen = deferred<boolean>();
    resolveHandler = async (_req, ctx) => {
      seen.resolve(await abortedWithin(ctx.signal, 3_000));
      return {};
    };
    const controller = new AbortController();
    const call = routing.resolve({ model: 'x' }, { signal: controller.signal, timeoutMs: 5_000 });
    setTimeout(() => controller.abort(), 100);
    await expect(call).rejects.toMatchObject({ status: 499, code: 'cancelled' });
    expect(await within(seen.promise, 3_500, 'handler')).toBe(true);
  });
});
