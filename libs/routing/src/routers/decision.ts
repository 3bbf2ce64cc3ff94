/** A router's choice and why (proto RouterDecision / RouterCandidate). */
export interface RouterCandidateFields {
  model: string;
  score: number;
  quality: number;
  blendedPricePerMtok: bigint;
  latencyMs: number;
  latencySource: 'live' | 'prior';
  tier: number;
}

export interface RouterDecisionFields {
  router: string;
  mode: string;
  selectedModel: string;
  task: string;
  reasoning: string;
  candidates: RouterCandidateFields[];
  usedDefault: boolean;
  tier: number;
}

/** What routing knows about a candidate model right now; undefined: not servable. */
export interface CandidateInfo {
  /** Blended price of the provider its chain starts with (micro-dollars per Mtok). */
  blendedPricePerMtok: bigint;
  /** Live p50 time to first token of its fastest measured provider. */
  liveTtftMs: number | undefined;
}

export type CandidateLookup = (model: string) => CandidateInfo | undefined;

export const round3 = (n: number) => Math.round(n * 1000) / 1000;

/** Dollars per million tokens for explanations: 2_500_000n → "$2.50". */
export function dollarsPerMtok(micros: bigint): string {
  return `$${(Number(micros) / 1_000_000).toFixed(micros < 100_000n ? 3 : 2)}`;
}
