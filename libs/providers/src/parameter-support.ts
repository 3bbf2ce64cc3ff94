import { ANTHROPIC_DROPPED } from './anthropic/chat.request';
import { specFor } from './openai-compatible/providers';

/** Parameters Anthropic models refuse or cannot honour beyond those dropped silently. */
const ANTHROPIC_UNSUPPORTED = [...ANTHROPIC_DROPPED, 'n', 'logprobs', 'top_logprobs', 'response_format'] as const;

/** The built-in simulator echoes text (and forced tool calls): no format, logprobs or n. */
const SIM_UNSUPPORTED = ['response_format', 'logprobs', 'top_logprobs', 'logit_bias', 'n'] as const;

const cache = new Map<string, ReadonlySet<string>>();

/**
 * Top-level request parameters a provider does not honour (dropped or refused), from each
 * adapter's own tables: what `provider.require_parameters` filters chains on.
 */
export function unsupportedParameters(provider: string, adapter: string): ReadonlySet<string> {
  const key = `${adapter}\u0000${provider}`;
  let set = cache.get(key);
  if (!set) {
    if (adapter === 'anthropic') set = new Set(ANTHROPIC_UNSUPPORTED);
    else if (adapter === 'sim') set = new Set(SIM_UNSUPPORTED);
    else set = new Set(specFor(provider).exclude ?? []);
    cache.set(key, set);
  }
  return set;
}
