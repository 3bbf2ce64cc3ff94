#!/usr/bin/env node
// `npm run bench`: builds if needed, then runs bench/src/main.ts (see docs/benchmarks.md).
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { ROOT, prepare } from './prepare.mjs';

prepare({ withBuild: true });
mkdirSync(path.join(ROOT, 'docs'), { recursive: true });
const r = spawnSync(process.execPath, ['--enable-source-maps', path.join(ROOT, 'dist/bench/main.js')], { cwd: ROOT, stdio: 'inherit', env: process.env });
process.exit(r.status ?? 1);
