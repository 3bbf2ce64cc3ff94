import { PassThrough } from 'node:stream';
import { createLogger } from './logger';
import { runWithRequestContext } from './request-context';

function capture() {
  const stream = new PassThrough();
  const lines: Record<string, unknown>[] = [];
  stream.on('data', (buf: Buffer) => {
    for (const line of buf.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line));
  });
  return { stream, lines };
}

describe('createLogger', () => {
  it('writes JSON with the service and the current request id', async () => {
    const { stream, lines } = capture();
    const log = createLogger({ service: 'edge', stream });
    runWithRequestContext({ requestId: 'req-123' }, () => log.info('hello', { model: 'sim/echo' }));
    await new Promise((r) => setImmediate(r));
    expect(lines[0]).toMatchObject({ level: 'info', message: 'hello', service: 'edge', request_id: 'req-123', model: 'sim/echo' });
    expect(typeof lines[0]?.timestamp).toBe('string');
  });

  it('never writes a key, password or bearer token', async () => {
    const { stream, lines } = capture();
    const log = createLogger({ service: 'edge', stream });
    const key = 'gw_live_' + 'A'.repeat(43);
    log.warn(`auth failed for ${key}`, {
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      password: 'hunter2hunter2',
      upstream: 'provider said: invalid key sk-proj-abcdefghijklmnop',
    });
    await new Promise((r) => setImmediate(r));
    const text = JSON.stringify(lines);
    expect(text).not.toContain(key);
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('sk-proj-abcdefghijklmnop');
    expect(lines[0]).toMatchObject({ headers: { 'content-type': 'application/json' } });
  });
});
