import { ProviderError } from '@gatewayz/errors';
import type { AdapterHooks, ChatCall } from '../contract';
import { buildGeminiBody, extractGeminiError, GeminiStreamTranslator, parseGenerateContentResponse } from '../gemini';
import type { HttpChatTranslator, RequestSigner } from '../http-chat';
import type { HttpTransport } from '../transport/http';
import { VERTEX_DEFAULT_LOCATION, vertexUrl } from './api';
import { GoogleTokenSource } from './oauth';
import { GOOGLE_TOKEN_URL, ServiceAccounts } from './service-account';

export { GoogleTokenSource } from './oauth';
export { ServiceAccounts, type ServiceAccount } from './service-account';

/**
 * Vertex AI: the Gemini translation (gemini/), Vertex's regional URL with the project, and an
 * OAuth bearer token from a service account (oauth.ts) added by the signer.
 */
export function vertexTranslator(accounts: ServiceAccounts): HttpChatTranslator {
  return {
    buildRequest: (call: ChatCall) => {
      const settings = call.credentials.settings ?? {};
      const project = settings.project ?? accounts.get(call.target.provider, settings).project_id;
      if (!project) {
        throw new ProviderError({ provider: call.target.provider, upstreamStatus: 0, code: 'provider_misconfigured', message: `Provider ${call.target.provider} is misconfigured: set VERTEX_PROJECT.`, status: 502 });
      }
      return {
        url: vertexUrl({ baseUrl: call.credentials.baseUrl, project, location: settings.location ?? VERTEX_DEFAULT_LOCATION, model: call.target.nativeModel, stream: call.stream }),
        headers: { 'content-type': 'application/json', accept: call.stream ? 'text/event-stream' : 'application/json' },
        body: buildGeminiBody(call, 'vertex'),
      };
    },
    parseResponse: parseGenerateContentResponse,
    createStreamTranslator: (provider: string, hooks: AdapterHooks) => new GeminiStreamTranslator(provider, hooks),
    extractError: extractGeminiError,
  };
}

export function vertexSigner(accounts: ServiceAccounts, transport: HttpTransport): RequestSigner {
  const tokens = new GoogleTokenSource(transport);
  return {
    async sign(_request, call) {
      const settings = call.credentials.settings ?? {};
      const account = accounts.get(call.target.provider, settings);
      const token = await tokens.token({
        provider: call.target.provider,
        account,
        tokenUrl: settings.tokenUrl ?? account.token_uri ?? GOOGLE_TOKEN_URL,
        signal: call.signal,
      });
      return { authorization: `Bearer ${token}` };
    },
  };
}
