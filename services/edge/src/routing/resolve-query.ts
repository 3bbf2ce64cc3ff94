import { createHash } from 'node:crypto';
import type { MessageInitShape } from '@bufbuild/protobuf';
import { dollarsToMicros } from '@gatewayz/catalog';
import { ProviderSort, type ProviderPreferencesSchema, type ResolveRequestSchema } from '@gatewayz/proto';
import { isRouterModel, routerInputFrom } from '@gatewayz/routing';
import type { ChatCompletionRequest, ProviderPreferencesInput } from '@gatewayz/wire';

type ResolveRequestInit = MessageInitShape<typeof ResolveRequestSchema>;

/** A Resolve request and the key its answer is cached under (everything the answer depends on). */
export interface ResolveQuery {
  request: ResolveRequestInit;
  key: string;
}

/** Parameters that are the request itself, not options a provider may fail to honour. */
const CORE = new Set(['model', 'messages', 'stream', 'stream_options', 'provider', 'models', 'user', 'max_tokens', 'max_completion_tokens']);

const SORT = { price: ProviderSort.PRICE, latency: ProviderSort.LATENCY, throughput: ProviderSort.THROUGHPUT } as const;

function micros(value: number | string | undefined): bigint | undefined {
  if (value === undefined) return undefined;
  return dollarsToMicros(typeof value === 'number' ? value.toFixed(6) : value);
}

export function preferencesToProto(p: ProviderPreferencesInput): MessageInitShape<typeof ProviderPreferencesSchema> {
  const m = p.max_price;
  return {
    order: p.order ?? [],
    only: p.only ?? [],
    ignore: p.ignore ?? [],
    allowFallbacks: p.allow_fallbacks,
    sort: p.sort ? SORT[p.sort] : ProviderSort.UNSPECIFIED,
    maxPrice: m ? { promptPerMtok: micros(m.prompt), completionPerMtok: micros(m.completion), perRequest: micros(m.request), perImage: micros(m.image) } : undefined,
    requireParameters: p.require_parameters ?? false,
  };
}

/**
 * What to ask routing for a chat request. Only a router model ("router:*") sends a prompt
 * extract, and its key carries a digest of it: a router's answer depends on the prompt, so it is
 * never cached by model name alone. Per-request draws (traffic splits) happen after the cache.
 */
export function resolveQueryFor(request: ChatCompletionRequest): ResolveQuery {
  const router = isRouterModel(request.model) ? routerInputFrom(request) : undefined;
  const prefs = request.provider;
  const parameters = prefs?.require_parameters
    ? Object.keys(request)
        .filter((k) => !CORE.has(k) && (request as Record<string, unknown>)[k] !== null && (request as Record<string, unknown>)[k] !== undefined)
        .sort()
    : [];
  const init: ResolveRequestInit = {
    model: request.model,
    provider: prefs ? preferencesToProto(prefs) : undefined,
    fallbackModels: request.models ?? [],
    routerInput: router,
    parameters,
  };
  const parts = [request.model.trim().toLowerCase()];
  if (prefs) parts.push(JSON.stringify(prefs));
  if (request.models?.length) parts.push(request.models.join(','));
  if (parameters.length) parts.push(parameters.join(','));
  if (router) parts.push(createHash('sha1').update(JSON.stringify(router)).digest('base64'));
  return { request: init, key: parts.join('\u0000') };
}

/** A plain model lookup (media endpoints): no preferences, no router. */
export function modelQuery(model: string): ResolveQuery {
  return { request: { model }, key: model.trim().toLowerCase() };
}

/** The same query for a user holding their own keys for `providers` (BYOK). */
export function withByok(query: ResolveQuery, providers: readonly string[]): ResolveQuery {
  if (providers.length === 0) return query;
  const sorted = [...providers].sort();
  return { request: { ...query.request, byokProviders: sorted }, key: `${query.key}\u0000byok:${sorted.join(',')}` };
}
