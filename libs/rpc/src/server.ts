import { once } from 'node:events';
import { randomUUID } from 'node:crypto';
import { create, fromBinary, toBinary, type DescMessage, type DescMethod, type DescService } from '@bufbuild/protobuf';
import {
  Server,
  ServerCredentials,
  status as GrpcStatus,
  type ServerUnaryCall,
  type ServerWritableStream,
  type ServiceDefinition,
  type sendUnaryData,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { toGatewayError } from '@gatewayz/errors';
import { runWithRequestContext, type Logger } from '@gatewayz/logger';
import type { rpcMetrics } from '@gatewayz/metrics';
import { context as otelContext, extractContext } from '@gatewayz/tracing';
import { REQUEST_ID_KEY, metadataCarrier, type CallContext } from './context';
import type { ServiceImpl } from './service-types';
import { toStatusObject } from './status-mapping';

export const CHANNEL_OPTIONS = {
  // channelz bookkeeping costs CPU on every call and nobody reads it here.
  'grpc.enable_channelz': 0,
  'grpc.max_receive_message_length': 32 * 1024 * 1024,
  'grpc.max_send_message_length': 32 * 1024 * 1024,
  'grpc.keepalive_time_ms': 30_000,
  'grpc.keepalive_timeout_ms': 10_000,
} as const;

export interface RpcServerOptions {
  logger: Logger;
  metrics?: ReturnType<typeof rpcMetrics>;
}

function serializer(schema: DescMessage) {
  return (message: unknown) => Buffer.from(toBinary(schema, create(schema, message as never)));
}

function deserializer(schema: DescMessage) {
  return (bytes: Buffer) => fromBinary(schema, bytes);
}

export function definitionFor(service: DescService): ServiceDefinition {
  const definition: Record<string, ServiceDefinition[string]> = {};
  for (const method of service.methods) {
    definition[method.localName] = {
      path: `/${service.typeName}/${method.name}`,
      requestStream: method.methodKind === 'client_streaming' || method.methodKind === 'bidi_streaming',
      responseStream: method.methodKind === 'server_streaming' || method.methodKind === 'bidi_streaming',
      requestSerialize: serializer(method.input),
      requestDeserialize: deserializer(method.input),
      responseSerialize: serializer(method.output),
      responseDeserialize: deserializer(method.output),
      originalName: method.name,
    };
  }
  return definition;
}

type AnyCall = ServerUnaryCall<unknown, unknown> | ServerWritableStream<unknown, unknown>;

function callContext(call: AnyCall): { ctx: CallContext; cleanup: () => void } {
  const controller = new AbortController();
  const deadlineValue = call.getDeadline();
  const deadline = deadlineValue instanceof Date ? deadlineValue.getTime() : Number(deadlineValue);
  const onCancel = () => controller.abort(new Error('cancelled'));
  call.once('cancelled', onCancel);
  let timer: NodeJS.Timeout | undefined;
  if (Number.isFinite(deadline)) {
    timer = setTimeout(() => controller.abort(new Error('deadline exceeded')), Math.max(0, deadline - Date.now()));
  }
  const requestId = (call.metadata.get(REQUEST_ID_KEY)[0] as string | undefined) ?? randomUUID();
  return {
    ctx: {
      requestId,
      signal: controller.signal,
      deadline: Number.isFinite(deadline) ? deadline : Infinity,
      metadata: call.metadata,
    },
    cleanup: () => {
      if (timer) clearTimeout(timer);
      call.removeListener('cancelled', onCancel);
    },
  };
}

function wrapUnary(method: DescMethod, handler: (req: unknown, ctx: CallContext) => Promise<unknown>, options: RpcServerOptions) {
  const name = method.name;
  return (call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<unknown>) => {
    const started = performance.now();
    const { ctx, cleanup } = callContext(call);
    const parent = extractContext(metadataCarrier(call.metadata));
    otelContext.with(parent, () =>
      runWithRequestContext({ requestId: ctx.requestId }, () => {
        handler(call.request, ctx).then(
          (response) => {
            cleanup();
            options.metrics?.serverHandled.inc({ method: name, code: 'OK' });
            options.metrics?.serverDuration.observe({ method: name }, (performance.now() - started) / 1000);
            callback(null, response);
          },
          (err: unknown) => {
            cleanup();
            const gwErr = toGatewayError(err);
            if (gwErr.status >= 500) options.logger.error(`${name} failed`, { err, code: gwErr.code });
            const statusObject = toStatusObject(gwErr);
            options.metrics?.serverHandled.inc({ method: name, code: String(statusObject.code) });
            callback(statusObject);
          },
        );
      }),
    );
  };
}

function wrapServerStreaming(
  method: DescMethod,
  handler: (req: unknown, ctx: CallContext) => AsyncIterable<unknown>,
  options: RpcServerOptions,
) {
  const name = method.name;
  return (call: ServerWritableStream<unknown, unknown>) => {
    const started = performance.now();
    const { ctx, cleanup } = callContext(call);
    const parent = extractContext(metadataCarrier(call.metadata));
    const run = async () => {
      for await (const message of handler(call.request, ctx)) {
        if (call.cancelled) return;
        if (!call.write(message)) await once(call, 'drain', { signal: ctx.signal });
      }
      call.end();
    };
    otelContext.with(parent, () =>
      runWithRequestContext({ requestId: ctx.requestId }, () => {
        run().then(
          () => {
            cleanup();
            options.metrics?.serverHandled.inc({ method: name, code: call.cancelled ? 'CANCELLED' : 'OK' });
            options.metrics?.serverDuration.observe({ method: name }, (performance.now() - started) / 1000);
          },
          (err: unknown) => {
            cleanup();
            if (call.cancelled) {
              options.metrics?.serverHandled.inc({ method: name, code: 'CANCELLED' });
              return;
            }
            const gwErr = toGatewayError(err);
            if (gwErr.status >= 500 && gwErr.code === 'internal_error') options.logger.error(`${name} failed`, { err });
            const statusObject = toStatusObject(gwErr);
            options.metrics?.serverHandled.inc({ method: name, code: String(statusObject.code) });
            call.emit('error', statusObject);
          },
        );
      }),
    );
  };
}

/** Registers a protobuf-es service implementation on a grpc-js server. */
export function addService<S extends DescService>(server: Server, service: S, impl: ServiceImpl<S>, options: RpcServerOptions): void {
  const handlers: UntypedServiceImplementation = {};
  const implementation = impl as unknown as Record<string, (req: unknown, ctx: CallContext) => unknown>;
  for (const method of service.methods) {
    const handler = implementation[method.localName];
    if (!handler) throw new Error(`${service.typeName}.${method.name} is not implemented`);
    if (method.methodKind === 'unary') {
      handlers[method.localName] = wrapUnary(method, handler as never, options);
    } else if (method.methodKind === 'server_streaming') {
      handlers[method.localName] = wrapServerStreaming(method, handler as never, options);
    } else {
      throw new Error(`${method.methodKind} methods are not supported (${service.typeName}.${method.name})`);
    }
  }
  server.addService(definitionFor(service), handlers);
}

export interface RunningServer {
  server: Server;
  port: number;
  /** Graceful: waits for in-flight calls up to `graceMs`, then forces. */
  close(graceMs?: number): Promise<void>;
}

export function createServer(): Server {
  return new Server(CHANNEL_OPTIONS);
}

export function listen(server: Server, address: string): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    server.bindAsync(address, ServerCredentials.createInsecure(), (err, port) => {
      if (err) {
        reject(err);
        return;
      }
      resolve({
        server,
        port,
        close: (graceMs = 5000) =>
          new Promise<void>((done) => {
            const force = setTimeout(() => {
              server.forceShutdown();
              done();
            }, graceMs);
            server.tryShutdown(() => {
              clearTimeout(force);
              done();
            });
          }),
      });
    });
  });
}

export { GrpcStatus };
