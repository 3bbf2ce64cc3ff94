import OpenAI from 'openai';
import { fakeGemini, fakeGoogleOAuth, fakeVertex, type FakeGoogleOAuth, type FakeUpstream } from '@gatewayz/testing';
import { startStack, type TestStack } from './support/stack';
import { IMAGE_MESSAGE, PERSON_FORMAT, PERSON_JSON, PNG_BASE64, TWO_CALLS, WEATHER_TOOL, assembled, collect, midStreamFailure, rejection, sdkRetriesOn429 } from './support/provider-scenarios';

/**
 * Google end to end with the openai SDK: the Gemini API (AI Studio, API key) and Vertex AI
 * (service-account OAuth against a fake token endpoint) both offer the Gemini models. With
 * Vertex credentials configured, Gemini models go to Vertex first (spec AC-2.1.4) and fail over
 * to AI Studio; the AI Studio cases run on a stack where only AI Studio is configured.
 */
const GEMINI = 'google/gemini-2.0-flash';

describe('Google Gemini and Vertex AI through the gateway (openai SDK)', () => {
  let stack: TestStack;
  let studioStack: TestStack;
  let studio: OpenAI;
  let studioKey: string;
  let gemini: FakeUpstream;
  let vertex: FakeUpstream;
  let oauth: FakeGoogleOAuth;
  let client: OpenAI;
  let key: string;

  beforeAll(async () => {
    oauth = await fakeGoogleOAuth();
    [gemini, vertex] = await Promise.all([fakeGemini(), fakeVertex(oauth)]);
    stack = await startStack({
      env: {
        GOOGLE_API_KEY: 'AIza-upstream',
        GOOGLE_BASE_URL: gemini.url,
        VERTEX_CREDENTIALS: JSON.stringify(oauth.serviceAccount),
        VERTEX_BASE_URL: vertex.url,
        VERTEX_LOCATION: 'europe-west4',
        RATE_LIMIT_RETRIES: '0',
      },
    });
    ({ key } = await stack.createKey());
    client = new OpenAI({ apiKey: key, baseURL: stack.baseURL, maxRetries: 0 });
    studioStack = await startStack({ env: { GOOGLE_API_KEY: 'AIza-upstream', GOOGLE_BASE_URL: gemini.url, RATE_LIMIT_RETRIES: '0' } });
    ({ key: studioKey } = await studioStack.createKey());
    studio = new OpenAI({ apiKey: studioKey, baseURL: studioStack.baseURL, maxRetries: 0 });
  });

  afterAll(async () => {
    await stack.close();
    await studioStack.close();
    await Promise.all([gemini.close(), vertex.close(), oauth.close()]);
  });

  beforeEach(() => {
    gemini.reset();
    vertex.reset();
  });

  describe('Gemini API (AI Studio)', () => {
    it('text: generateContent with x-goog-api-key; system → systemInstruction; usage with cost', async () => {
      const res = await studio.chat.completions.create({ model: GEMINI, messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'hello gemini' }], temperature: 0.2, max_tokens: 64 });
      expect(res.choices[0]!.message.content).toBe('Echo: hello gemini');
      expect(res.usage).toMatchObject({ prompt_tokens: 10, completion_tokens: 3 });
      expect((res.usage as { cost?: number }).cost).toBeGreaterThan(0);
      const up = gemini.requests[0]!;
      expect(up.path).toBe('/v1beta/models/gemini-2.0-flash:generateContent');
      expect(up.headers['x-goog-api-key']).toBe('AIza-upstream');
      expect(up.body).toEqual({
        contents: [{ role: 'user', parts: [{ text: 'hello gemini' }] }],
        systemInstruction: { parts: [{ text: 'Be brief.' }] },
        generationConfig: { temperature: 0.2, maxOutputTokens: 64 },
      });
    });

    it('stream: streamGenerateContent?alt=sse; content, finish and usage', async () => {
      const out = await collect(await studio.chat.completions.create({ model: GEMINI, messages: [{ role: 'user', content: 'stream this' }], stream: true, stream_options: { include_usage: true } }));
      expect(out.content).toBe('Echo: stream this');
      expect(out.finish).toEqual(['stop']);
      expect(out.usage).toMatchObject({ prompt_tokens: 10, completion_tokens: 3 });
      expect(gemini.requests[0]!.path).toBe('/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse');
    });

    it('tools → functionDeclarations, tool_choice → toolConfig; parallel calls stream with indexes 0 and 1', async () => {
      gemini.enqueue({ kind: 'reply', toolCalls: TWO_CALLS });
      const out = await collect(
        await studio.chat.completions.create({ model: GEMINI, messages: [{ role: 'user', content: 'weather?' }], tools: [WEATHER_TOOL], tool_choice: { type: 'function', function: { name: 'get_weather' } }, stream: true }),
      );
      const calls = assembled(out.toolDeltas);
      expect(calls.map((c) => [c.name, c.args])).toEqual([
        ['get_weather', { city: 'Paris' }],
        ['get_weather', { city: 'Tokyo' }],
      ]);
      expect(calls[0]!.id).not.toBe(calls[1]!.id);
      expect(out.finish).toEqual(['tool_calls']);
      const up = gemini.requests[0]!.body;
      expect(up.tools).toEqual([{ functionDeclarations: [{ name: 'get_weather', description: 'Current weather in a city', parameters: { type: 'OBJECT', properties: { city: { type: 'STRING' } }, required: ['city'] } }] }]);
      expect(up.toolConfig).toEqual({ functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['get_weather'] } });
    });

    it('a tool result goes back as a functionResponse named after its call', async () => {
      await studio.chat.completions.create({
        model: GEMINI,
        messages: [
          { role: 'user', content: 'weather in Paris?' },
          { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
          { role: 'tool', tool_call_id: 'call_1', content: '{"temp_c":18}' },
        ],
        tools: [WEATHER_TOOL],
      });
      expect((gemini.requests[0]!.body.contents as object[]).slice(1)).toEqual([
        { role: 'model', parts: [{ functionCall: { name: 'get_weather', args: { city: 'Paris' } } }] },
        { role: 'user', parts: [{ functionResponse: { name: 'get_weather', response: { temp_c: 18 } } }] },
      ]);
    });

    it('json_schema (strict) → responseMimeType + responseSchema in the subset Gemini accepts', async () => {
      gemini.enqueue({ kind: 'reply', content: PERSON_JSON });
      const res = await studio.chat.completions.create({ model: GEMINI, messages: [{ role: 'user', content: 'who?' }], response_format: PERSON_FORMAT });
      expect(JSON.parse(res.choices[0]!.message.content!)).toEqual({ name: 'Ada Lovelace', born: 1815 });
      expect(gemini.requests[0]!.body.generationConfig).toEqual({
        responseMimeType: 'application/json',
        responseSchema: { type: 'OBJECT', properties: { name: { type: 'STRING' }, born: { type: 'INTEGER' } }, propertyOrdering: ['name', 'born'], required: ['name', 'born'] },
      });
    });

    it('logprobs → responseLogprobs; logprobsResult comes back as OpenAI logprobs', async () => {
      const res = await studio.chat.completions.create({ model: GEMINI, messages: [{ role: 'user', content: 'hi' }], logprobs: true, top_logprobs: 2 });
      const lp = res.choices[0]!.logprobs!.content!;
      expect(lp.map((t) => t.token).join('')).toBe('Echo: hi');
      expect(lp.every((t) => t.top_logprobs.length === 2)).toBe(true);
      expect(gemini.requests[0]!.body.generationConfig).toEqual({ responseLogprobs: true, logprobs: 2 });
    });

    it('images in: a data URL becomes inlineData; a link is a 400 naming the part', async () => {
      await studio.chat.completions.create({ model: GEMINI, messages: [IMAGE_MESSAGE] });
      expect((gemini.requests[0]!.body.contents as { parts: unknown[] }[])[0]!.parts[1]).toEqual({ inlineData: { mimeType: 'image/png', data: PNG_BASE64 } });
      // AI Studio takes no links, and nothing else serves Gemini here: a 400 naming the part.
      const err = await rejection(
        studio.chat.completions.create({ model: GEMINI, messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://example.com/cat.png' } }] }] }),
      );
      expect(err).toBeInstanceOf(OpenAI.BadRequestError);
      expect((err as InstanceType<typeof OpenAI.BadRequestError>).param).toBe('messages[0].content[0]');
      expect(gemini.requests).toHaveLength(1);
    });

    it('a 429 (RetryInfo in the body) reaches the SDK, whose own retry succeeds', async () => {
      const { res, seen, upstreamCalls } = await sdkRetriesOn429({ baseURL: studioStack.baseURL, apiKey: studioKey, fake: gemini, model: GEMINI });
      expect(seen).toEqual([429, 200]);
      expect(upstreamCalls).toBe(2);
      expect(res.choices[0]!.message.content).toBe('Echo: retry me');
    });

    it('an error event mid-stream makes the SDK throw after the first pieces', async () => {
      const { content, finishes, err } = await midStreamFailure(studio, gemini, GEMINI, 'stream-error', 2);
      expect(content).toBe('one two ');
      expect(finishes).toEqual([]);
      expect(err).toBeInstanceOf(OpenAI.APIError);
    });
  });

  describe('Vertex AI (service-account OAuth)', () => {
    it('takes an image link as fileData', async () => {
      await client.chat.completions.create({ model: GEMINI, messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://example.com/cat.png' } }] }] });
      expect((vertex.requests[0]!.body.contents as { parts: unknown[] }[])[0]!.parts[0]).toEqual({ fileData: { mimeType: 'image/png', fileUri: 'https://example.com/cat.png' } });
    });

    it('with Vertex credentials, Gemini goes to Vertex first; Vertex down fails over to AI Studio', async () => {
      const first = await client.chat.completions.create({ model: GEMINI, messages: [{ role: 'user', content: 'who serves?' }] });
      expect((first as { provider?: string }).provider).toBe('vertex');
      expect(gemini.requests).toHaveLength(0);
      vertex.setDefault({ kind: 'status', status: 503, message: 'unavailable' });
      const second = await client.chat.completions.create({ model: GEMINI, messages: [{ role: 'user', content: 'and now?' }] });
      expect((second as { provider?: string }).provider).toBe('google');
      expect(second.choices[0]!.message.content).toBe('Echo: and now?');
      vertex.setDefault({ kind: 'reply' });
    });

    it('text: OAuth token from the token endpoint (JWT verified there), regional URL, the token reused', async () => {
      const issuedBefore = oauth.issued.length;
      const res = await client.chat.completions.create({ model: GEMINI, messages: [{ role: 'user', content: 'hello vertex' }] });
      expect(res.choices[0]!.message.content).toBe('Echo: hello vertex');
      expect((res as { provider?: string }).provider).toBe('vertex');
      const up = vertex.requests[0]!;
      expect(up.path).toBe('/v1/projects/fake-project/locations/europe-west4/publishers/google/models/gemini-2.0-flash-001:generateContent');
      expect(up.headers.authorization).toMatch(/^Bearer ya29\.fake-\d+$/);
      expect(up.headers['x-goog-api-key']).toBeUndefined();
      await client.chat.completions.create({ model: GEMINI, messages: [{ role: 'user', content: 'again' }] });
      expect(vertex.requests[1]!.headers.authorization).toBe(up.headers.authorization);
      expect(oauth.issued.length - issuedBefore).toBeLessThanOrEqual(1);
      expect(oauth.rejected).toEqual([]);
    });

    it('stream with tools: parallel calls keep their indexes', async () => {
      vertex.enqueue({ kind: 'reply', toolCalls: TWO_CALLS });
      const out = await collect(await client.chat.completions.create({ model: GEMINI, messages: [{ role: 'user', content: 'weather?' }], tools: [WEATHER_TOOL], tool_choice: 'required', stream: true }));
      expect(assembled(out.toolDeltas).map((c) => c.args)).toEqual([{ city: 'Paris' }, { city: 'Tokyo' }]);
      expect(vertex.requests[0]!.path).toContain(':streamGenerateContent?alt=sse');
      expect(vertex.requests[0]!.body.toolConfig).toEqual({ functionCallingConfig: { mode: 'ANY' } });
    });

    it("tool_choice 'none' → mode NONE (AC-CC.13.3)", async () => {
      await client.chat.completions.create({ model: GEMINI, messages: [{ role: 'user', content: 'no tools' }], tools: [WEATHER_TOOL], tool_choice: 'none' });
      expect(vertex.requests[0]!.body.toolConfig).toEqual({ functionCallingConfig: { mode: 'NONE' } });
    });

    it('a Vertex rejection of the token is not relayed as the user’s auth error', async () => {
      gemini.setDefault({ kind: 'status', status: 503, message: 'unavailable' });
      vertex.setDefault({ kind: 'status', status: 401, message: 'Request had invalid authentication credentials.' });
      const err = await rejection(client.chat.completions.create({ model: GEMINI, messages: [{ role: 'user', content: 'x' }] }));
      expect(err.status).toBe(502);
      expect(err.message).not.toContain('invalid authentication credentials');
    });
  });
});
