import { z } from 'zod';

/**
 * Environment validated once at start into a typed, frozen object. A bad or missing variable
 * stops the service with a message naming it (ConfigError), never a half-configured process.
 */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export type EnvShape = Record<string, z.ZodType>;

export function loadConfig<S extends EnvShape>(
  shape: S,
  env: NodeJS.ProcessEnv = process.env,
): Readonly<{ [K in keyof S]: z.output<S[K]> }> {
  const input: Record<string, string | undefined> = {};
  for (const key of Object.keys(shape)) {
    const raw = env[key];
    // An empty variable means "not set": lets `FOO=` in a .env file fall back to the default.
    input[key] = raw === undefined || raw.trim() === '' ? undefined : raw.trim();
  }
  const result = z.object(shape).safeParse(input);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? '(unknown)');
      const got = input[name];
      const shown = got === undefined ? 'missing' : isSecretName(name) ? 'set (value hidden)' : JSON.stringify(got);
      return `${name}: ${issue.message} (${shown})`;
    });
    throw new ConfigError(problems);
  }
  return Object.freeze(result.data) as Readonly<{ [K in keyof S]: z.output<S[K]> }>;
}

export function isSecretName(name: string): boolean {
  return /KEY|SECRET|PASSWORD|TOKEN|CREDENTIAL/i.test(name);
}

/** Reusable variable types. */
export const env = {
  port: (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback),
  host: (fallback: string) => z.string().min(1).default(fallback),
  url: (fallback?: string) => (fallback === undefined ? z.url() : z.url().default(fallback)),
  /** host:port of a gRPC peer. */
  address: (fallback: string) =>
    z
      .string()
      .regex(/^[A-Za-z0-9.\-_[\]:]+:\d{1,5}$/, 'must be host:port')
      .default(fallback),
  int: (fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER) =>
    z.coerce.number().int().min(min).max(max).default(fallback),
  bool: (fallback: boolean) =>
    z
      .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'must be true or false' })
      .default(fallback ? 'true' : 'false')
      .transform((v) => v === 'true' || v === '1' || v === 'yes'),
  logLevel: () => z.enum(['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly']).default('info'),
  optionalString: () => z.string().min(1).optional(),
  secret: (minLength: number) => z.string().min(minLength, `must be at least ${minLength} characters`),
};

/** Runs `main`, and on a ConfigError prints it and exits 1 (no stack trace). */
export function exitOnConfigError(err: unknown): never {
  if (err instanceof ConfigError) {
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  }
  throw err;
}
