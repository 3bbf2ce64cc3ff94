import { setTimeout as sleep } from 'node:timers/promises';
import { createHash } from 'node:crypto';
import { ProviderError } from '@gatewayz/errors';
import type { ChatCompletionRequest } from '@gatewayz/wire';
import type { AdapterEvent, ChatCall, ChoiceDeltaInit, NormalizedUsage, ProviderAdapter } from '../contract';

/**
 * The built-in simulated provider: deterministic answers, chunked like a real stream, with
 * usage. Served models: "echo" (repeats the last user message) and "lorem" (deterministic
 * lorem ipsum, seeded by the prompt). Needs no key and no network, so a fresh `npm start`
 * answers offline. Tokens are counted as words here (1 word = 1 token).
 */
export interface SimOptions {
  /** Delay before the first chunk. */
  firstTokenMs: number;
  /** Delay between chunks. */
  interChunkMs: number;
}

const LOREM = (
  'lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore et dolore magna ' +
  'aliqua ut enim ad minim veniam quis nostrud exercitation ullamco laboris nisi ut aliquip ex ea commodo consequat ' +
  'duis aute irure dolor in reprehenderit in voluptate velit esse cillum dolore eu fugiat nulla pariatur excepteur sint ' +
  'occaecat cupidatat non proident sunt in culpa qui officia deserunt mollit anim id est laborum'
).split(' ');

function messageText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content
      .map((p: { type?: string; text?: string }) => (p.type === 'text' ? (p.text ?? '') : p.type === 'image_url' ? '[image]' : ''))
      .join(' ');
  }
  return '';
}

function promptTokens(request: ChatCompletionRequest): number {
  let chars = 0;
  for (const m of request.messages) chars += messageText((m as { content?: unknown }).content).length + 4;
  for (const t of request.tools ?? []) chars += JSON.stringify(t).length;
  return Math.max(1, Math.ceil(chars / 4));
}

function answerWords(model: string, request: ChatCompletionRequest): string[] {
  if (model === 'lorem') {
    const seed = createHash('sha256').update(JSON.stringify(request.messages)).digest();
    const count = 24 + (seed[0]! % 40);
    return Array.from({ length: count }, (_, i) => LOREM[(seed[i % seed.length]! + i) % LOREM.length]!);
  }
  const lastUser = [...request.messages].reverse().find((m) => m.role === 'user');
  const text = lastUser ? messageText(lastUser.content).trim() : '';
  return (text || '(empty message)').split(/\s+/);
}

interface Plan {
  pieces: string[];
  finishReason: string;
  toolCall: { name: string; arguments: string } | undefined;
}

function plan(model: string, request: ChatCompletionRequest): Plan {
  const tools = request.tools ?? [];
  const choice = request.tool_choice;
  if (tools.length > 0 && (choice === 'required' || (typeof choice === 'object' && choice !== null))) {
    const name = typeof choice === 'object' ? choice.function.name : tools[0]!.function.name;
    return { pieces: [], finishReason: 'tool_calls', toolCall: { name, arguments: '{}' } };
  }
  let words = answerWords(model, request);
  let finishReason = 'stop';
  const limit = request.max_completion_tokens ?? request.max_tokens;
  if (limit !== undefined && limit !== null && words.length > limit) {
    words = words.slice(0, limit);
    finishReason = 'length';
  }
  let text = words.join(' ');
  const stops = request.stop === undefined || request.stop === null ? [] : typeof request.stop === 'string' ? [request.stop] : request.stop;
  for (const stop of stops) {
    const at = stop ? text.indexOf(stop) : -1;
    if (at !== -1) {
      text = text.slice(0, at);
      finishReason = 'stop';
    }
  }
  const pieces = text.split(/(?<= )/).filter((p) => p.length > 0);
  return { pieces, finishReason, toolCall: undefined };
}

function cancelled(): ProviderError {
  return new ProviderError({ provider: 'sim', upstreamStatus: 0, code: 'cancelled', message: 'The request was cancelled.', status: 499 });
}

export function simAdapter(options: SimOptions): ProviderAdapter {
  const wait = async (ms: number, signal: AbortSignal) => {
    if (signal.aborted) throw cancelled();
    if (ms <= 0) return;
    try {
      await sleep(ms, undefined, { signal });
    } catch {
      throw cancelled();
    }
  };
  return {
    kind: 'sim',
    async *chat(call: ChatCall): AsyncIterable<AdapterEvent> {
      const request = call.request;
      const model = call.target.nativeModel;
      if (model !== 'echo' && model !== 'lorem') {
        throw new ProviderError({ provider: 'sim', upstreamStatus: 404, code: 'upstream_error', message: `The simulator has no model '${model}'.`, status: 502 });
      }
      const n = request.n ?? 1;
      const p = plan(model, request);
      const completion = p.toolCall ? 4 : p.pieces.length;
      const usage: NormalizedUsage = {
        inputTokens: promptTokens(request),
        cacheReadTokens: 0,
        cacheWriteTokens: 0,
        outputTokens: completion * n,
        reasoningTokens: 0,
        estimated: false,
      };
      const meta = { id: `sim-${call.requestId}`, systemFingerprint: 'fp_sim' };
      const choices = (make: (index: number) => ChoiceDeltaInit) => Array.from({ length: n }, (_, i) => make(i));

      await wait(options.firstTokenMs, call.signal);
      if (!call.stream) {
        yield {
          type: 'chunk',
          chunk: {
            choices: choices((index) =>
              p.toolCall
                ? { index, role: 'assistant', toolCalls: [{ index: 0, id: `call_sim_${index}`, name: p.toolCall.name, arguments: p.toolCall.arguments }], finishReason: p.finishReason }
                : { index, role: 'assistant', content: p.pieces.join(''), finishReason: p.finishReason },
            ),
          },
        };
        yield { type: 'end', usage, meta };
        return;
      }
      yield { type: 'chunk', chunk: { choices: choices((index) => ({ index, role: 'assistant', content: '' })) } };
      if (p.toolCall) {
        const call0 = p.toolCall;
        yield { type: 'chunk', chunk: { choices: choices((index) => ({ index, toolCalls: [{ index: 0, id: `call_sim_${index}`, name: call0.name, arguments: '' }] })) } };
        await wait(options.interChunkMs, call.signal);
        yield { type: 'chunk', chunk: { choices: choices((index) => ({ index, toolCalls: [{ index: 0, arguments: call0.arguments }] })) } };
      }
      for (const piece of p.pieces) {
        await wait(options.interChunkMs, call.signal);
        yield { type: 'chunk', chunk: { choices: choices((index) => ({ index, content: piece })) } };
      }
      yield { type: 'chunk', chunk: { choices: choices((index) => ({ index, finishReason: p.finishReason })) } };
      yield { type: 'end', usage, meta };
    },
  };
}
