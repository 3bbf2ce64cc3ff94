import type { AdapterHooks } from '../contract';
import type { HttpChatTranslator } from '../http-chat';
import { cohereChatUrl, cohereHeaders } from './api';
import { buildCohereBody } from './chat.request';
import { extractCohereError, parseCohereResponse } from './chat.response';
import { CohereStreamTranslator } from './chat.stream';

export { buildCohereBody } from './chat.request';
export { normalizeCohereUsage } from './chat.response';

/** Cohere v2 chat (api.cohere.com/v2/chat). */
export const cohereTranslator: HttpChatTranslator = {
  buildRequest: (call) => ({ url: cohereChatUrl(call.credentials.baseUrl), headers: cohereHeaders(call), body: buildCohereBody(call) }),
  parseResponse: parseCohereResponse,
  createStreamTranslator: (provider: string, hooks: AdapterHooks) => new CohereStreamTranslator(provider, hooks),
  extractError: extractCohereError,
};
