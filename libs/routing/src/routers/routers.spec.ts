import { loadCatalogFile } from '@gatewayz/catalog';
import { blendedPrice } from '../preferences';
import { routerInputFrom } from '../router-input';
import { CodeRouter } from './code-router';
import type { CandidateInfo, CandidateLookup } from './decision';
import { GeneralRouter } from './general-router';
import { Priors } from './priors';

const priors = Priors.load();
const general = GeneralRouter.load(priors);
const code = CodeRouter.load(priors);
const catalog = loadCatalogFile();
const prices = new Map(catalog.models.map((m) => [m.id, blendedPrice(m.offers[0]!)]));
const lookupWith = (live: Record<string, number> = {}, only?: string[]): CandidateLookup => (model) =>
  prices.has(model) && (!only || only.includes(model)) ? ({ blendedPricePerMtok: prices.get(model)!, liveTtftMs: live[model] } satisfies CandidateInfo) : undefined;
const prompt = (text: string, extra: { tools?: boolean } = {}) =>
  routerInputFrom({
    messages: [{ role: 'user', content: text }],
    tools: extra.tools ? [{ type: 'function', function: { name: 'run', parameters: {} } }] : undefined,
  });

const CODE_PROMPT = prompt('Write a Python function that parses a CSV file and fix the bug in my regex.');

describe('general router', () => {
  it('classifies the task from the prompt', () => {
    expect(general.choose('quality', CODE_PROMPT, lookupWith()).task).toBe('code');
    expect(general.choose('quality', prompt('Solve the integral of x^2 sin(x) dx'), lookupWith()).task).toBe('math');
    expect(general.choose('quality', prompt('Write a poem about the sea'), lookupWith()).task).toBe('creative');
    expect(general.choose('quality', prompt('Hello there!'), lookupWith()).task).toBe('chat');
  });

  it('quality mode selects the highest task quality from the benchmark priors (CM-4.1.5)', () => {
    const d = general.choose('quality', CODE_PROMPT, lookupWith());
    const best = Math.max(...d.candidates.map((c) => c.quality));
    expect(d.candidates[0]!.model).toBe(d.selectedModel);
    expect(d.candidates[0]!.quality).toBe(best);
    expect(d.reasoning).toMatch(/SWE-bench Verified/);
    expect(d.usedDefault).toBe(false);
  });

  it('cost mode selects a cheaper model than quality mode for the same prompt (AC-2.2.2, CM-4.1.6)', () => {
    for (const text of ['Write a Python function that parses a CSV file', 'Explain why the sky is blue, step by step', 'Hello!']) {
      const input = prompt(text);
      const q = general.choose('quality', input, lookupWith());
      const c = general.choose('cost', input, lookupWith());
      expect(prices.get(c.selectedModel)!).toBeLessThan(prices.get(q.selectedModel)!);
      // The cheapest among those within 80% of the best quality.
      const best = Math.max(...general.choose('quality', input, lookupWith()).candidates.map((x) => x.quality));
      const capable = c.candidates.filter((x) => x.quality >= 0.8 * best - 1e-9);
      expect(c.candidates[0]!.blendedPricePerMtok).toBe(capable.reduce((m, x) => (x.blendedPricePerMtok < m ? x.blendedPricePerMtok : m), capable[0]!.blendedPricePerMtok));
    }
  });

  it('latency mode selects the lowest expected latency, live measurements first (AC-2.2.3, CM-4.1.7)', () => {
    const byPrior = general.choose('latency', CODE_PROMPT, lookupWith());
    expect(byPrior.candidates[0]!.latencySource).toBe('prior');
    const measured = general.choose('latency', CODE_PROMPT, lookupWith({ 'anthropic/claude-sonnet-4-5': 90 }));
    expect(measured.selectedModel).toBe('anthropic/claude-sonnet-4-5');
    expect(measured.candidates[0]).toMatchObject({ latencyMs: 90, latencySource: 'live' });
  });

  it('balanced mode weighs quality, price and latency (AC-2.2.4)', () => {
    const d = general.choose('balanced', CODE_PROMPT, lookupWith());
    expect(d.reasoning).toMatch(/quality 0.5, price 0.25 and latency 0.25/);
    const q = general.choose('quality', CODE_PROMPT, lookupWith());
    expect(prices.get(d.selectedModel)!).toBeLessThanOrEqual(prices.get(q.selectedModel)!);
  });

  it('chooses only among servable models, and falls back to the mode default without data (AC-2.2.5)', () => {
    const d = general.choose('quality', CODE_PROMPT, lookupWith({}, ['openai/gpt-4o-mini', 'meta-llama/llama-3.1-8b-instruct']));
    expect(d.candidates.map((c) => c.model).sort()).toEqual(['meta-llama/llama-3.1-8b-instruct', 'openai/gpt-4o-mini']);
    const none = general.choose('cost', CODE_PROMPT, () => undefined);
    expect(none).toMatchObject({ usedDefault: true, selectedModel: 'openai/gpt-4o-mini', candidates: [] });
  });

  it('knows its modes (invalid ones are rejected by the caller, CM-4.1.8)', () => {
    expect(general.modes.map((m) => m.mode)).toEqual(['quality', 'cost', 'latency', 'balanced']);
    expect(general.isMode('fastest')).toBe(false);
  });
});

