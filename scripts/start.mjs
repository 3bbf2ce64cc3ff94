#!/usr/bin/env node
// `npm start`: from a fresh clone, installs what is missing, generates code, builds, migrates
// and seeds the database, starts edge, routing, provider-proxy and billing, and prints the URL and a demo
// key. Ctrl-C stops everything. A service that dies is restarted (as Kubernetes would).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { loadLocalEnv } from './local-env.mjs';
import { ROOT, SERVICES, prepare } from './prepare.mjs';

const DEMO_KEY_FILE = path.join(ROOT, '.gatewayz', 'demo-key');

function canConnect(host, port, timeoutMs = 1500) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

function cli(args, input) {
  return spawnSync(process.execPath, [path.join(ROOT, 'dist/cli/gw.js'), ...args], {
    cwd: ROOT,
    env: process.env,
    input,
    encoding: 'utf8',
  });
}

async function checkDependencies() {
  const pg = new URL(process.env.DATABASE_URL);
  const redis = new URL(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  const nats = new URL(process.env.NATS_URL ?? 'nats://127.0.0.1:4222');
  const checks = [
    ['PostgreSQL', pg.hostname, Number(pg.port || 5432), true],
    ['Redis', redis.hostname, Number(redis.port || 6379), false],
    ['NATS', nats.hostname, Number(nats.port || 4222), false],
  ];
  for (const [name, host, port, required] of checks) {
    if (await canConnect(host, port)) continue;
    const msg = `${name} is not reachable at ${host}:${port}.`;
    if (required) {
      process.stderr.write(`${msg} Start it (see README "Requirements") and run npm start again.\n`);
      process.exit(1);
    }
    process.stderr.write(`warning: ${msg} The gateway starts without it and degrades (see /health).\n`);
  }
}

function demoKey() {
  if (existsSync(DEMO_KEY_FILE)) {
    const saved = readFileSync(DEMO_KEY_FILE, 'utf8').trim();
    if (cli(['keys', 'verify'], saved).status === 0) return saved;
  }
  const created = cli(['keys', 'create', '--email', 'demo@gatewayz.local', '--name', 'demo', '--quiet']);
  if (created.status !== 0) throw new Error(`could not create the demo key: ${created.stderr}`);
  const key = created.stdout.trim();
  writeFileSync(DEMO_KEY_FILE, `${key}\n`, { mode: 0o600 });
  return key;
}

async function waitForHttp(url, timeoutMs) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    try {
      const res = await fetch(url);
      if (res.ok) return true;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

async function main() {
  prepare({ withBuild: true });
  loadLocalEnv();
  process.env.REDIS_URL ??= 'redis://127.0.0.1:6379';
  process.env.NATS_URL ??= 'nats://127.0.0.1:4222';
  await checkDependencies();

  for (const args of [['db', 'migrate'], ['db', 'seed']]) {
    const r = cli(args);
    if (r.status !== 0) throw new Error(`gw ${args.join(' ')} failed: ${r.stderr || r.stdout}`);
  }
  const key = demoKey();

  const children = new Map();
  let stopping = false;
  const restarts = new Map();
  const launch = (name) => {
    const child = spawn(process.execPath, ['--enable-source-maps', path.join(ROOT, `dist/services/${name}/main.js`)], {
      cwd: ROOT,
      env: process.env,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    children.set(name, child);
    child.on('exit', (code, signal) => {
      children.delete(name);
      if (stopping) return;
      const recent = (restarts.get(name) ?? []).filter((t) => Date.now() - t < 60_000);
      if (recent.length >= 5) {
        process.stderr.write(`${name} keeps exiting (code ${code ?? signal}); stopping.\n`);
        void stop(1);
        return;
      }
      restarts.set(name, [...recent, Date.now()]);
      process.stderr.write(`${name} exited (code ${code ?? signal}); restarting in 1s\n`);
      setTimeout(() => launch(name), 1000);
    });
  };
  const stop = async (code = 0) => {
    if (stopping) return;
    stopping = true;
    for (const child of children.values()) child.kill('SIGTERM');
    const until = Date.now() + 20_000;
    while (children.size > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
    for (const child of children.values()) child.kill('SIGKILL');
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));

  for (const name of SERVICES) launch(name);
  const host = process.env.HOST ?? '127.0.0.1';
  const port = process.env.PORT ?? '8080';
  const base = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  if (!(await waitForHttp(`${base}/health/quick`, 60_000))) {
    process.stderr.write('The edge did not come up within 60 s; see the log above.\n');
    await stop(1);
  }
  process.stdout.write(
    [
      '',
      `Gatewayz is running at ${base}`,
      `Demo API key: ${key}`,
      '',
      'Try it:',
      `  curl ${base}/v1/chat/completions \\`,
      `    -H "Authorization: Bearer ${key}" -H "Content-Type: application/json" \\`,
      `    -d '{"model":"sim/echo","messages":[{"role":"user","content":"Hello, Gatewayz!"}]}'`,
      '',
      `Models: ${base}/v1/models   Health: ${base}/health   Metrics: ${base}/metrics`,
      'Ctrl-C stops the gateway.',
      '',
    ].join('\n'),
  );
}

main().catch((err) => {
  process.stderr.write(`npm start: ${err.message}\n`);
  process.exit(1);
});
