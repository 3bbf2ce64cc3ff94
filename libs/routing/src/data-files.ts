import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** libs/routing/data beside the source, or found from a bundle under dist/ (or $ROUTING_DATA_DIR). */
export function findRoutingDataDir(): string {
  if (process.env.ROUTING_DATA_DIR) return process.env.ROUTING_DATA_DIR;
  let dir = __dirname;
  for (;;) {
    for (const candidate of [path.join(dir, 'libs/routing/data'), path.join(dir, 'data')]) {
      if (existsSync(path.join(candidate, 'routing-rules.json'))) return candidate;
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('cannot find libs/routing/data; set ROUTING_DATA_DIR');
    dir = parent;
  }
}

export function readDataFile(name: string, dir = findRoutingDataDir()): unknown {
  return JSON.parse(readFileSync(path.join(dir, name), 'utf8'));
}
