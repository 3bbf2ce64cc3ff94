import type { AdapterHooks } from '../contract';
import type { HttpChatTranslator } from '../http-chat';
import { geminiHeaders, generateContentUrl } from './api';
import { buildGeminiBody } from './chat.request';
import { extractGeminiError, parseGenerateContentResponse } from './chat.response';
import { GeminiStreamTranslator } from './chat.stream';

export { buildGeminiBody, toGeminiContents, type GeminiVariant } from './chat.request';
export { extractGeminiError, normalizeGeminiUsage, parseGenerateContentResponse } from './chat.response';
export { GeminiStreamTranslator } from './chat.stream';
export { toGeminiSchema } from './schema';

/** Google AI Studio (generativelanguage.googleapis.com): API key in x-goog-api-key. */
export const geminiTranslator: HttpChatTranslator = {
  buildRequest: (call) => ({
    url: generateContentUrl(call.credentials.baseUrl, call.target.nativeModel, call.stream),
    headers: geminiHeaders(call),
    body: buildGeminiBody(call, 'gemini'),
  }),
  parseResponse: parseGenerateContentResponse,
  createStreamTranslator: (provider: string, hooks: AdapterHooks) => new GeminiStreamTranslator(provider, hooks),
  extractError: extractGeminiError,
};
