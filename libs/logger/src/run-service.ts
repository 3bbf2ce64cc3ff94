import { createLogger } from './logger';

export interface Closable {
  close(): Promise<void>;
}

/**
 * Process lifecycle for a service's main.ts: start, then shut down gracefully on SIGTERM/SIGINT
 * (in-flight work finishes, connections close), with a hard exit if that takes too long. A
 * configuration error prints its message (naming the variable) and exits 1, without a stack.
 */
export function runService(name: string, start: () => Promise<Closable>, options: { shutdownTimeoutMs?: number } = {}): void {
  const logger = createLogger({ service: name, level: process.env.LOG_LEVEL ?? 'info' });
  process.on('unhandledRejection', (reason) => logger.error('unhandled rejection', { err: reason }));
  start().then(
    (running) => {
      let stopping = false;
      const stop = (signal: string) => {
        if (stopping) return;
        stopping = true;
        logger.info('shutting down', { signal });
        setTimeout(() => process.exit(1), options.shutdownTimeoutMs ?? 15_000).unref();
        running.close().then(
          () => process.exit(0),
          (err: unknown) => {
            logger.error('shutdown failed', { err });
            process.exit(1);
          },
        );
      };
      process.on('SIGTERM', () => stop('SIGTERM'));
      process.on('SIGINT', () => stop('SIGINT'));
    },
    (err: unknown) => {
      if (err instanceof Error && err.name === 'ConfigError') {
        process.stderr.write(`${name}: ${err.message}\n`);
      } else {
        logger.error('failed to start', { err });
      }
      process.exit(1);
    },
  );
}
