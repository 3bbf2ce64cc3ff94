import { ProviderError } from '@gatewayz/errors';
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import type { ChatCall } from '../contract';
import type { RequestSigner } from '../http-chat';
import { bedrockRegion } from './api';

/**
 * Bedrock request auth: a Bedrock API key (BEDROCK_API_KEY) as a bearer token, or AWS SigV4
 * (service "bedrock") with AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (/ AWS_SESSION_TOKEN),
 * computed by @smithy/signature-v4 over the exact bytes sent.
 */
export const bedrockSigner: RequestSigner = {
  async sign(request, call: ChatCall) {
    if (call.credentials.apiKey) return { authorization: `Bearer ${call.credentials.apiKey}` };
    const s = call.credentials.settings ?? {};
    if (!s.accessKeyId || !s.secretAccessKey) {
      throw new ProviderError({
        provider: call.target.provider,
        upstreamStatus: 0,
        code: 'provider_misconfigured',
        message: `Provider ${call.target.provider} is misconfigured: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or BEDROCK_API_KEY.`,
        status: 502,
      });
    }
    const url = new URL(request.url);
    const signer = new SignatureV4({
      service: 'bedrock',
      region: bedrockRegion(call),
      credentials: { accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey, ...(s.sessionToken ? { sessionToken: s.sessionToken } : {}) },
      sha256: Hash.bind(null, 'sha256'),
    });
    const signed = await signer.sign({
      method: 'POST',
      protocol: url.protocol,
      hostname: url.hostname,
      port: url.port ? Number(url.port) : undefined,
      // The path as sent (already percent-encoded); SigV4 encodes it once more for the canonical request.
      path: url.pathname,
      query: {},
      headers: { ...request.headers, host: url.host },
      body: request.body,
    });
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(signed.headers)) if (name !== 'host') headers[name] = String(value);
    return headers;
  },
};
