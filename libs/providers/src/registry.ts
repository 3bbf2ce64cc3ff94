import { anthropicTranslator } from './anthropic';
import { bedrockSigner, bedrockTranslator } from './bedrock';
import { cohereTranslator } from './cohere';
import type { AdapterHooks, ProviderAdapter } from './contract';
import { geminiTranslator } from './gemini';
import { httpChatAdapter } from './http-chat';
import { openAICompatibleTranslator } from './openai-compatible';
import { simAdapter, type SimOptions } from './sim';
import { HttpTransport, type TransportOptions } from './transport/http';
import { ServiceAccounts, vertexSigner, vertexTranslator } from './vertex';

/** Adapter families (the catalog's `adapter` of a provider). */
export const ADAPTER_FAMILIES = ['openai-compatible', 'anthropic', 'gemini', 'vertex', 'cohere', 'bedrock', 'sim'] as const;
export type AdapterFamily = (typeof ADAPTER_FAMILIES)[number];

/** Adapters by family. Adding a family touches its folder and one line here. */
export function createAdapters(options: { transport: TransportOptions; sim: SimOptions; hooks: AdapterHooks }): {
  adapters: Map<string, ProviderAdapter>;
  transport: HttpTransport;
} {
  const transport = new HttpTransport(options.transport);
  const { hooks } = options;
  const accounts = new ServiceAccounts();
  const entries: [AdapterFamily, ProviderAdapter][] = [
    ['openai-compatible', httpChatAdapter('openai-compatible', openAICompatibleTranslator, transport, hooks)],
    ['anthropic', httpChatAdapter('anthropic', anthropicTranslator, transport, hooks)],
    ['gemini', httpChatAdapter('gemini', geminiTranslator, transport, hooks)],
    ['vertex', httpChatAdapter('vertex', vertexTranslator(accounts), transport, hooks, { signer: vertexSigner(accounts, transport) })],
    ['cohere', httpChatAdapter('cohere', cohereTranslator, transport, hooks)],
    ['bedrock', httpChatAdapter('bedrock', bedrockTranslator, transport, hooks, { signer: bedrockSigner })],
    ['sim', simAdapter(options.sim)],
  ];
  return { adapters: new Map<string, ProviderAdapter>(entries), transport };
}
