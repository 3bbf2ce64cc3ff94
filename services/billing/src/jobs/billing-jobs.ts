import { Queue, Worker, type ConnectionOptions } from 'bullmq';
import type { Logger } from '@gatewayz/logger';

/** A periodic task: its name, how often it runs, and what it does. */
export interface PeriodicTask {
  name: string;
  everyMs: number;
  run: () => Promise<unknown>;
}

function redisConnection(url: string): ConnectionOptions {
  const u = new URL(url);
  return {
    host: u.hostname,
    port: Number(u.port || 6379),
    username: u.username ? decodeURIComponent(u.username) : undefined,
    password: u.password ? decodeURIComponent(u.password) : undefined,
    db: u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0,
    connectTimeout: 2_000,
  };
}

/**
 * Billing's repeatable jobs on BullMQ (reservation sweeper, allowance periods, Stripe
 * reconciliation): one job scheduler per task, so however many billing replicas run, each
 * tick runs once. Redis down: ticks pause until it is back (nothing on the request path
 * depends on them); scheduling is retried in the background.
 */
export class BillingJobs {
  private queue: Queue | undefined;
  private worker: Worker | undefined;
  private scheduling: Promise<void> | undefined;
  private closed = false;

  constructor(
    private readonly options: { redisUrl: string; namespace: string; logger: Logger; tasks: PeriodicTask[] },
  ) {}

  start(): void {
    const connection = redisConnection(this.options.redisUrl);
    const prefix = `${this.options.namespace}:bull`;
    const tasks = new Map(this.options.tasks.map((t) => [t.name, t]));
    this.queue = new Queue('billing', { connection, prefix, defaultJobOptions: { removeOnComplete: 100, removeOnFail: 100 } });
    this.queue.on('error', () => undefined);
    this.worker = new Worker(
      'billing',
      async (job) => {
        const task = tasks.get(job.name);
        if (!task) return undefined;
        return task.run();
      },
      { connection, prefix, concurrency: tasks.size },
    );
    this.worker.on('error', () => undefined);
    this.worker.on('failed', (job, err) => this.options.logger.error('billing job failed', { job: job?.name, err: err.message }));
    this.scheduling = this.schedule();
  }

  private async schedule(): Promise<void> {
    for (let attempt = 0; !this.closed; attempt++) {
      try {
        for (const t of this.options.tasks) await this.queue!.upsertJobScheduler(t.name, { every: t.everyMs }, { name: t.name });
        return;
      } catch (err) {
        if (attempt === 0 && !this.closed) this.options.logger.warn('cannot schedule billing jobs yet (Redis); retrying', { err: (err as Error).message });
        await new Promise((r) => setTimeout(r, 2_000).unref());
      }
    }
  }

  /** Stops the worker (a running tick is abandoned, not awaited) and the queue; never hangs on a dead Redis. */
  async close(): Promise<void> {
    this.closed = true;
    const bounded = (p: Promise<unknown> | undefined) => Promise.race([p?.catch(() => undefined), new Promise((r) => setTimeout(r, 1_000).unref())]);
    await bounded(this.worker?.close(true));
    await bounded(this.queue?.close());
    await bounded(this.worker?.disconnect());
    await bounded(this.queue?.disconnect());
  }
}
