import { ConfigError, env, loadConfig } from './load-config';

describe('loadConfig', () => {
  it('parses and applies defaults', () => {
    const cfg = loadConfig({ PORT: env.port(8080), DEBUG: env.bool(false) }, { DEBUG: 'yes' });
    expect(cfg).toEqual({ PORT: 8080, DEBUG: true });
    expect(Object.isFrozen(cfg)).toBe(true);
  });

  it('names every bad variable and hides secret values', () => {
    let caught: unknown;
    try {
      loadConfig({ PORT: env.port(8080), API_KEY_SECRET: env.secret(32) }, { PORT: 'eighty', API_KEY_SECRET: 'short' });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const message = (caught as Error).message;
    expect(message).toContain('PORT');
    expect(message).toContain('"eighty"');
    expect(message).toContain('API_KEY_SECRET');
    expect(message).toContain('value hidden');
    expect(message).not.toContain('short');
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ PORT: env.port(8080) }, { PORT: '  ' }).PORT).toBe(8080);
  });

  it('reports a missing required variable', () => {
    expect(() => loadConfig({ SECRET_KEY: env.secret(8) }, {})).toThrow(/SECRET_KEY: .*\(missing\)/);
  });
});
