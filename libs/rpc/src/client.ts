import { randomUUID } from 'node:crypto';
import { create, fromBinary, toBinary, type DescMessage, type DescService } from '@bufbuild/protobuf';
import { Client, Metadata, credentials, type ServiceError } from '@grpc/grpc-js';
import { currentRequestContext } from '@gatewayz/logger';
import { injectContext } from '@gatewayz/tracing';
import { REQUEST_ID_KEY, metadataCarrier } from './context';
import { CHANNEL_OPTIONS } from './server';
import type { CallOptions, ServiceClient } from './service-types';
import { fromServiceError } from './status-mapping';

export interface ClientOptions {
  /** Deadline applied to calls that set none. Every call has a deadline. */
  defaultTimeoutMs: number;
}

function callMetadata(options: CallOptions | undefined): Metadata {
  const md = new Metadata();
  md.set(REQUEST_ID_KEY, options?.requestId ?? currentRequestContext()?.requestId ?? randomUUID());
  injectContext(metadataCarrier(md));
  return md;
}

function deadlineOf(options: CallOptions | undefined, fallbackMs: number): number {
  if (options?.deadline !== undefined) return options.deadline;
  return Date.now() + (options?.timeoutMs ?? fallbackMs);
}

/** A typed client for a protobuf-es service over grpc-js. */
export function createClient<S extends DescService>(service: S, address: string, options: ClientOptions): ServiceClient<S> {
  const client = new Client(address, credentials.createInsecure(), CHANNEL_OPTIONS);
  const api: Record<string, unknown> = {
    close: () => client.close(),
    ready: (timeoutMs: number) =>
      new Promise<boolean>((resolve) => client.waitForReady(Date.now() + timeoutMs, (err) => resolve(!err))),
  };
  const peer = service.name;

  for (const method of service.methods) {
    const path = `/${service.typeName}/${method.name}`;
    const input: DescMessage = method.input;
    const output: DescMessage = method.output;
    const serialize = (m: unknown) => Buffer.from(toBinary(input, create(input, m as never)));
    const deserialize = (b: Buffer) => fromBinary(output, b);

    if (method.methodKind === 'unary') {
      api[method.localName] = (request: unknown, callOptions?: CallOptions) =>
        new Promise((resolve, reject) => {
          if (callOptions?.signal?.aborted) {
            reject(fromServiceError({ code: 1 }, peer));
            return;
          }
          const call = client.makeUnaryRequest(
            path,
            serialize,
            deserialize,
            request,
            callMetadata(callOptions),
            { deadline: deadlineOf(callOptions, options.defaultTimeoutMs) },
            (err: ServiceError | null, value?: unknown) => {
              callOptions?.signal?.removeEventListener('abort', onAbort);
              if (err) reject(fromServiceError(err, peer));
              else resolve(value);
            },
          );
          const onAbort = () => call.cancel();
          callOptions?.signal?.addEventListener('abort', onAbort, { once: true });
        });
    } else if (method.methodKind === 'server_streaming') {
      api[method.localName] = (request: unknown, callOptions?: CallOptions) => ({
        [Symbol.asyncIterator]: async function* () {
          const call = client.makeServerStreamRequest(path, serialize, deserialize, request, callMetadata(callOptions), {
            deadline: deadlineOf(callOptions, options.defaultTimeoutMs),
          });
          const onAbort = () => call.cancel();
          if (callOptions?.signal?.aborted) call.cancel();
          else callOptions?.signal?.addEventListener('abort', onAbort, { once: true });
          try {
            for await (const message of call) yield message;
          } catch (err) {
            throw fromServiceError(err as ServiceError, peer);
          } finally {
            callOptions?.signal?.removeEventListener('abort', onAbort);
            // Stopping iteration early (consumer break/throw) cancels the call upstream.
            call.cancel();
          }
        },
      });
    }
  }
  return api as ServiceClient<S>;
}
