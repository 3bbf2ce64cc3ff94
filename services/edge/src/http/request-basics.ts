import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { runWithRequestContext } from '@gatewayz/logger';
import type { httpMetrics } from '@gatewayz/metrics';

declare module 'express-serve-static-core' {
  interface Request {
    id: string;
  }
}

const CLIENT_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * What every request gets first, in one middleware (each express layer costs CPU on every
 * request): a request id (a sane client X-Request-ID is honoured, else a new one; echoed on the
 * response), conservative security headers (an API never wants to be framed, sniffed or
 * cached), request count and latency by matched route (never by raw path: ids would explode
 * cardinality), and the logging context.
 */
export function requestBasics(metrics: ReturnType<typeof httpMetrics>) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const start = performance.now();
    const given = req.headers['x-request-id'];
    const id = typeof given === 'string' && CLIENT_ID.test(given) ? given : randomUUID();
    req.id = id;
    res.setHeader('x-request-id', id);
    // Anthropic's SDKs read `request-id`; every response carries it, whoever answers.
    res.setHeader('request-id', id);
    res.setHeader('x-content-type-options', 'nosniff');
    res.setHeader('x-frame-options', 'DENY');
    res.setHeader('referrer-policy', 'no-referrer');
    res.setHeader('cache-control', 'no-store');
    res.setHeader('content-security-policy', "default-src 'none'; frame-ancestors 'none'");
    metrics.inFlight.inc();
    res.once('close', () => {
      metrics.inFlight.dec();
      const route = (req.route?.path as string | undefined) ?? 'unmatched';
      metrics.requests.inc({ method: req.method, route, status: String(res.statusCode) });
      metrics.duration.observe({ method: req.method, route }, (performance.now() - start) / 1000);
    });
    runWithRequestContext({ requestId: id }, next);
  };
}
