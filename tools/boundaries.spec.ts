import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';

// Nx tags say the arrows go one way: services → libs, never lib → service, never service →
// another service. This checks the imports themselves.
const ROOT = path.resolve(__dirname, '..');

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' || e.name === 'gen' || e.name === 'generated' ? [] : tsFiles(full);
    return e.name.endsWith('.ts') ? [full] : [];
  });
}

const IMPORT = /(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g;

function importsOf(file: string): string[] {
  return [...readFileSync(file, 'utf8').matchAll(IMPORT)].map((m) => m[1]!);
}

describe('module boundaries', () => {
  it('no lib imports a service', () => {
    const offenders = tsFiles(path.join(ROOT, 'libs')).flatMap((file) =>
      importsOf(file)
        .filter((spec) => spec.startsWith('.') && path.resolve(path.dirname(file), spec).startsWith(path.join(ROOT, 'services')))
        .map((spec) => `${path.relative(ROOT, file)} → ${spec}`),
    );
    expect(offenders).toEqual([]);
  });

  it('no service imports another service', () => {
    const services = readdirSync(path.join(ROOT, 'services'));
    const offenders = services.flatMap((svc) =>
      tsFiles(path.join(ROOT, 'services', svc)).flatMap((file) =>
        importsOf(file)
          .filter((spec) => spec.startsWith('.'))
          .map((spec) => path.resolve(path.dirname(file), spec))
          .filter((target) => target.startsWith(path.join(ROOT, 'services')) && !target.startsWith(path.join(ROOT, 'services', svc)))
          .map((target) => `${path.relative(ROOT, file)} → ${path.relative(ROOT, target)}`),
      ),
    );
    expect(offenders).toEqual([]);
  });
});
