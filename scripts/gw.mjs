#!/usr/bin/env node
// `npm run gw -- <command>`: the operator CLI (see services/edge/src/cli/gw.ts), after making
// sure the checkout is built and the local settings are loaded.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { loadLocalEnv } from './local-env.mjs';
import { ROOT, prepare } from './prepare.mjs';

prepare({ withBuild: true });
loadLocalEnv();
const result = spawnSync(process.execPath, [path.join(ROOT, 'dist/cli/gw.js'), ...process.argv.slice(2)], { stdio: 'inherit', env: process.env });
process.exit(result.status ?? 1);
