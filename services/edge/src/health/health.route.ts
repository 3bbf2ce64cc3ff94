import type { Request, Response } from 'express';

export type DependencyCheck = () => Promise<void>;

interface Result {
  status: 'up' | 'down';
  latency_ms: number;
  error?: string;
}

/**
 * GET /health: always 200 (S1); the state of each dependency is in the body and the overall
 * status says "ok" or "degraded". Checks run in parallel with a short timeout and are cached
 * for a moment, so probes and dashboards cannot load the dependencies.
 */
export function healthHandler(options: { version: string; checks: Record<string, DependencyCheck>; timeoutMs?: number; cacheMs?: number }) {
  const startedAt = Date.now();
  let cached: { at: number; deps: Record<string, Result> } | undefined;
  let running: Promise<Record<string, Result>> | undefined;

  const runChecks = async (): Promise<Record<string, Result>> => {
    const entries = await Promise.all(
      Object.entries(options.checks).map(async ([name, check]): Promise<[string, Result]> => {
        const t0 = performance.now();
        let timer: NodeJS.Timeout | undefined;
        try {
          await Promise.race([
            check(),
            new Promise((_, reject) => {
              timer = setTimeout(() => reject(new Error('timed out')), options.timeoutMs ?? 750);
            }),
          ]);
          return [name, { status: 'up', latency_ms: Math.round(performance.now() - t0) }];
        } catch (err) {
          return [name, { status: 'down', latency_ms: Math.round(performance.now() - t0), error: err instanceof Error ? err.message.slice(0, 200) : 'failed' }];
        } finally {
          clearTimeout(timer);
        }
      }),
    );
    return Object.fromEntries(entries);
  };

  return async (_req: Request, res: Response): Promise<void> => {
    if (!cached || Date.now() - cached.at > (options.cacheMs ?? 2_000)) {
      running ??= runChecks().finally(() => {
        running = undefined;
      });
      cached = { at: Date.now(), deps: await running };
    }
    const degraded = Object.values(cached.deps).some((d) => d.status === 'down');
    res.status(200).json({
      status: degraded ? 'degraded' : 'ok',
      version: options.version,
      timestamp: new Date().toISOString(),
      uptime_seconds: Math.round((Date.now() - startedAt) / 1000),
      dependencies: cached.deps,
    });
  };
}

export function quickHealthHandler() {
  const body = JSON.stringify({ status: 'ok' });
  return (_req: Request, res: Response): void => {
    res.setHeader('content-type', 'application/json');
    res.end(body);
  };
}
