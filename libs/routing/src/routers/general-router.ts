import { z } from 'zod';
import { readDataFile } from '../data-files';
import type { RouterInputFields } from '../router-input';
import { globMatcher } from '../rules';
import { classifyTask, keywordMatcher, type TaskClassifier } from './classify';
import { dollarsPerMtok, round3, type CandidateLookup, type RouterCandidateFields, type RouterDecisionFields } from './decision';
import { BENCHMARKS, type Benchmark, type Priors } from './priors';

const weightsSchema = z.object({ quality: z.number().min(0), price: z.number().min(0), latency: z.number().min(0) });
const configSchema = z.object({
  tasks: z.record(
    z.string(),
    z.object({ description: z.string(), keywords: z.array(z.string().min(1)), weights: z.partialRecord(z.enum(BENCHMARKS), z.number().min(0)) }),
  ),
  default_task: z.string(),
  modes: z.record(
    z.string(),
    z.object({
      description: z.string(),
      strategy: z.enum(['best_quality', 'cheapest_capable', 'fastest_capable', 'weighted']),
      min_quality_ratio: z.number().min(0).max(1).optional(),
      weights: weightsSchema,
      default_model: z.string(),
    }),
  ),
  exclude: z.array(z.string()),
});

type Mode = z.infer<typeof configSchema>['modes'][string];

interface Scored extends RouterCandidateFields {
  basis: Benchmark[];
  approximate: boolean;
}

const MAX_CANDIDATES = 8;

/** Normalizes to [0, 1] across the candidates (log scale for prices, which span decades). */
function spread(values: number[], log: boolean): (v: number) => number {
  const f = (v: number) => (log ? Math.log(Math.max(v, 1)) : v);
  const lo = Math.min(...values.map(f));
  const hi = Math.max(...values.map(f));
  return (v) => (hi === lo ? 0 : (f(v) - lo) / (hi - lo));
}

/**
 * router:general:{quality,cost,latency,balanced}: our own scorer in place of NotDiamond. The
 * prompt's task (data/general-router.json keywords) picks benchmark weights; each servable
 * model with priors gets a task quality from them (data/model-priors.json), a price (its chain's
 * first provider) and an expected latency (live p50 TTFT, else its prior); the mode's strategy
 * decides. With no candidate data it answers the mode's default model.
 */
export class GeneralRouter {
  private readonly config: z.infer<typeof configSchema>;
  private readonly classifier: TaskClassifier;
  private readonly excluded: ((id: string) => boolean)[];

  constructor(
    json: unknown,
    private readonly priors: Priors,
  ) {
    this.config = configSchema.parse(json);
    if (!this.config.tasks[this.config.default_task]) throw new Error('general router: default_task is not a task');
    this.classifier = {
      tasks: Object.entries(this.config.tasks).map(([name, t]) => ({ name, match: keywordMatcher(t.keywords) })),
      defaultTask: this.config.default_task,
    };
    this.excluded = this.config.exclude.map(globMatcher);
  }

  static load(priors: Priors): GeneralRouter {
    return new GeneralRouter(readDataFile('general-router.json'), priors);
  }

  isMode(mode: string): boolean {
    return Object.hasOwn(this.config.modes, mode);
  }

  get modes(): { mode: string; description: string; defaultModel: string; weights: { quality: number; price: number; latency: number } }[] {
    return Object.entries(this.config.modes).map(([mode, m]) => ({ mode, description: m.description, defaultModel: m.default_model, weights: m.weights }));
  }

  get tasks(): string[] {
    return Object.keys(this.config.tasks);
  }

  /** Models the router may choose from right now. */
  pool(lookup: CandidateLookup): string[] {
    return this.priors.modelIds().filter((id) => !this.excluded.some((x) => x(id)) && lookup(id) !== undefined);
  }

