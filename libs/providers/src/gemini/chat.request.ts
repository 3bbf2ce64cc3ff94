import type { ChatCompletionRequest, ChatMessage, ContentPart } from '@gatewayz/wire';
import { IN_EFFECT, THINKING_BUDGET, outputLimit, parseDataUrl, parseToolArguments, stopSequences, textOf, toolNamesById, unsupported } from '../common/params';
import type { ChatCall } from '../contract';
import { toGeminiSchema } from './schema';
import type { GeminiContent, GeminiGenerationConfig, GeminiPart, GeminiRequest } from './types';

/**
 * OpenAI chat request → Gemini generateContent body, shared by Google AI Studio and Vertex AI
 * (the `variant` differs only in what an image URL may be). Parameters without a Gemini
 * equivalent that cannot change the answer's meaning (logit_bias, user, store, metadata,
 * service_tier, parallel_tool_calls) are dropped, per docs/parameters.md.
 */
export type GeminiVariant = 'gemini' | 'vertex';

const MIME_BY_EXTENSION: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  heic: 'image/heic',
  pdf: 'application/pdf',
};

function mimeOfUrl(url: string): string {
  const ext = /\.([a-z0-9]+)(?:[?#].*)?$/i.exec(url)?.[1]?.toLowerCase();
  return (ext && MIME_BY_EXTENSION[ext]) ?? 'image/jpeg';
}

function mediaPart(url: string, ctx: { provider: string; variant: GeminiVariant; param: string }): GeminiPart {
  const data = parseDataUrl(url);
  if (data) return { inlineData: { mimeType: data.mediaType, data: data.data } };
  // Vertex fetches Cloud Storage and HTTP(S) URIs itself; the AI Studio API takes inline data.
  if (ctx.variant === 'vertex' && /^(gs|https?):\/\//i.test(url)) return { fileData: { mimeType: mimeOfUrl(url), fileUri: url } };
  throw unsupported(ctx.provider, ctx.param, 'Gemini (Google AI Studio) takes images as base64 data URLs (data:image/png;base64,...), not links.');
}

function userParts(content: string | ContentPart[], index: number, ctx: { provider: string; variant: GeminiVariant }): GeminiPart[] {
  if (typeof content === 'string') return [{ text: content }];
  return content.map((part, j): GeminiPart => {
    const param = `messages[${index}].content[${j}]`;
    switch (part.type) {
      case 'text':
        return { text: part.text };
      case 'image_url':
        return mediaPart(part.image_url.url, { ...ctx, param });
      case 'input_audio':
        return { inlineData: { mimeType: `audio/${part.input_audio.format}`, data: part.input_audio.data } };
      case 'file':
        if (part.file.file_data) return mediaPart(part.file.file_data, { ...ctx, param });
        throw unsupported(ctx.provider, param, 'Gemini takes files as base64 data (file.file_data), not by file_id.');
    }
  });
}

/** A tool result as the Struct Gemini expects: a JSON object as is, anything else under `result`. */
function toolResponse(content: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(content);
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
    return { result: v };
  } catch {
    return { result: content };
  }
}

export function toGeminiContents(messages: ChatMessage[], ctx: { provider: string; variant: GeminiVariant }): { system: string | undefined; contents: GeminiContent[] } {
  const system: string[] = [];
  const contents: GeminiContent[] = [];
  const names = toolNamesById(messages);
  const push = (role: GeminiContent['role'], parts: GeminiPart[]) => {
    const last = contents[contents.length - 1];
    if (last && last.role === role) last.parts.push(...parts);
    else if (parts.length > 0) contents.push({ role, parts });
  };
  messages.forEach((m, i) => {
    switch (m.role) {
      case 'system':
      case 'developer':
        system.push(textOf(m.content));
        break;
      case 'user':
        push('user', userParts(m.content, i, ctx));
        break;
      case 'assistant': {
        const parts: GeminiPart[] = [];
        const text = textOf(m.content);
        if (text) parts.push({ text });
        for (const tc of m.tool_calls ?? []) parts.push({ functionCall: { name: tc.function.name, args: parseToolArguments(tc.function.arguments) } });
        push('model', parts);
        break;
      }
      case 'tool': {
        const name = names.get(m.tool_call_id);
        if (!name) throw unsupported(ctx.provider, `messages[${i}].tool_call_id`, `No assistant tool call has the id '${m.tool_call_id}'; Gemini needs the function name of every tool result.`);
        push('user', [{ functionResponse: { name, response: toolResponse(textOf(m.content)) } }]);
        break;
      }
      case 'function':
        push('user', [{ functionResponse: { name: m.name, response: toolResponse(m.content ?? '') } }]);
        break;
    }
  });
  return { system: system.length > 0 ? system.join('\n\n') : undefined, contents };
}

function tools(request: ChatCompletionRequest, provider: string): Pick<GeminiRequest, 'tools' | 'toolConfig'> {
  if (!request.tools || request.tools.length === 0) return {};
  const functionDeclarations = request.tools.map((t, i) => {
    const params = t.function.parameters;
    const hasProperties = params && typeof params.properties === 'object' && params.properties !== null && Object.keys(params.properties).length > 0;
    return {
      name: t.function.name,
      ...(t.function.description ? { description: t.function.description } : {}),
      // Gemini rejects an OBJECT without properties: a function without arguments has no parameters.
      ...(hasProperties ? { parameters: toGeminiSchema(params, { provider, param: `tools[${i}].function.parameters` }) } : {}),
    };
  });
  const choice = request.tool_choice;
  const functionCallingConfig =
    choice === undefined || choice === 'auto'
      ? undefined
      : choice === 'none'
        ? { mode: 'NONE' as const }
        : choice === 'required'
          ? { mode: 'ANY' as const }
          : { mode: 'ANY' as const, allowedFunctionNames: [choice.function.name] };
  return { tools: [{ functionDeclarations }], ...(functionCallingConfig ? { toolConfig: { functionCallingConfig } } : {}) };
}

function generationConfig(call: ChatCall): GeminiGenerationConfig | undefined {
  const r = call.request;
  const provider = call.target.provider;
  const g: GeminiGenerationConfig = {};
  if (r.temperature !== undefined && r.temperature !== null) g.temperature = r.temperature;
  if (r.top_p !== undefined && r.top_p !== null) g.topP = r.top_p;
  const limit = outputLimit(r);
  if (limit !== undefined) g.maxOutputTokens = limit;
  const stop = stopSequences(r);
  if (stop) g.stopSequences = stop;
  if (IN_EFFECT.n(r)) g.candidateCount = r.n!;
  if (r.presence_penalty !== undefined && r.presence_penalty !== null) g.presencePenalty = r.presence_penalty;
  if (r.frequency_penalty !== undefined && r.frequency_penalty !== null) g.frequencyPenalty = r.frequency_penalty;
  if (IN_EFFECT.seed(r)) g.seed = r.seed!;
  if (r.response_format && r.response_format.type !== 'text') {
    // Gemini refuses function calling together with a JSON response type.
    if (IN_EFFECT.tools(r)) throw unsupported(provider, 'response_format', 'Gemini cannot combine tools with a JSON response_format.');
    g.responseMimeType = 'application/json';
    const schema = r.response_format.type === 'json_schema' ? r.response_format.json_schema.schema : undefined;
    const hasProperties = schema && typeof schema.properties === 'object' && schema.properties !== null && Object.keys(schema.properties).length > 0;
    if (schema && (hasProperties || schema.type !== 'object')) g.responseSchema = toGeminiSchema(schema, { provider, param: 'response_format' });
  }
  if (r.logprobs) {
    g.responseLogprobs = true;
    if (IN_EFFECT.top_logprobs(r)) g.logprobs = r.top_logprobs!;
  }
  if (r.reasoning_effort) g.thinkingConfig = { thinkingBudget: THINKING_BUDGET[r.reasoning_effort], includeThoughts: true };
  return Object.keys(g).length > 0 ? g : undefined;
}

export function buildGeminiBody(call: ChatCall, variant: GeminiVariant): GeminiRequest {
  const provider = call.target.provider;
  const { system, contents } = toGeminiContents(call.request.messages, { provider, variant });
  if (contents.length === 0) throw unsupported(provider, 'messages', 'At least one user or assistant message is required.');
  const body: GeminiRequest = { contents, ...tools(call.request, provider) };
  if (system !== undefined) body.systemInstruction = { parts: [{ text: system }] };
  const config = generationConfig(call);
  if (config) body.generationConfig = config;
  return body;
}