describe('code router', () => {
  it('builds tiers from SWE-bench Verified and HumanEval (AC-3.4.1, CM-4.2.5, CM-4.2.7)', () => {
    const tiers = code.tiers();
    expect(tiers.map((t) => t.tier)).toEqual([1, 2, 3, 4]);
    for (const m of tiers[0]!.models) expect(m.sweBench).toBeGreaterThanOrEqual(70);
    for (const m of tiers[1]!.models) expect(m.sweBench).toBeGreaterThanOrEqual(60);
    for (const m of tiers[3]!.models) expect(m.humaneval).toBeGreaterThanOrEqual(85);
    expect(tiers[0]!.models.map((m) => m.model)).toContain('anthropic/claude-sonnet-4-5');
  });

  it('auto classifies complexity and maps it to a tier (AC-2.3.1, CM-4.2.6)', () => {
    const simple = code.choose('auto', prompt('Fix the typo in this variable name'), lookupWith());
    expect(simple).toMatchObject({ task: 'simple', tier: 4 });
    const complex = code.choose('auto', prompt('Implement a parser for this grammar and debug the async handling'), lookupWith());
    expect(complex).toMatchObject({ task: 'complex', tier: 2 });
    const expert = code.choose('auto', prompt('Design the architecture of a distributed job queue and fix its race condition'), lookupWith());
    expect(expert).toMatchObject({ task: 'expert', tier: 1 });
    expect(expert.reasoning).toMatch(/race condition/);
    const withTools = code.choose('auto', prompt('Rename it', { tools: true }), lookupWith());
    expect(withTools.task).toBe('moderate');
  });

  it('quality selects the highest SWE-bench score; price a cheaper capable one; agentic a tool-use model (AC-2.3.2-4)', () => {
    const q = code.choose('quality', CODE_PROMPT, lookupWith());
    const p = code.choose('price', CODE_PROMPT, lookupWith());
    const a = code.choose('agentic', CODE_PROMPT, lookupWith());
    const swe = (m: string) => priors.get(m)!.swe_bench!;
    expect(q.tier).toBe(1);
    expect(Math.max(...code.tiers().flatMap((t) => t.models.map((m) => m.sweBench ?? 0)))).toBe(swe(q.selectedModel));
    expect(swe(p.selectedModel)).toBeGreaterThanOrEqual(40);
    expect(prices.get(p.selectedModel)!).toBeLessThan(prices.get(q.selectedModel)!);
    expect(priors.get(a.selectedModel)!.agentic).toBe(true);
    for (const d of [q, p, a]) expect(d.reasoning).toMatch(/SWE-bench Verified \d/);
  });

  it('works from memory alone and falls back to the mode default when nothing is servable (AC-2.3.6)', () => {
    expect(code.choose('quality', CODE_PROMPT, () => undefined)).toMatchObject({ usedDefault: true, selectedModel: 'anthropic/claude-sonnet-4' });
  });
});
