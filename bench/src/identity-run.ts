import { identityBenchmark } from './identity-bench';

/** Runs only the identity section: `node dist/bench/identity-run.js` (after `npm run build`). */
identityBenchmark({
  databaseUrl: process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/gatewayz_bench',
  redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  namespace: `gwbench_identity_${process.pid}`,
}).then(
  (lines) => process.stdout.write(`${lines.join('\n')}\n`),
  (err: unknown) => {
    process.stderr.write(`identity bench: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
