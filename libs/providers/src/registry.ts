import { anthropicTranslator } from './anthropic';
import type { AdapterHooks, ProviderAdapter } from './contract';
import { httpChatAdapter } from './http-chat';
import { openAICompatibleTranslator } from './openai-compatible';
import { simAdapter, type SimOptions } from './sim';
import { HttpTransport, type TransportOptions } from './transport/http';

/** Adapters by family. Adding a family touches its folder and one line here. */
export function createAdapters(options: { transport: TransportOptions; sim: SimOptions; hooks: AdapterHooks }): {
  adapters: Map<string, ProviderAdapter>;
  transport: HttpTransport;
} {
  const transport = new HttpTransport(options.transport);
  const adapters = new Map<string, ProviderAdapter>([
    ['openai-compatible', httpChatAdapter('openai-compatible', openAICompatibleTranslator, transport, options.hooks)],
    ['anthropic', httpChatAdapter('anthropic', anthropicTranslator, transport, options.hooks)],
    ['sim', simAdapter(options.sim)],
  ]);
  return { adapters, transport };
}
