import { z } from 'zod';
import { readDataFile } from '../data-files';

export const BENCHMARKS = ['mmlu_pro', 'gpqa', 'livebench', 'arena_elo', 'math', 'humaneval', 'swe_bench'] as const;
export type Benchmark = (typeof BENCHMARKS)[number];

const score = z.number().min(0).max(100);
const priorSchema = z.object({
  mmlu_pro: score.optional(),
  gpqa: score.optional(),
  livebench: score.optional(),
  arena_elo: z.number().min(800).max(2000).optional(),
  math: score.optional(),
  humaneval: score.optional(),
  swe_bench: score.optional(),
  ttft_ms: z.number().int().positive().nullable(),
  tps: z.number().positive().nullable(),
  agentic: z.boolean().optional(),
});

const fileSchema = z.object({
  benchmarks: z.record(z.enum(BENCHMARKS), z.object({ name: z.string(), scale: z.enum(['percent', 'elo']) })),
  models: z.record(z.string().regex(/^[a-z0-9][a-z0-9._-]*\/[a-z0-9][a-z0-9._:-]*$/), priorSchema),
});

export type ModelPrior = z.infer<typeof priorSchema>;

export interface TaskQuality {
  /** In [0, 1]. */
  quality: number;
  /** The task's benchmarks the model has scores for. */
  basis: Benchmark[];
  /** Some of the task's benchmarks were missing and estimated from the model's others. */
  approximate: boolean;
}

/** A model's standing when a benchmark is missing: its mean standing elsewhere, discounted. */
const IMPUTED_DISCOUNT = 0.9;

/**
 * Public benchmark scores per model (data/model-priors.json), read as standings: a score
 * becomes its percentile among the models that have that benchmark (ties share), so saturated
 * benchmarks (HumanEval near 90%) and hard ones (SWE-bench near 50%) weigh alike, and Elo needs
 * no scale of its own. A missing benchmark is estimated from the model's other standings.
 */
export class Priors {
  readonly benchmarkNames: Record<string, string>;
  private readonly models: Map<string, ModelPrior>;
  private readonly sorted = new Map<Benchmark, number[]>();
  private readonly meanStanding = new Map<string, number>();

  constructor(json: unknown) {
    const data = fileSchema.parse(json);
    this.benchmarkNames = Object.fromEntries(Object.entries(data.benchmarks).map(([k, v]) => [k, v.name]));
    this.models = new Map(Object.entries(data.models));
    for (const b of BENCHMARKS) {
      this.sorted.set(b, [...this.models.values()].flatMap((p) => (p[b] === undefined ? [] : [p[b]!])).sort((x, y) => x - y));
    }
    for (const [id, p] of this.models) {
      const known = BENCHMARKS.filter((b) => p[b] !== undefined);
      if (known.length > 0) this.meanStanding.set(id, known.reduce((acc, b) => acc + this.standing(b, p[b]!), 0) / known.length);
    }
  }

  static load(): Priors {
    return new Priors(readDataFile('model-priors.json'));
  }

  get(model: string): ModelPrior | undefined {
    return this.models.get(model.toLowerCase());
  }

  modelIds(): string[] {
    return [...this.models.keys()];
  }

  /** The percentile of `value` among the models with this benchmark, in [0, 1]. */
  standing(benchmark: Benchmark, value: number): number {
    const values = this.sorted.get(benchmark) ?? [];
    if (values.length < 2) return 0.5;
    let below = 0;
    let equal = 0;
    for (const v of values) {
      if (v < value) below++;
      else if (v === value) equal++;
    }
    return Math.min(1, (below + Math.max(0, equal - 1) / 2) / (values.length - 1));
  }

  /** Task quality: the weighted mean of the model's standings on the task's benchmarks. */
  quality(model: string, weights: Partial<Record<Benchmark, number>>): TaskQuality | undefined {
    const prior = this.get(model);
    const mean = this.meanStanding.get(model.toLowerCase());
    if (!prior || mean === undefined) return undefined;
    let sum = 0;
    let total = 0;
    const basis: Benchmark[] = [];
    for (const [b, w] of Object.entries(weights) as [Benchmark, number][]) {
      if (w <= 0) continue;
      const v = prior[b];
      if (v !== undefined) basis.push(b);
      sum += w * (v === undefined ? mean * IMPUTED_DISCOUNT : this.standing(b, v));
      total += w;
    }
    if (total === 0) return { quality: mean, basis: [], approximate: true };
    return { quality: sum / total, basis, approximate: basis.length < Object.values(weights).filter((w) => (w ?? 0) > 0).length };
  }
}
