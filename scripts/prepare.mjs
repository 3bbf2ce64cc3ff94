#!/usr/bin/env node
// Brings a checkout to a runnable state using only Node's standard library (so it works before
// `npm ci`): installs dependencies when missing or stale, generates code (buf, Prisma), and with
// --build bundles the services and the CLI into dist/. Each step is skipped when its inputs have
// not changed (stamps in .gatewayz/).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const STAMPS = path.join(ROOT, '.gatewayz', 'stamps');
const BIN = path.join(ROOT, 'node_modules', '.bin');

export const SERVICES = ['edge', 'routing', 'provider-proxy', 'billing'];

function run(cmd, args, options = {}) {
  const result = spawnSync(cmd, args, {
    cwd: options.cwd ?? ROOT,
    stdio: options.quiet ? ['ignore', 'pipe', 'pipe'] : 'inherit',
    env: { ...process.env, PATH: `${BIN}${path.delimiter}${process.env.PATH}`, ...options.env },
  });
  if (result.status !== 0) {
    if (options.quiet) process.stderr.write(`${result.stdout ?? ''}${result.stderr ?? ''}`);
    throw new Error(`${cmd} ${args.join(' ')} failed (exit ${result.status})`);
  }
}

function filesUnder(dir, filter = () => true) {
  if (!existsSync(dir)) return [];
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name === 'node_modules' || entry.name === 'gen' || entry.name === 'generated') continue;
      out.push(...filesUnder(full, filter));
    } else if (filter(full)) out.push(full);
  }
  return out;
}

function digest(files) {
  const h = createHash('sha256');
  for (const f of files.sort()) {
    h.update(path.relative(ROOT, f));
    h.update(readFileSync(f));
  }
  return h.digest('hex');
}

function step(name, inputs, outputExists, action) {
  const stampFile = path.join(STAMPS, name);
  const hash = digest(inputs);
  if (outputExists() && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === hash) return;
  action();
  mkdirSync(STAMPS, { recursive: true });
  writeFileSync(stampFile, hash);
}

export function ensureDependencies() {
  const modules = path.join(ROOT, 'node_modules');
  // A shared (symlinked) node_modules belongs to another checkout: never reinstall through it.
  if (existsSync(modules) && lstatSync(modules).isSymbolicLink()) return;
  const lock = path.join(ROOT, 'package-lock.json');
  const stamp = path.join(modules, '.gatewayz-lock-sha256');
  const want = createHash('sha256').update(readFileSync(lock)).digest('hex');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === want) return;
  process.stdout.write('Installing dependencies (npm ci)...\n');
  run('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error']);
  writeFileSync(stamp, want);
}

export function generate() {
  step(
    'buf',
    [...filesUnder(path.join(ROOT, 'proto')), path.join(ROOT, 'buf.gen.yaml'), path.join(ROOT, 'buf.yaml')],
    () => existsSync(path.join(ROOT, 'libs/proto/src/gen')),
    () => run('buf', ['generate'], { quiet: true }),
  );
  step(
    'prisma',
    filesUnder(path.join(ROOT, 'libs/db/prisma/schema')),
    () => existsSync(path.join(ROOT, 'libs/db/src/generated/prisma/client.ts')),
    // `generate` needs no engine, but the CLI checks that one exists: any executable will do.
    () =>
      run('prisma', ['generate'], {
        quiet: true,
        cwd: path.join(ROOT, 'libs/db'),
        env: { PRISMA_SCHEMA_ENGINE_BINARY: process.execPath, PRISMA_HIDE_UPDATE_MESSAGE: '1' },
      }),
  );
}

export function build() {
  const sources = [
    ...filesUnder(path.join(ROOT, 'libs'), (f) => f.endsWith('.ts') || f.endsWith('.json')),
    ...filesUnder(path.join(ROOT, 'services'), (f) => f.endsWith('.ts')),
    ...filesUnder(path.join(ROOT, 'bench'), (f) => f.endsWith('.ts')),
    path.join(ROOT, 'package-lock.json'),
  ].filter((f) => existsSync(f));
  const entries = [
    ...SERVICES.map((s) => [`services/${s}/main`, `services/${s}/src/main.ts`]),
    ['cli/gw', 'services/edge/src/cli/gw.ts'],
    ...(existsSync(path.join(ROOT, 'bench/src')) ? readdirSync(path.join(ROOT, 'bench/src')).filter((f) => f.endsWith('.ts') && !f.endsWith('.spec.ts')).map((f) => [`bench/${f.replace(/\.ts$/, '')}`, `bench/src/${f}`]) : []),
  ];
  step('build', sources, () => entries.every(([out]) => existsSync(path.join(ROOT, 'dist', `${out}.js`))), () => {
    const args = [
      ...entries.map(([out, src]) => `${out}=${src}`),
      '--bundle',
      '--platform=node',
      '--target=node20',
      '--format=cjs',
      '--packages=external',
      '--sourcemap',
      '--log-level=warning',
      `--outdir=${path.join(ROOT, 'dist')}`,
      `--define:process.env.GATEWAYZ_BUILD_VERSION="${JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version}"`,
    ];
    run('esbuild', args);
  });
}

export function prepare({ withBuild = false } = {}) {
  ensureDependencies();
  generate();
  if (withBuild) build();
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    prepare({ withBuild: process.argv.includes('--build') });
  } catch (err) {
    process.stderr.write(`prepare: ${err.message}\n`);
    process.exit(1);
  }
}
