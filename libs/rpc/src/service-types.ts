import type { DescMessage, DescService, MessageInitShape, MessageShape } from '@bufbuild/protobuf';
import type { CallContext } from './context';

type Methods<S extends DescService> = S extends { method: infer M } ? M : never;

type MethodOf<S extends DescService, K extends keyof Methods<S>> = Methods<S>[K];

/** What a server implements for each method of a generated service. */
export type ServiceImpl<S extends DescService> = {
  [K in keyof Methods<S>]: MethodOf<S, K> extends {
    methodKind: 'unary';
    input: infer I extends DescMessage;
    output: infer O extends DescMessage;
  }
    ? (request: MessageShape<I>, ctx: CallContext) => Promise<MessageInitShape<O>>
    : MethodOf<S, K> extends {
          methodKind: 'server_streaming';
          input: infer I extends DescMessage;
          output: infer O extends DescMessage;
        }
      ? (request: MessageShape<I>, ctx: CallContext) => AsyncIterable<MessageInitShape<O>>
      : never;
};

export interface CallOptions {
  /** Relative timeout; the client's default applies when neither this nor `deadline` is set. */
  timeoutMs?: number;
  /** Absolute deadline, ms since epoch. */
  deadline?: number;
  requestId?: string;
  signal?: AbortSignal;
}

/** What a client offers for each method of a generated service. */
export type ServiceClient<S extends DescService> = {
  [K in keyof Methods<S>]: MethodOf<S, K> extends {
    methodKind: 'unary';
    input: infer I extends DescMessage;
    output: infer O extends DescMessage;
  }
    ? (request: MessageInitShape<I>, options?: CallOptions) => Promise<MessageShape<O>>
    : MethodOf<S, K> extends {
          methodKind: 'server_streaming';
          input: infer I extends DescMessage;
          output: infer O extends DescMessage;
        }
      ? (request: MessageInitShape<I>, options?: CallOptions) => AsyncIterable<MessageShape<O>>
      : never;
} & {
  close(): void;
  /** True when the channel is (or becomes) ready within `timeoutMs`. */
  ready(timeoutMs: number): Promise<boolean>;
};
