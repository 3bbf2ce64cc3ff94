import { GatewayError, errors, toGatewayError } from '@gatewayz/errors';
import { RequestStatus, type ChatChunk, type ChatOutcome, type Usage } from '@gatewayz/proto';
import type { InferenceCall } from './inference.service';

/**
 * Drives an InferenceCall's event stream for a format writer, with the bookkeeping every format
 * shares: exactly one finish() with the right status (a failed or cancelled request costs
 * nothing), and the outcome's error raised as a GatewayError.
 */
export interface Served {
  outcome: ChatOutcome;
  cost: bigint;
  usage: Usage;
}

export function outcomeError(outcome: ChatOutcome): GatewayError {
  const e = outcome.error!;
  return new GatewayError({ code: e.code, message: e.message, status: e.httpStatus || 502 });
}

/** Non-streaming: every chunk to `onChunk`, then the priced outcome; any failure is thrown. */
export async function collect(call: InferenceCall, onChunk: (chunk: ChatChunk) => void): Promise<Served> {
  let outcome: ChatOutcome | undefined;
  try {
    for await (const ev of call.events) {
      if (ev.event.case === 'chunk') onChunk(ev.event.value);
      else if (ev.event.case === 'outcome') outcome = ev.event.value;
    }
  } catch (err) {
    const gwErr = toGatewayError(err);
    call.finish({ status: gwErr.status === 499 ? RequestStatus.CANCELLED : RequestStatus.FAILED, errorCode: gwErr.code });
    throw gwErr;
  }
  if (!outcome) throw errors.internal(new Error('provider stream ended without an outcome'));
  if (outcome.error) {
    call.finish({ status: RequestStatus.FAILED, outcome, errorCode: outcome.error.code });
    throw outcomeError(outcome);
  }
  const { cost, usage } = call.finish({ status: RequestStatus.SUCCESS, outcome });
  return { outcome, cost, usage };
}

export type StreamEnd = ({ kind: 'served' } & Served) | { kind: 'cancelled' } | { kind: 'failed'; error: GatewayError };

/**
 * Streaming: each chunk to `onChunk` (false: the client is gone). A failure before anything was
 * written is thrown (the client gets a normal error response with its status); after that it is
 * returned, for the writer to end the stream with an error event in its format.
 */
export async function pump(a: { call: InferenceCall; signal: AbortSignal; started: () => boolean; onChunk: (chunk: ChatChunk) => boolean }): Promise<StreamEnd> {
  let outcome: ChatOutcome | undefined;
  try {
    for await (const ev of a.call.events) {
      if (ev.event.case === 'chunk') {
        if (!a.onChunk(ev.event.value)) break;
      } else if (ev.event.case === 'outcome') {
        outcome = ev.event.value;
      }
    }
  } catch (err) {
    const gwErr = toGatewayError(err);
    if (a.signal.aborted || gwErr.status === 499) {
      a.call.finish({ status: RequestStatus.CANCELLED, errorCode: 'cancelled' });
      return { kind: 'cancelled' };
    }
    a.call.finish({ status: RequestStatus.FAILED, errorCode: gwErr.code });
    if (!a.started()) throw gwErr;
    return { kind: 'failed', error: gwErr };
  }
  if (a.signal.aborted || !outcome) {
    a.call.finish({ status: RequestStatus.CANCELLED, outcome, errorCode: 'cancelled' });
    return { kind: 'cancelled' };
  }
  if (outcome.error) {
    a.call.finish({ status: RequestStatus.FAILED, outcome, errorCode: outcome.error.code });
    return { kind: 'failed', error: outcomeError(outcome) };
  }
  const { cost, usage } = a.call.finish({ status: RequestStatus.SUCCESS, outcome });
  return { kind: 'served', outcome, cost, usage };
}
