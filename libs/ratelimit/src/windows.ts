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

/** The last calendar window computed per kind: on the hot path the date math runs once a day. */
const calendar: { 'utc-day'?: Window; 'utc-month'?: Window } = {};

export function windowAt(spec: WindowSpec, nowMs: number): Window {
  if (spec.kind !== 'fixed') {
    const last = calendar[spec.kind];
    if (last && nowMs >= last.startMs && nowMs < last.endMs) return last;
    return (calendar[spec.kind] = calendarWindow(spec.kind, nowMs));
  }
  const index = Math.floor(nowMs / spec.ms);
  return { id: `${spec.ms}:${index}`, startMs: index * spec.ms, endMs: (index + 1) * spec.ms };
}

function calendarWindow(kind: 'utc-day' | 'utc-month', nowMs: number): Window {
  switch (kind) {
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
