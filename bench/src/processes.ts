import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { createInterface } from 'node:readline';

export const ROOT = path.resolve(__dirname, '../..');

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

export function startNode(script: string, env: NodeJS.ProcessEnv): ChildProcess {
  return spawn(process.execPath, [path.join(ROOT, script)], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'inherit'] });
}

/** Resolves with the first stdout line parsed as JSON. */
export function firstJsonLine<T>(child: ChildProcess): Promise<T> {
  return new Promise((resolve, reject) => {
    const rl = createInterface({ input: child.stdout! });
    rl.once('line', (line) => {
      try {
        resolve(JSON.parse(line) as T);
      } catch (err) {
        reject(err);
      }
    });
    child.once('exit', (code) => reject(new Error(`process exited early (${code})`)));
  });
}

export function cli(args: string[], env: NodeJS.ProcessEnv): string {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'dist/cli/gw.js'), ...args], { cwd: ROOT, env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`gw ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
}

export async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} not ready after ${timeoutMs} ms`);
}

export async function stopAll(children: ChildProcess[]): Promise<void> {
  await Promise.all(
    children.map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.exitCode !== null) return resolve();
          c.once('exit', () => resolve());
          c.kill('SIGTERM');
          setTimeout(() => c.kill('SIGKILL'), 5_000).unref();
        }),
    ),
  );
}

/** Deletes the benchmark's JetStream streams (run in a child so a NATS outage cannot hang us). */
export function cleanupNamespace(namespace: string): void {
  const script = `
    const { connect } = require('@nats-io/transport-node');
    const { jetstreamManager } = require('@nats-io/jetstream');
    (async () => {
      const nc = await connect({ servers: process.env.NATS_URL || 'nats://127.0.0.1:4222', timeout: 2000 });
      const jsm = await jetstreamManager(nc);
      for await (const s of jsm.streams.list()) if (s.config.name.startsWith(${JSON.stringify(`${namespace}_`)})) await jsm.streams.delete(s.config.name);
      await nc.close();
    })().catch(() => process.exit(0));`;
  spawnSync(process.execPath, ['-e', script], { cwd: ROOT, timeout: 10_000 });
}