  choose(mode: string, input: RouterInputFields, lookup: CandidateLookup): RouterDecisionFields {
    const m = this.config.modes[mode]!;
    const { task, signals } = classifyTask(input, this.classifier);
    const weights = this.config.tasks[task]!.weights;
    const scored: Scored[] = [];
    for (const model of this.pool(lookup)) {
      const info = lookup(model)!;
      const q = this.priors.quality(model, weights);
      if (!q) continue;
      const prior = this.priors.get(model)!;
      const latencyMs = info.liveTtftMs ?? prior.ttft_ms;
      if (latencyMs === null || latencyMs === undefined) continue;
      scored.push({
        model,
        score: 0,
        quality: q.quality,
        blendedPricePerMtok: info.blendedPricePerMtok,
        latencyMs: Math.round(latencyMs),
        latencySource: info.liveTtftMs !== undefined ? 'live' : 'prior',
        tier: 0,
        basis: q.basis,
        approximate: q.approximate,
      });
    }
    const taskText = `Task: ${task}${signals.length ? ` (${signals.slice(0, 4).join(', ')})` : ' (no task keywords: general chat)'}.`;
    if (scored.length === 0) {
      const fallback = m.default_model;
      return {
        router: `router:general:${mode}`,
        mode,
        selectedModel: fallback,
        task,
        reasoning: `${taskText} No candidate model has benchmark data and a configured provider, so the ${mode} mode's default model ${fallback} is used.`,
        candidates: [],
        usedDefault: true,
        tier: 0,
      };
    }
    const ranked = this.rank(m, scored);
    const best = ranked[0]!;
    return {
      router: `router:general:${mode}`,
      mode,
      selectedModel: best.model,
      task,
      reasoning: `${taskText} ${this.explain(m, best, ranked)}`,
      candidates: ranked.slice(0, MAX_CANDIDATES).map(({ basis: _b, approximate: _a, ...c }) => ({ ...c, score: round3(c.score), quality: round3(c.quality) })),
      usedDefault: false,
      tier: 0,
    };
  }

  private rank(m: Mode, scored: Scored[]): Scored[] {
    const bestQuality = Math.max(...scored.map((s) => s.quality));
    const priceNorm = spread(scored.map((s) => Number(s.blendedPricePerMtok)), true);
    const latencyNorm = spread(scored.map((s) => s.latencyMs), false);
    const capable = (s: Scored) => s.quality >= (m.min_quality_ratio ?? 0) * bestQuality;
    for (const s of scored) {
      const q = s.quality / bestQuality;
      const p = 1 - priceNorm(Number(s.blendedPricePerMtok));
      const l = 1 - latencyNorm(s.latencyMs);
      if (m.strategy === 'best_quality') s.score = q;
      else if (m.strategy === 'cheapest_capable') s.score = capable(s) ? 0.5 + 0.5 * p : 0.5 * q * p;
      else if (m.strategy === 'fastest_capable') s.score = capable(s) ? 0.5 + 0.5 * l : 0.5 * q * l;
      else {
        const w = m.weights;
        s.score = (w.quality * q + w.price * p + w.latency * l) / (w.quality + w.price + w.latency || 1);
      }
    }
    // Ties: higher quality, then cheaper, then the id (a stable, explainable order).
    return scored.sort(
      (a, b) => b.score - a.score || b.quality - a.quality || Number(a.blendedPricePerMtok - b.blendedPricePerMtok) || a.model.localeCompare(b.model),
    );
  }

  private explain(m: Mode, best: Scored, ranked: Scored[]): string {
    const basis = best.basis.map((b) => this.priors.benchmarkNames[b] ?? b).join(', ');
    const facts = `task quality ${best.quality.toFixed(2)} (standing on ${basis || 'its other benchmarks'}${best.approximate && basis ? '; the rest estimated' : ''}), ${dollarsPerMtok(best.blendedPricePerMtok)}/M tokens blended, ~${best.latencyMs} ms to first token (${best.latencySource})`;
    const runnerUp = ranked[1] ? ` Runner-up: ${ranked[1].model} (score ${ranked[1].score.toFixed(2)}).` : '';
    switch (m.strategy) {
      case 'best_quality':
        return `Quality mode picks the highest task quality among ${ranked.length} candidates: ${best.model}, ${facts}.${runnerUp}`;
      case 'cheapest_capable':
        return `Cost mode picks the cheapest model within ${Math.round((m.min_quality_ratio ?? 0) * 100)}% of the best task quality: ${best.model}, ${facts}.${runnerUp}`;
      case 'fastest_capable':
        return `Latency mode picks the fastest model within ${Math.round((m.min_quality_ratio ?? 0) * 100)}% of the best task quality: ${best.model}, ${facts}.${runnerUp}`;
      default:
        return `Balanced mode weighs quality ${m.weights.quality}, price ${m.weights.price} and latency ${m.weights.latency}: ${best.model} scores ${best.score.toFixed(2)}, ${facts}.${runnerUp}`;
    }
  }
}
