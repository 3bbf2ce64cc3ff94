import { create } from '@bufbuild/protobuf';
import { AuthorizeOutcome, AuthorizeResponseSchema, ResolveResponseSchema, type AuthorizeRequest, type BillingService } from '@gatewayz/proto';
import type { ServiceClient } from '@gatewayz/rpc';
import type { ChatCompletionRequest } from '@gatewayz/wire';
import { authorizeInference, chatEstimate, estimateChatPromptTokens } from './billing-gate';

const price = (p: bigint, c: bigint) => ({ promptPerMtok: p, completionPerMtok: c, cacheReadPerMtok: p, cacheWritePerMtok: p, perRequest: 0n, perImage: 0n });
const resolved = (model: string, prices: ReturnType<typeof price>[], maxOutputTokens = 1_000) =>
  create(ResolveResponseSchema, { model: { id: model, maxOutputTokens }, chain: prices.map((p, i) => ({ provider: `p${i}`, nativeModel: model, price: p })) });

/** A billing client that records Authorize calls and answers `outcome`. */
function billing(outcome = AuthorizeOutcome.RESERVED, availableMicros = 1_234_567n) {
  const calls: AuthorizeRequest[] = [];
  const client = {
    authorize: async (req: AuthorizeRequest) => {
      calls.push(req);
      return create(AuthorizeResponseSchema, { outcome, reservedMicros: 10n, availableMicros });
    },
  } as unknown as ServiceClient<typeof BillingService>;
  return { client, calls };
}

const user = { userId: '6f1c8a36-1d1e-4f5e-9a59-5d0f8f9b2c11', keyId: 'k', role: 'user' as const, scopes: [], anonymous: false };
const anonymous = { userId: '', keyId: '', role: 'user' as const, scopes: [], anonymous: true };
const estimate = { promptTokens: 10, maxOutputTokens: 10 };

describe('authorizeInference (the edge side of Authorize)', () => {
  it('reserves through billing and returns X-Credits-Remaining in credits', async () => {
    const b = billing();
    const headers = await authorizeInference(b.client, { requestId: 'r1', auth: user, resolved: resolved('openai/gpt-4o', [price(1n, 1n)]), estimate }, 1_000);
    expect(headers).toEqual({ 'X-Credits-Remaining': '123.4567' });
    expect(b.calls[0]).toMatchObject({ requestId: 'r1', userId: user.userId, model: 'openai/gpt-4o', promptTokens: 10, maxOutputTokens: 10 });
    expect(b.calls[0]!.routes).toHaveLength(1);
  });

  it('a request id already reserved is a 409, never a second upstream call', async () => {
    const b = billing(AuthorizeOutcome.DUPLICATE);
    await expect(authorizeInference(b.client, { requestId: 'r1', auth: user, resolved: resolved('sim/echo', [price(1n, 1n)]), estimate }, 1_000)).rejects.toMatchObject({
      status: 409,
      code: 'duplicate_request_id',
    });
  });

  it('anonymous callers reach free models without a reservation, and nothing else', async () => {
    const b = billing();
    expect(await authorizeInference(b.client, { requestId: 'r', auth: anonymous, resolved: resolved('meta/llama:free', [price(0n, 0n)]), estimate }, 1_000)).toEqual({});
    await expect(authorizeInference(b.client, { requestId: 'r', auth: anonymous, resolved: resolved('sim/echo', [price(1n, 1n)]), estimate }, 1_000)).rejects.toMatchObject({
      status: 401,
      code: 'api_key_required',
    });
    expect(b.calls).toHaveLength(0);
  });

  it('the pricing guard fires before billing is asked, for everyone', async () => {
    const b = billing();
    for (const auth of [user, anonymous]) {
      await expect(authorizeInference(b.client, { requestId: 'r', auth, resolved: resolved('anthropic/claude-sonnet-4', [price(0n, 0n)]), estimate }, 1_000)).rejects.toMatchObject({
        status: 400,
        code: 'model_pricing_unavailable',
      });
    }
    expect(b.calls).toHaveLength(0);
  });
});

describe('chat estimate', () => {
  const request = (o: Partial<ChatCompletionRequest>): ChatCompletionRequest => ({ model: 'm', messages: [{ role: 'user', content: 'x'.repeat(40) }], ...o }) as ChatCompletionRequest;

  it('counts 4 characters per token, message overhead included', () => {
    expect(estimateChatPromptTokens(request({}))).toBe(11);
  });

  it('counts text parts, a flat allowance per image, and tool definitions', () => {
    const withParts = request({ messages: [{ role: 'user', content: [{ type: 'text', text: 'abcd' }, { type: 'image_url', image_url: { url: 'data:,' } }] }] } as Partial<ChatCompletionRequest>);
    expect(estimateChatPromptTokens(withParts)).toBe(Math.ceil((4 + 4 + 4_000) / 4));
    const tools = [{ type: 'function' as const, function: { name: 'f', parameters: {} } }];
    expect(estimateChatPromptTokens(request({ tools } as Partial<ChatCompletionRequest>))).toBeGreaterThan(11);
  });

  it('bounds the output by max_tokens capped to the model, or the model limit', () => {
    const r = resolved('m', [price(1n, 1n)], 500);
    expect(chatEstimate(request({ max_tokens: 100 }), r).maxOutputTokens).toBe(100);
    expect(chatEstimate(request({ max_completion_tokens: 9_999 }), r).maxOutputTokens).toBe(500);
    expect(chatEstimate(request({}), r).maxOutputTokens).toBe(500);
  });
});
