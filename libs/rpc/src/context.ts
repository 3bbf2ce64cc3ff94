import type { Metadata } from '@grpc/grpc-js';
import type { Carrier } from '@gatewayz/tracing';

export const REQUEST_ID_KEY = 'x-request-id';

/** What a handler knows about the call it serves. */
export interface CallContext {
  requestId: string;
  /** Aborted when the caller cancels or the deadline passes. */
  signal: AbortSignal;
  /** Absolute deadline (ms since epoch) or Infinity. */
  deadline: number;
  metadata: Metadata;
}

export function metadataCarrier(md: Metadata): Carrier {
  return {
    get: (key) => {
      const v = md.get(key)[0];
      return typeof v === 'string' ? v : undefined;
    },
    set: (key, value) => md.set(key, value),
    keys: () => Object.keys(md.getMap()),
  };
}
