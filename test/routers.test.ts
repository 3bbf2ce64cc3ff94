import { createServer } from 'node:net';
import OpenAI from 'openai';
import { fakeOpenAI, type FakeUpstream } from '@gatewayz/testing';
import { startStack, type TestStack } from './support/stack';

/**
 * The general and code routers (AC-2.2, AC-2.3, CM-4): their endpoints, and chat requests naming
 * router:general:<mode> / router:code:<mode> as the model. OpenRouter (a fake) serves the models
 * the routers pick; GET /v1/models gives their prices.
 */
const CODE_PROMPT = 'Write a Python function that parses a CSV file and fix the bug in my regex.';

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

interface Decision {
  router: string;
  mode: string;
  selected_model: string;
  task?: string;
  complexity?: string | null;
  tier?: number;
  reasoning: string;
  used_default: boolean;
  candidates: { model: string; score: number; price_per_million_tokens: string; latency_ms: number; latency_source: string }[];
}

describe('routers', () => {
  let stack: TestStack;
  let openai: FakeUpstream;
  let openrouter: FakeUpstream;
  let key: string;
  let client: OpenAI;
  const env = () => ({
    GATEWAYZ_NAMESPACE: `${process.env.GATEWAYZ_NAMESPACE}:routers`,
    OPENAI_API_KEY: 'sk-openai',
    OPENAI_BASE_URL: openai.url,
    OPENROUTER_API_KEY: 'sk-openrouter',
    OPENROUTER_BASE_URL: openrouter.url,
  });

  beforeAll(async () => {
    openai = await fakeOpenAI();
    openrouter = await fakeOpenAI();
    stack = await startStack({ env: env() });
    ({ key } = await stack.createKey());
    client = new OpenAI({ apiKey: key, baseURL: stack.baseURL, maxRetries: 0 });
  });

  afterAll(async () => {
    await stack.close();
    await openai.close();
    await openrouter.close();
  });

  const test = (url: string, kind: 'general' | 'code', body: object, k = key) =>
    fetch(`${url}/${kind}-router/test`, { method: 'POST', headers: { authorization: `Bearer ${k}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const price = async (model: string) => {
    const m = (await (await fetch(`${stack.baseURL}/models/${model}`)).json()) as { pricing: { prompt: string; completion: string } };
    return 3 * Number(m.pricing.prompt) + Number(m.pricing.completion);
  };

  it('GET /general-router/settings/options lists the modes, their defaults and the model pool (AC-2.2.6)', async () => {
    const res = await fetch(`${stack.url}/general-router/settings/options`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { modes: { mode: string; model: string; default_model: string }[]; model_pool: string[]; tasks: string[]; benchmarks: string[] };
    expect(body.modes.map((m) => m.model)).toEqual(['router:general:quality', 'router:general:cost', 'router:general:latency', 'router:general:balanced']);
    expect(body.model_pool).toEqual(expect.arrayContaining(['openai/gpt-4o', 'anthropic/claude-sonnet-4-5']));
    expect(body.model_pool.every((m) => !m.endsWith(':free') && !m.startsWith('sim/'))).toBe(true);
    expect(body.benchmarks).toEqual(expect.arrayContaining(['MMLU-Pro', 'GPQA Diamond', 'SWE-bench Verified', 'HumanEval pass@1']));
    expect(body.tasks).toEqual(expect.arrayContaining(['code', 'math', 'chat']));
  });

  it('POST /general-router/test returns the selected model and the reasoning (AC-2.2.7); needs a key; bad mode is 400', async () => {
    const res = await test(stack.url, 'general', { prompt: CODE_PROMPT, mode: 'quality' });
    expect(res.status).toBe(200);
    const d = (await res.json()) as Decision;
    expect(d).toMatchObject({ router: 'router:general:quality', mode: 'quality', task: 'code', used_default: false });
    expect(d.reasoning).toMatch(/^Task: code .*Quality mode picks the highest task quality/);
    expect(d.candidates[0]!.model).toBe(d.selected_model);
    expect((await test(stack.url, 'general', { prompt: 'hi' }, 'gw_live_not-a-key')).status).toBe(401);
    const bad = await test(stack.url, 'general', { prompt: 'hi', mode: 'fastest' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { param: string } }).error.param).toBe('mode');
    const missing = await test(stack.url, 'general', { mode: 'cost' });
    expect(((await missing.json()) as { error: { param: string } }).error.param).toBe('prompt');
  });

  it('router:general:* as the model: cost picks a cheaper model than quality for the same prompt (AC-2.2.1, AC-2.2.2)', async () => {
    const quality = await client.chat.completions.create({ model: 'router:general:quality', messages: [{ role: 'user', content: CODE_PROMPT }] });
    const cost = await client.chat.completions.create({ model: 'router:general:cost', messages: [{ role: 'user', content: CODE_PROMPT }] });
    expect(quality.model).not.toBe(cost.model);
    expect(await price(cost.model)).toBeLessThan(await price(quality.model));
    for (const mode of ['latency', 'balanced']) {
      const r = await client.chat.completions.create({ model: `router:general:${mode}`, messages: [{ role: 'user', content: CODE_PROMPT }] });
      expect(r.choices[0]!.message.content).toBe(`Echo: ${CODE_PROMPT}`);
    }
  });

  it('an unknown router or mode as the model is a 400 naming model (CM-4.1.8)', async () => {
    for (const model of ['router:general:fastest', 'router:magic:auto']) {
      const res = await fetch(`${stack.baseURL}/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
      });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { param: string; code: string } }).error).toMatchObject({ param: 'model', code: 'invalid_router' });
    }
  });

  it('GET /code-router/tiers lists the tiers with SWE-bench and HumanEval scores (AC-2.3.5, AC-3.4.1)', async () => {
    const body = (await (await fetch(`${stack.url}/code-router/tiers`)).json()) as {
      tiers: { tier: number; name: string; models: { model: string; swe_bench: number | null; humaneval: number | null; available: boolean }[] }[];
      modes: { mode: string }[];
    };
    expect(body.tiers.map((t) => t.tier)).toEqual([1, 2, 3, 4]);
    expect(body.tiers[0]!.models[0]).toMatchObject({ model: 'anthropic/claude-sonnet-4-5', swe_bench: 77.2, available: true });
    expect(body.tiers[3]!.models.every((m) => (m.humaneval ?? 0) >= 85)).toBe(true);
    expect(body.modes.map((m) => m.mode)).toEqual(['auto', 'price', 'quality', 'agentic']);
  });

  it('POST /code-router/test classifies complexity and explains the choice (AC-2.3.1, AC-2.3.7)', async () => {
    const simple = (await (await test(stack.url, 'code', { prompt: 'Fix the typo in this variable name' })).json()) as Decision;
    expect(simple).toMatchObject({ mode: 'auto', complexity: 'simple', tier: 4 });
    const expert = (await (await test(stack.url, 'code', { prompt: 'Design the architecture of a distributed job queue and fix its race condition.' })).json()) as Decision;
    expect(expert).toMatchObject({ complexity: 'expert', tier: 1 });
    expect(expert.reasoning).toMatch(/Complexity: expert .* → tier 1/);
    const agentic = (await (await test(stack.url, 'code', { prompt: CODE_PROMPT, mode: 'agentic' })).json()) as Decision;
    expect(agentic.reasoning).toMatch(/multi-step tool use/);
  });

  it('router:code:* as the model serves through the chosen model (AC-2.3.2-4)', async () => {
    for (const mode of ['auto', 'price', 'quality', 'agentic']) {
      const r = await client.chat.completions.create({ model: `router:code:${mode}`, messages: [{ role: 'user', content: CODE_PROMPT }] });
      expect(r.model).toMatch(/^[a-z0-9-]+\/[a-z0-9.:-]+$/);
      expect(r.choices[0]!.message.content).toBe(`Echo: ${CODE_PROMPT}`);
    }
  });

  describe('with Redis down', () => {
    let degraded: TestStack;

    beforeAll(async () => {
      degraded = await startStack({ env: { ...env(), REDIS_URL: `redis://127.0.0.1:${await closedPort()}` } });
    });

    afterAll(async () => {
      await degraded.close();
    });

    it('the code router works entirely from memory (AC-2.3.6)', async () => {
      const { key: k } = await degraded.createKey();
      const res = await test(degraded.url, 'code', { prompt: CODE_PROMPT, mode: 'quality' }, k);
      expect(res.status).toBe(200);
      expect(((await res.json()) as Decision).selected_model).toBe('anthropic/claude-sonnet-4-5');
      const chat = await new OpenAI({ apiKey: k, baseURL: degraded.baseURL, maxRetries: 0 }).chat.completions.create({
        model: 'router:code:auto',
        messages: [{ role: 'user', content: CODE_PROMPT }],
      });
      expect(chat.choices[0]!.message.content).toBe(`Echo: ${CODE_PROMPT}`);
    });
  });
});
