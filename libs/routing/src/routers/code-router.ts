import { z } from 'zod';
import { readDataFile } from '../data-files';
import type { RouterInputFields } from '../router-input';
import { classifyComplexity, keywordMatcher, type ComplexityRules } from './classify';
import { dollarsPerMtok, type CandidateLookup, type RouterCandidateFields, type RouterDecisionFields } from './decision';
import type { Priors } from './priors';

const configSchema = z.object({
  tiers: z
    .array(
      z.object({
        tier: z.number().int().min(1),
        name: z.string(),
        description: z.string(),
        min_swe_bench: z.number().optional(),
        min_humaneval: z.number().optional(),
      }),
    )
    .min(1),
  complexity: z.object({
    levels: z.array(z.string()).min(2),
    keywords: z.record(z.string(), z.array(z.string().min(1))),
    length_chars: z.record(z.string(), z.number().int().positive()),
    code_blocks_for_complex: z.number().int().positive(),
    tier_for_level: z.record(z.string(), z.number().int().min(1)),
    pick_in_tier: z.record(z.string(), z.enum(['best', 'cheapest'])),
  }),
  modes: z.record(z.string(), z.object({ description: z.string(), min_swe_bench: z.number().optional() })),
  defaults: z.record(z.string(), z.string()),
});

export interface CodeModel {
  model: string;
  tier: number;
  sweBench: number | undefined;
  humaneval: number | undefined;
  agentic: boolean;
}

export interface CodeTier {
  tier: number;
  name: string;
  description: string;
  models: CodeModel[];
}

const by = <T>(...keys: ((x: T) => number)[]) => (a: T, b: T) => {
  for (const k of keys) {
    const d = k(a) - k(b);
    if (d !== 0) return d;
  }
  return 0;
};

/**
 * router:code:{auto,price,quality,agentic}. Tiers come from SWE-bench Verified and HumanEval
 * (model-priors.json) with the thresholds of data/code-router.json; `auto` classifies the
 * prompt's complexity and maps it to a tier. Everything is in memory: no database, no Redis.
 */
export class CodeRouter {
  private readonly config: z.infer<typeof configSchema>;
  private readonly models: CodeModel[];
  private readonly matchers: Record<string, (text: string) => string[]>;

  constructor(
    json: unknown,
    private readonly priors: Priors,
  ) {
    this.config = configSchema.parse(json);
    for (const mode of Object.keys(this.config.modes)) {
      if (!this.config.defaults[mode]) throw new Error(`code router: mode ${mode} has no default model`);
    }
    this.matchers = Object.fromEntries(Object.entries(this.config.complexity.keywords).map(([level, k]) => [level, keywordMatcher(k)]));
    this.models = [];
    for (const id of priors.modelIds()) {
      const p = priors.get(id)!;
      const tier = this.config.tiers.find(
        (t) => (t.min_swe_bench !== undefined && (p.swe_bench ?? -1) >= t.min_swe_bench) || (t.min_humaneval !== undefined && (p.humaneval ?? -1) >= t.min_humaneval),
      );
      if (tier) this.models.push({ model: id, tier: tier.tier, sweBench: p.swe_bench, humaneval: p.humaneval, agentic: p.agentic === true });
    }
  }

  static load(priors: Priors): CodeRouter {
    return new CodeRouter(readDataFile('code-router.json'), priors);
  }

  isMode(mode: string): boolean {
    return Object.hasOwn(this.config.modes, mode);
  }

  get modes(): { mode: string; description: string }[] {
    return Object.entries(this.config.modes).map(([mode, m]) => ({ mode, description: m.description }));
  }

  tiers(): CodeTier[] {
    return this.config.tiers.map((t) => ({
      tier: t.tier,
      name: t.name,
      description: t.description,
      models: this.models.filter((m) => m.tier === t.tier).sort(by((m) => -(m.sweBench ?? 0), (m) => -(m.humaneval ?? 0))),
    }));
  }

