/**
 * Counting windows. Fixed windows are aligned to the epoch (every replica computes the same
 * window from the same clock); calendar windows follow UTC days and months, so "tokens per
 * day" resets at midnight UTC and "per month" on the 1st.
 */
export type WindowSpec = { kind: 'fixed'; ms: number } | { kind: 'utc-day' } | { kind: 'utc-month' };

export interface Window {
  /** Stable id of this window instance (part of the counter's key). */
  id: string;
  startMs: number;
  endMs: number;
}

export const MINUTE: WindowSpec = { kind: 'fixed', ms: 60_000 };
export const UTC_DAY: WindowSpec = { kind: 'utc-day' };
export const UTC_MONTH: WindowSpec = { kind: 'utc-month' };

export function windowAt(spec: WindowSpec, nowMs: number): Window {
  switch (spec.kind) {
    case 'fixed': {
      const index = Math.floor(nowMs / spec.ms);
      return { id: `${spec.ms}:${index}`, startMs: index * spec.ms, endMs: (index + 1) * spec.ms };
    }
    case 'utc-day': {
      const d = new Date(nowMs);
      const start = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
      return { id: `d:${new Date(start).toISOString().slice(0, 10)}`, startMs: start, endMs: start + 86_400_000 };
    }
    case 'utc-month': {
      const d = new Date(nowMs);
      const start = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
      const end = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
      return { id: `m:${new Date(start).toISOString().slice(0, 7)}`, startMs: start, endMs: end };
    }
  }
}
