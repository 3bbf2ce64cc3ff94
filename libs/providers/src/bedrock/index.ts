import type { JsonToolContext } from '../common/json-emulation';
import type { AdapterHooks } from '../contract';
import type { HttpChatTranslator } from '../http-chat';
import { converseHeaders, converseUrl } from './api';
import { buildConverseBody } from './chat.request';
import { extractBedrockError, parseConverseResponse } from './chat.response';
import { BedrockStreamTranslator } from './chat.stream';
import { EventStreamDecoder } from './event-stream';

export { bedrockSigner } from './signer';
export { EventStreamDecoder } from './event-stream';
export { buildConverseBody } from './chat.request';
export { BedrockStreamTranslator } from './chat.stream';

/** AWS Bedrock Converse / ConverseStream (event-stream framing); auth by bedrockSigner. */
export const bedrockTranslator: HttpChatTranslator<JsonToolContext> = {
  buildRequest: (call) => {
    const { body, context } = buildConverseBody(call);
    return { url: converseUrl(call), headers: converseHeaders(call), body, context };
  },
  parseResponse: parseConverseResponse,
  createStreamTranslator: (provider: string, hooks: AdapterHooks, context) => new BedrockStreamTranslator(provider, hooks, context),
  extractError: extractBedrockError,
  createFrameDecoder: () => new EventStreamDecoder(),
};