  choose(mode: string, input: RouterInputFields, lookup: CandidateLookup): RouterDecisionFields {
    const available = this.models.flatMap((m) => {
      const info = lookup(m.model);
      return info ? [{ ...m, price: info.blendedPricePerMtok }] : [];
    });
    const swe = (m: CodeModel) => m.sweBench ?? 0;
    let picked: (typeof available)[number] | undefined;
    let task = 'code';
    let why = '';
    let tier = 0;
    if (mode === 'auto') {
      const { level, signals } = classifyComplexity(input, this.config.complexity as ComplexityRules, this.matchers);
      task = level;
      tier = this.config.complexity.tier_for_level[level] ?? 1;
      // The matching tier, else the nearest better one, else the nearest worse one.
      const order = [...this.config.tiers.map((t) => t.tier).filter((t) => t <= tier).sort((a, b) => b - a), ...this.config.tiers.map((t) => t.tier).filter((t) => t > tier).sort((a, b) => a - b)];
      const pick = this.config.complexity.pick_in_tier[level] ?? 'best';
      const rank = pick === 'best' ? by<(typeof available)[number]>((m) => -swe(m), (m) => Number(m.price)) : by<(typeof available)[number]>((m) => Number(m.price), (m) => -swe(m));
      for (const t of order) {
        const inTier = available.filter((m) => m.tier === t).sort(rank);
        if (inTier.length > 0) {
          picked = inTier[0];
          tier = t;
          break;
        }
      }
      why = `Complexity: ${level}${signals.length ? ` (${signals.slice(0, 4).join(', ')})` : ' (short prompt, no complexity signals)'} → tier ${tier}, ${pick === 'best' ? 'best SWE-bench Verified' : 'cheapest'} in the tier`;
    } else if (mode === 'price') {
      const floor = this.config.modes.price!.min_swe_bench ?? 0;
      picked = available.filter((m) => swe(m) >= floor).sort(by((m) => Number(m.price), (m) => -swe(m)))[0];
      why = `Price mode: the cheapest model with SWE-bench Verified ≥ ${floor}%`;
    } else if (mode === 'quality') {
      picked = [...available].sort(by((m) => -swe(m), (m) => -(m.humaneval ?? 0), (m) => Number(m.price)))[0];
      why = 'Quality mode: the highest SWE-bench Verified score available';
    } else {
      picked = available.filter((m) => m.agentic).sort(by((m) => -swe(m), (m) => Number(m.price)))[0];
      why = 'Agentic mode: the best SWE-bench Verified score among models suited to multi-step tool use';
    }
    const candidates: RouterCandidateFields[] = available
      .sort(by((m) => m.tier, (m) => -swe(m)))
      .slice(0, 8)
      .map((m) => ({
        model: m.model,
        score: swe(m) / 100,
        quality: swe(m) / 100,
        blendedPricePerMtok: m.price,
        latencyMs: lookup(m.model)?.liveTtftMs ?? this.priors.get(m.model)?.ttft_ms ?? 0,
        latencySource: lookup(m.model)?.liveTtftMs !== undefined ? 'live' : 'prior',
        tier: m.tier,
      }));
    const base = { router: `router:code:${mode}`, mode, task, candidates };
    if (!picked) {
      const fallback = this.config.defaults[mode]!;
      return { ...base, selectedModel: fallback, reasoning: `${why}; no candidate is servable right now, so the mode's default ${fallback} is used.`, usedDefault: true, tier };
    }
    const scores = [picked.sweBench !== undefined ? `SWE-bench Verified ${picked.sweBench}%` : '', picked.humaneval !== undefined ? `HumanEval ${picked.humaneval}%` : ''].filter(Boolean).join(', ');
    return {
      ...base,
      selectedModel: picked.model,
      reasoning: `${why}: ${picked.model} (tier ${picked.tier}; ${scores}; ${dollarsPerMtok(picked.price)}/M tokens blended).`,
      usedDefault: false,
      tier: picked.tier,
    };
  }
}
