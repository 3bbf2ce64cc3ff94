import { openAICompatibleMediaAdapter } from '../openai-compatible/media';
import { simMediaAdapter } from '../sim/media';
import type { SimOptions } from '../sim/sim';
import type { HttpTransport } from '../transport/http';
import type { MediaAdapter } from './contract';

/**
 * Media adapters by family (the catalog's `adapter` of a provider). A family without media
 * endpoints (e.g. anthropic) is absent: its routes are skipped for media requests.
 */
export function createMediaAdapters(options: { transport: HttpTransport; sim: SimOptions }): Map<string, MediaAdapter> {
  return new Map<string, MediaAdapter>([
    ['openai-compatible', openAICompatibleMediaAdapter(options.transport)],
    ['sim', simMediaAdapter(options.sim)],
  ]);
}
