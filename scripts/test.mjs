#!/usr/bin/env node
// `npm test`: every test, from a fresh clone. Prepares the checkout (deps, generated code,
// build), type-checks the whole tree, lints the protos, then runs jest (unit + integration).
// Integration tests need PostgreSQL, Redis and NATS (JetStream) on their default ports.
import { spawnSync } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { ROOT, prepare } from './prepare.mjs';

const BIN = path.join(ROOT, 'node_modules', '.bin');
const env = { ...process.env, PATH: `${BIN}${path.delimiter}${process.env.PATH}`, NX_DAEMON: 'false', NX_NO_CLOUD: 'true' };

function run(title, cmd, args) {
  process.stdout.write(`\n▶ ${title}\n`);
  const r = spawnSync(cmd, args, { cwd: ROOT, stdio: 'inherit', env });
  if (r.status !== 0) {
    process.stderr.write(`✖ ${title} failed\n`);
    process.exit(r.status ?? 1);
  }
}

function reachable(port) {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.setTimeout(1500, () => (s.destroy(), resolve(false)));
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}

prepare({ withBuild: true });
const missing = [];
for (const [name, port] of [['PostgreSQL', 5432], ['Redis', 6379], ['NATS', 4222]]) if (!(await reachable(port))) missing.push(`${name} (:${port})`);
if (missing.length > 0) {
  process.stderr.write(`Integration tests need ${missing.join(', ')}. Start them (README "Requirements"; .ci/run does it on CI machines).\n`);
  process.exit(1);
}
run('type-check (tsc --noEmit, strict)', 'tsc', ['-p', 'tsconfig.json', '--noEmit']);
run('proto lint (buf)', 'buf', ['lint']);
run('jest', 'jest', ['--ci', '--maxWorkers=2', ...process.argv.slice(2)]);
