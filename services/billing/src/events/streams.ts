import { RetentionPolicy, StorageType } from '@nats-io/jetstream';
import type { Bus, StreamSpec } from '@gatewayz/bus';

const DAY_MS = 24 * 3600_000;
const nanos = (ms: number) => ms * 1_000_000;

/** Streams billing reads or writes. USAGE is the edge's; IDENTITY identity's; EVENTS shared. */
export const USAGE_STREAM: StreamSpec = { name: 'USAGE', subjects: ['usage.>'], maxAgeMs: 7 * DAY_MS, duplicateWindowMs: DAY_MS };
export const EVENTS_STREAM: StreamSpec = { name: 'EVENTS', subjects: ['billing.>'], maxAgeMs: 30 * DAY_MS, duplicateWindowMs: DAY_MS };
export const IDENTITY_STREAM: StreamSpec = { name: 'IDENTITY', subjects: ['identity.>'], maxAgeMs: 30 * DAY_MS, duplicateWindowMs: DAY_MS };

export const USAGE_SUBJECT = 'usage.recorded';
export const USER_REGISTERED_SUBJECT = 'identity.user.registered';

/**
 * Creates the stream when missing; when it exists (another service made it), only adds our
 * subjects if they are not covered yet, leaving its owner's limits alone.
 */
export async function ensureStreamExists(bus: Bus, spec: StreamSpec): Promise<void> {
  const name = bus.streamName(spec.name);
  const subjects = spec.subjects.map((s) => bus.subject(s));
  const info = await bus.jsm.streams.info(name).catch(() => undefined);
  if (info) {
    const missing = subjects.filter((s) => !info.config.subjects?.includes(s));
    if (missing.length > 0) await bus.jsm.streams.update(name, { ...info.config, subjects: [...(info.config.subjects ?? []), ...missing] });
    return;
  }
  try {
    await bus.jsm.streams.add({
      name,
      subjects,
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      max_age: nanos(spec.maxAgeMs),
      duplicate_window: nanos(spec.duplicateWindowMs),
    });
  } catch (err) {
    // Created concurrently by another service: fine if it exists now.
    if (!(await bus.jsm.streams.info(name).catch(() => undefined))) throw err;
  }
}
