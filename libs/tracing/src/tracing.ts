import {
  context,
  propagation,
  trace,
  SpanKind,
  SpanStatusCode,
  type Context,
  type Span,
  type TextMapGetter,
  type TextMapSetter,
  type Tracer,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import type { SpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';

export { SpanKind, SpanStatusCode, context, trace };
export type { Context, Span, Tracer };

let initialized = false;
let provider: TracerProvider | undefined;

export interface TracingOptions {
  service: string;
  /** OTLP/HTTP traces endpoint (e.g. http://tempo:4318/v1/traces). Without it spans are not exported. */
  otlpEndpoint?: string;
  /** Extra processors (tests use an in-memory exporter). */
  processors?: SpanProcessor[];
}

/**
 * Context propagation is always on (W3C traceparent carried across HTTP, gRPC and NATS, so a
 * trace started by a client or a collector-side proxy continues through the mesh). Spans are
 * recorded and exported only when an OTLP endpoint (or a processor) is configured; otherwise
 * the API's no-op tracer keeps the hot path free.
 */
export function initTracing(options: TracingOptions): void {
  if (initialized) return;
  initialized = true;
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  const processors: SpanProcessor[] = [...(options.processors ?? [])];
  if (!options.otlpEndpoint && processors.length === 0) return;
  // The SDK and the exporter load only when spans are recorded: they cost memory and start-up.
  const sdk = require('@opentelemetry/sdk-trace') as typeof import('@opentelemetry/sdk-trace');
  const { resourceFromAttributes } = require('@opentelemetry/resources') as typeof import('@opentelemetry/resources');
  if (options.otlpEndpoint) {
    const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-http') as typeof import('@opentelemetry/exporter-trace-otlp-http');
    processors.push(new sdk.BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url: options.otlpEndpoint }) }));
  }
  provider = new sdk.TracerProvider({
    resource: resourceFromAttributes({ 'service.name': options.service }),
    spanProcessors: processors,
  });
  trace.setGlobalTracerProvider(provider);
}

export async function shutdownTracing(): Promise<void> {
  await provider?.shutdown();
}

export function tracer(name = 'gatewayz'): Tracer {
  return trace.getTracer(name);
}

/** Carrier helpers for any string map (gRPC metadata, NATS headers, HTTP headers). */
export interface Carrier {
  get(key: string): string | undefined;
  set(key: string, value: string): void;
  keys(): string[];
}

const getter: TextMapGetter<Carrier> = {
  get: (carrier, key) => carrier.get(key),
  keys: (carrier) => carrier.keys(),
};
const setter: TextMapSetter<Carrier> = {
  set: (carrier, key, value) => carrier.set(key, value),
};

export function injectContext(carrier: Carrier, ctx: Context = context.active()): void {
  propagation.inject(ctx, carrier, setter);
}

export function extractContext(carrier: Carrier, ctx: Context = context.active()): Context {
  return propagation.extract(ctx, carrier, getter);
}

/** Runs fn inside a span, recording an exception and error status if it throws. */
export async function withSpan<T>(
  name: string,
  options: { kind?: SpanKind; attributes?: Record<string, string | number | boolean>; parent?: Context },
  fn: (span: Span) => Promise<T>,
): Promise<T> {
  const parent = options.parent ?? context.active();
  const span = tracer().startSpan(name, { kind: options.kind, attributes: options.attributes }, parent);
  try {
    return await context.with(trace.setSpan(parent, span), () => fn(span));
  } catch (err) {
    span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : 'error' });
    throw err;
  } finally {
    span.end();
  }
}
