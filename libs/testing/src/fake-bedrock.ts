import { createHash } from 'node:crypto';
import { EventStreamCodec } from '@smithy/eventstream-codec';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';
import { FakeUpstream, lastUserText, wordCount, type Behavior, type WireFormat } from './fake-upstream';

type Reply = Extract<Behavior, { kind: 'reply' }>;

const codec = new EventStreamCodec(toUtf8, fromUtf8);
const str = (value: string) => ({ type: 'string' as const, value });

/** One event-stream message, framed exactly as AWS sends it (prelude, headers, payload, CRCs). */
export function eventFrame(eventType: string, payload: object): Uint8Array {
  return codec.encode({
    headers: { ':message-type': str('event'), ':event-type': str(eventType), ':content-type': str('application/json') },
    body: fromUtf8(JSON.stringify({ ...payload, p: 'abcdefghijklmnop' })),
  });
}

export function exceptionFrame(exceptionType: string, message: string): Uint8Array {
  return codec.encode({
    headers: { ':message-type': str('exception'), ':exception-type': str(exceptionType), ':content-type': str('application/json') },
    body: fromUtf8(JSON.stringify({ message })),
  });
}

function answer(body: Record<string, unknown>, b: Reply): string {
  return b.content ?? `Echo: ${lastUserText(body)}`;
}

function usage(body: Record<string, unknown>, b: Reply) {
  const u = b.usage ?? { prompt: Math.max(1, wordCount(lastUserText(body)) + 8), completion: Math.max(1, wordCount(answer(body, b))) };
  return { inputTokens: u.prompt, outputTokens: u.completion, totalTokens: u.prompt + u.completion + (u.cached ?? 0), cacheReadInputTokens: u.cached ?? 0, cacheWriteInputTokens: 0 };
}

const stopOf = (b: Reply) => (b.toolCalls ? 'tool_use' : b.finishReason === 'length' ? 'max_tokens' : 'end_turn');

const SIGV4 = /^AWS4-HMAC-SHA256 Credential=([A-Z0-9]+)\/(\d{8})\/([a-z0-9-]+)\/bedrock\/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/;

/**
 * The shape of a SigV4-signed Bedrock request: the Authorization header names the key, a date,
 * the region and the bedrock service, signs host and x-amz-date, and x-amz-content-sha256 is the
 * hash of the body actually received. (The signature itself needs the secret: not checked here.)
 */
export function checkSigV4(headers: Record<string, string | string[] | undefined>, rawBody: Buffer, expect: { accessKeyId: string; region: string }): string | undefined {
  const auth = String(headers.authorization ?? '');
  const m = SIGV4.exec(auth);
  if (!m) return `Authorization header is not SigV4: ${auth.slice(0, 40)}`;
  if (m[1] !== expect.accessKeyId) return 'unknown access key';
  if (m[3] !== expect.region) return `credential scope region ${m[3]} is not ${expect.region}`;
  const signed = m[4]!.split(';');
  if (!signed.includes('host') || !signed.includes('x-amz-date')) return 'host and x-amz-date must be signed';
  const date = String(headers['x-amz-date'] ?? '');
  if (!/^\d{8}T\d{6}Z$/.test(date) || date.slice(0, 8) !== m[2]) return 'x-amz-date is missing or does not match the credential scope';
  const hash = createHash('sha256').update(rawBody).digest('hex');
  if (headers['x-amz-content-sha256'] !== hash) return 'x-amz-content-sha256 does not match the body';
  return undefined;
}

/** Bedrock runtime Converse / ConverseStream (event-stream binary framing), behind SigV4. */
export function bedrockWireFormat(credentials: { accessKeyId: string; region: string }): WireFormat {
  return {
    path: '/model/{modelId}/converse',
    isStream: ({ path }) => path.endsWith('/converse-stream'),
    streamContentType: 'application/vnd.amazon.eventstream',
    authorize({ headers, rawBody }) {
      const problem = checkSigV4(headers, rawBody, credentials);
      return problem ? { status: 403, body: { message: `The request signature we calculated does not match the signature you provided (${problem}).` } } : undefined;
    },
    reply(body, b) {
      const content: object[] = [];
      if (b.reasoning) content.push({ reasoningContent: { reasoningText: { text: b.reasoning, signature: 'sig' } } });
      if (b.toolCalls) for (const t of b.toolCalls) content.push({ toolUse: { toolUseId: t.id, name: t.name, input: JSON.parse(t.arguments) as object } });
      else content.push({ text: answer(body, b) });
      return { output: { message: { role: 'assistant', content } }, stopReason: stopOf(b), usage: usage(body, b), metrics: { latencyMs: 12 } };
    },
    streamEvents(body, b) {
      const content: Uint8Array[] = [eventFrame('messageStart', { role: 'assistant' })];
      let block = 0;
      if (b.reasoning) content.push(eventFrame('contentBlockDelta', { contentBlockIndex: block++, delta: { reasoningContent: { text: b.reasoning } } }));
      if (b.toolCalls) {
        for (const t of b.toolCalls) {
          content.push(eventFrame('contentBlockStart', { contentBlockIndex: block, start: { toolUse: { toolUseId: t.id, name: t.name } } }));
          const half = Math.ceil(t.arguments.length / 2);
          for (const part of [t.arguments.slice(0, half), t.arguments.slice(half)]) content.push(eventFrame('contentBlockDelta', { contentBlockIndex: block, delta: { toolUse: { input: part } } }));
          content.push(eventFrame('contentBlockStop', { contentBlockIndex: block++ }));
        }
      } else {
        for (const word of answer(body, b).split(/(?<= )/)) content.push(eventFrame('contentBlockDelta', { contentBlockIndex: block, delta: { text: word } }));
      }
      const tail = [
        ...(b.toolCalls ? [] : [eventFrame('contentBlockStop', { contentBlockIndex: block })]),
        eventFrame('messageStop', { stopReason: stopOf(b) }),
        eventFrame('metadata', { usage: usage(body, b), metrics: { latencyMs: 12 } }),
      ];
      return { content, tail };
    },
    streamError(message) {
      return exceptionFrame('modelStreamErrorException', message);
    },
    malformedEvent() {
      // A whole frame whose message CRC is wrong.
      const frame = Uint8Array.from(eventFrame('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'x' } }));
      frame[frame.length - 1] = frame[frame.length - 1]! ^ 0xff;
      return frame;
    },
    errorBody(_status, message) {
      return { message };
    },
  };
}

export function fakeBedrock(credentials: { accessKeyId: string; region: string }): Promise<FakeUpstream> {
  return new FakeUpstream(bedrockWireFormat(credentials)).start();
}
