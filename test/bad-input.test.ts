import http from 'node:http';
import OpenAI from 'openai';
import { fakeOpenAI, type FakeUpstream } from '@gatewayz/testing';
import { startStack, type TestStack } from './support/stack';

/**
 * Bad input on POST /v1/chat/completions: every case is refused at the edge with the OpenAI
 * error shape, and never reaches the (fake) OpenAI upstream configured for openai/gpt-4o.
 */
const MAX_BODY = 4096;
const MAX_DEPTH = 16;

interface OpenAIErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

/** What must never leak into a response body: stack frames, paths, source locations. */
function expectNoLeak(text: string): void {
  expect(text).not.toMatch(/^\s*at /m); // a stack frame line
  expect(text).not.toMatch(/\bat \S+ \(/); // "at fn (" of a stack frame
  expect(text).not.toMatch(/\.(?:ts|js|mjs|cjs):\d+/); // file:line
  expect(text).not.toContain('/work/');
  expect(text).not.toContain('node_modules');
  expect(text).not.toContain('.ts:');
  expect(text).not.toMatch(/\bstack\b/i);
}

describe('bad input on /v1/chat/completions', () => {
  let stack: TestStack;
  let upstream: FakeUpstream;
  let key: string;

  beforeAll(async () => {
    upstream = await fakeOpenAI();
    stack = await startStack({
      env: {
        OPENAI_API_KEY: 'sk-test-upstream',
        OPENAI_BASE_URL: upstream.url,
        MAX_BODY_BYTES: String(MAX_BODY),
        MAX_JSON_DEPTH: String(MAX_DEPTH),
      },
    });
    ({ key } = await stack.createKey());
  });

  afterAll(async () => {
    await stack.close();
    await upstream.close();
  });

  async function post(body: string | Buffer, headers: Record<string, string> = {}, path = '/v1/chat/completions') {
    const res = await fetch(`${stack.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
      body,
    });
    return { status: res.status, contentType: res.headers.get('content-type') ?? '', text: await res.text() };
  }

  /** Asserts the OpenAI error shape, no leak, and that the upstream saw nothing. */
  function expectError(r: { status: number; contentType: string; text: string }, status: number, expected: Partial<OpenAIErrorBody['error']>) {
    expect(r.status).toBe(status);
    expect(r.contentType).toMatch(/^application\/json/);
    expectNoLeak(r.text);
    const body = JSON.parse(r.text) as OpenAIErrorBody;
    expect(Object.keys(body)).toEqual(['error']);
    expect(Object.keys(body.error)).toEqual(expect.arrayContaining(['message', 'type', 'param', 'code']));
    expect(typeof body.error.message).toBe('string');
    expect(body.error.message.length).toBeGreaterThan(0);
    expect(typeof body.error.type).toBe('string');
    expect(typeof body.error.code).toBe('string');
    expect(body.error.param === null || typeof body.error.param === 'string').toBe(true);
    expect(body.error).toMatchObject(expected);
    expect(upstream.requests).toHaveLength(0);
    return body.error;
  }

  const valid = { model: 'openai/gpt-4o', messages: [{ role: 'user', content: 'hi' }] };
  const json = (o: unknown) => JSON.stringify(o);

  it('malformed JSON → 400 invalid_json', async () => {
    const err = expectError(await post('{"model": "openai/gpt-4o", "messages": ['), 400, {
      type: 'invalid_request_error',
      code: 'invalid_json',
      param: null,
    });
    expect(err.message).toMatch(/not valid JSON/);
    // A syntax error mid-body: V8 says where ("at position 1"), which is not a stack frame.
    const mid = expectError(await post('{model: "openai/gpt-4o"}'), 400, { code: 'invalid_json', param: null });
    expect(mid.message).toMatch(/not valid JSON .*position 1/);
  });

  it.each([['[1]'], ['"x"'], ['null'], ['42']])('non-object JSON %s → 400 invalid_json', async (text) => {
    const err = expectError(await post(text), 400, { type: 'invalid_request_error', code: 'invalid_json', param: null });
    expect(err.message).toMatch(/JSON object/);
  });

  it('empty body → 400', async () => {
    expectError(await post(''), 400, { type: 'invalid_request_error', code: 'invalid_json' });
  });

  it.each([
    ['messages', { ...valid, messages: 'hi' }],
    ['temperature', { ...valid, temperature: 'hot' }],
    ['stream', { ...valid, stream: 'yes' }],
    ['model', { messages: valid.messages }],
    ['model', { ...valid, model: 42 }],
    ['messages', { model: valid.model }],
    ['messages', { ...valid, messages: [] }],
    ['max_tokens', { ...valid, max_tokens: 0 }],
    ['max_tokens', { ...valid, max_tokens: -1 }],
    ['max_tokens', { ...valid, max_tokens: 1.5 }],
    ['temperature', { ...valid, temperature: 3 }],
  ])('wrong or missing %s → 400 naming the param', async (param, body) => {
    const err = expectError(await post(json(body)), 400, { type: 'invalid_request_error', code: 'invalid_request', param });
    expect(err.message).toContain(param);
  });

  it('a bad role → 400 naming messages[0]', async () => {
    const err = expectError(await post(json({ ...valid, messages: [{ role: 'robot', content: 'beep' }] })), 400, {
      type: 'invalid_request_error',
      code: 'invalid_request',
    });
    expect(err.param).toMatch(/^messages\[0\]/);
  });

  it("max_tokens above the model's output limit → 400 max_tokens", async () => {
    const err = expectError(await post(json({ ...valid, max_tokens: 16_385 })), 400, {
      type: 'invalid_request_error',
      param: 'max_tokens',
    });
    expect(err.message).toContain('16384');
    const completion = expectError(await post(json({ ...valid, max_completion_tokens: 1_000_000 })), 400, { param: 'max_completion_tokens' });
    expect(completion.message).toContain('16384');
  });

  it('a body over MAX_BODY_BYTES → 413', async () => {
    const big = json({ ...valid, messages: [{ role: 'user', content: 'x'.repeat(MAX_BODY) }] });
    const err = expectError(await post(big), 413, { type: 'request_too_large', code: 'request_too_large', param: null });
    expect(err.message).toContain(String(MAX_BODY));
  });

  it('a chunked body (no Content-Length) over the limit → 413', async () => {
    const big = Buffer.from(json({ ...valid, messages: [{ role: 'user', content: 'y'.repeat(MAX_BODY * 2) }] }));
    const res = await fetch(`${stack.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: new ReadableStream({
        start(controller) {
          for (let i = 0; i < big.length; i += 1024) controller.enqueue(big.subarray(i, i + 1024));
          controller.close();
        },
      }),
      duplex: 'half',
    } as RequestInit & { duplex: 'half' });
    expectError({ status: res.status, contentType: res.headers.get('content-type') ?? '', text: await res.text() }, 413, { code: 'request_too_large' });
  });

  it('a Content-Length that lies (large, small body sent) → 413 without waiting for the body', async () => {
    const url = new URL(stack.url);
    const r = await new Promise<{ status: number; contentType: string; text: string }>((resolve, reject) => {
      const req = http.request({
        host: url.hostname,
        port: url.port,
        method: 'POST',
        path: '/v1/chat/completions',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'content-length': '10000000' },
      });
      req.on('error', reject);
      req.on('response', (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? ''), text });
          req.destroy();
        });
      });
      req.write(json(valid)); // far less than announced; the request is never completed
    });
    expectError(r, 413, { type: 'request_too_large', code: 'request_too_large' });
  });

  it('nesting deeper than MAX_JSON_DEPTH → 400; at the limit the body parses', async () => {
    const nest = (depth: number) => '['.repeat(depth - 1) + ']'.repeat(depth - 1); // + the outer object
    const deep = `{"model":"openai/gpt-4o","messages":[{"role":"user","content":"hi"}],"extra":${nest(MAX_DEPTH + 1)}}`;
    const err = expectError(await post(deep), 400, { type: 'invalid_request_error', code: 'invalid_json', param: null });
    expect(err.message).toContain(String(MAX_DEPTH));
    // Exactly at the limit: past the body parser (sim/echo, so the OpenAI upstream stays untouched).
    const ok = await post(`{"model":"sim/echo","messages":[{"role":"user","content":"deep ok"}],"extra":${nest(MAX_DEPTH)}}`);
    expect(ok.status).toBe(200);
    expect(upstream.requests).toHaveLength(0);
  });

  it('invalid UTF-8 → 400', async () => {
    const bytes = Buffer.concat([Buffer.from('{"model":"openai/gpt-4o","messages":[{"role":"user","content":"'), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('"}]}')]);
    const err = expectError(await post(bytes), 400, { type: 'invalid_request_error', code: 'invalid_json', param: null });
    expect(err.message).toMatch(/UTF-8/);
  });

  it('text/xml → 415', async () => {
    const err = expectError(await post('<chat/>', { 'content-type': 'text/xml' }), 415, {
      type: 'invalid_request_error',
      code: 'unsupported_media_type',
    });
    expect(err.message).toContain('text/xml');
    // Even a valid JSON body is refused under another media type.
    expectError(await post(json(valid), { 'content-type': 'text/xml' }), 415, { code: 'unsupported_media_type' });
  });

  it('an unknown route → 404', async () => {
    const err = expectError(await post(json(valid), {}, '/v1/chat/completion'), 404, { type: 'not_found_error', code: 'unknown_route', param: null });
    expect(err.message).toContain('/v1/chat/completion');
    const get = await fetch(`${stack.url}/v1/nothing/here`, { headers: { authorization: `Bearer ${key}` } });
    expectError({ status: get.status, contentType: get.headers.get('content-type') ?? '', text: await get.text() }, 404, { code: 'unknown_route' });
  });

  it('the openai SDK gets a BadRequestError naming the param', async () => {
    const client = new OpenAI({ apiKey: key, baseURL: stack.baseURL, maxRetries: 0 });
    const call = client.chat.completions.create({ model: 'openai/gpt-4o', messages: [] });
    await expect(call).rejects.toBeInstanceOf(OpenAI.BadRequestError);
    const err = await client.chat.completions.create({ model: 'openai/gpt-4o', messages: [{ role: 'user', content: 'hi' }], max_tokens: 0 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    const bad = err as InstanceType<typeof OpenAI.BadRequestError>;
    expect(bad.status).toBe(400);
    expect(bad.param).toBe('max_tokens');
    expect(bad.code).toBe('invalid_request');
    expect(bad.type).toBe('invalid_request_error');
    expect(upstream.requests).toHaveLength(0);
  });

  it('control: a valid request does reach the fake upstream', async () => {
    const r = await post(json(valid));
    expect(r.status).toBe(200);
    expect(upstream.requests).toHaveLength(1);
    expect((JSON.parse(r.text) as { choices: { message: { content: string } }[] }).choices[0]!.message.content).toBe('Echo: hi');
  });
});
