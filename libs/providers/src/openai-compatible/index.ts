import type { AdapterHooks } from '../contract';
import type { HttpChatTranslator } from '../http-chat';
import { buildChatRequest } from './chat.request';
import { extractOpenAIError, parseChatResponse } from './chat.response';
import { OpenAIStreamTranslator } from './chat.stream';

export { OPENAI_COMPATIBLE, specFor } from './providers';
export { normalizeOpenAIUsage } from './chat.response';

export const openAICompatibleTranslator: HttpChatTranslator = {
  buildRequest: buildChatRequest,
  parseResponse: parseChatResponse,
  createStreamTranslator: (provider: string, hooks: AdapterHooks) => new OpenAIStreamTranslator(provider, hooks),
  extractError: extractOpenAIError,
};
