import type { JsonToolContext } from '../common/json-emulation';
import type { AdapterHooks } from '../contract';
import type { HttpChatTranslator } from '../http-chat';
import { buildMessagesRequest } from './chat.request';
import { extractAnthropicError, parseMessagesResponse } from './chat.response';
import { AnthropicStreamTranslator } from './chat.stream';

export { ANTHROPIC_DROPPED, toAnthropicMessages } from './chat.request';
export { normalizeAnthropicUsage } from './chat.response';

export const anthropicTranslator: HttpChatTranslator<JsonToolContext> = {
  buildRequest: buildMessagesRequest,
  parseResponse: parseMessagesResponse,
  createStreamTranslator: (provider: string, hooks: AdapterHooks, context) => new AnthropicStreamTranslator(provider, hooks, context),
  extractError: extractAnthropicError,
};
