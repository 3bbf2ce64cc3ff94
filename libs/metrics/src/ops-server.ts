import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export interface OpsServerOptions {
  host: string;
  port: number;
  registry: Registry;
  /** Body of GET /health. Must not throw; /health always answers 200. */
  health: () => Promise<Record<string, unknown>>;
}

export interface OpsServer {
  port: number;
  close(): Promise<void>;
}

/**
 * The small HTTP side door of a gRPC service: GET /metrics (Prometheus), GET /health (always
 * 200, state in the body), GET /health/quick. Kubernetes probes and Prometheus scrape it.
 */
export function startOpsServer(options: OpsServerOptions): Promise<OpsServer> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET') {
      res.writeHead(405).end();
      return;
    }
    if (path === '/metrics') {
      options.registry
        .metrics()
        .then((text) => res.writeHead(200, { 'content-type': options.registry.contentType }).end(text))
        .catch(() => res.writeHead(500).end());
      return;
    }
    if (path === '/health') {
      options
        .health()
        .catch((err: unknown) => ({ status: 'degraded', error: err instanceof Error ? err.message : 'unknown' }))
        .then((body) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body)));
      return;
    }
    if (path === '/health/quick') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
      return;
    }
    res.writeHead(404).end();
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      resolve({
        port: (server.address() as AddressInfo).port,
        close: () => new Promise((done) => server.close(() => done())),
      });
    });
  });
}
