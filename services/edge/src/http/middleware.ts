import type { NextFunction, Request, Response } from 'express';
import type { httpMetrics } from '@gatewayz/metrics';

/** Conservative headers on every response; an API never wants to be framed, sniffed or cached. */
export function securityHeaders() {
  return (_req: Request, res: Response, next: NextFunction): void => {
    res.setHeader('x-content-type-options', 'nosniff');
    res.setHeader('x-frame-options', 'DENY');
    res.setHeader('referrer-policy', 'no-referrer');
    res.setHeader('cache-control', 'no-store');
    next();
  };
}

/** Request count and latency by matched route (never by raw path: ids would explode cardinality). */
export function httpMetricsMiddleware(metrics: ReturnType<typeof httpMetrics>) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const start = performance.now();
    metrics.inFlight.inc();
    res.once('close', () => {
      metrics.inFlight.dec();
      const route = (req.route?.path as string | undefined) ?? 'unmatched';
      metrics.requests.inc({ method: req.method, route, status: String(res.statusCode) });
      metrics.duration.observe({ method: req.method, route }, (performance.now() - start) / 1000);
    });
    next();
  };
}
