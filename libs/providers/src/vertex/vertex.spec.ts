import { generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createPublicKey } from 'node:crypto';
import { jwtVerify } from 'jose';
import { chatCall } from '../spec-helpers';
import { HttpTransport } from '../transport/http';
import { vertexUrl } from './api';
import { vertexSigner, vertexTranslator } from './index';
import { GoogleTokenSource } from './oauth';
import { ServiceAccounts, type ServiceAccount } from './service-account';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
const account: ServiceAccount = { client_email: 'gw@proj-1.iam.gserviceaccount.com', private_key: privateKey, private_key_id: 'kid-1', project_id: 'proj-1' };

let server: Server;
let tokenUrl: string;
let exchanges: { assertion: string; grant: string }[];
let reply: { status: number; body: object } = { status: 200, body: {} };

beforeAll(async () => {
  server = createServer((req, res) => {
    let text = '';
    req.on('data', (b: Buffer) => (text += b.toString()));
    req.on('end', () => {
      const form = new URLSearchParams(text);
      exchanges.push({ assertion: form.get('assertion') ?? '', grant: form.get('grant_type') ?? '' });
      setTimeout(() => res.writeHead(reply.status, { 'content-type': 'application/json' }).end(JSON.stringify(reply.body)), 20);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  tokenUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`;
});
afterAll(async () => {
  await transport.close();
  await new Promise((r) => server.close(r));
});
beforeEach(() => {
  exchanges = [];
  reply = { status: 200, body: { access_token: 'ya29.token-1', expires_in: 3599, token_type: 'Bearer' } };
});

const transport = new HttpTransport({ connectTimeoutMs: 1000, headersTimeoutMs: 2000, idleTimeoutMs: 2000 });
const signal = new AbortController().signal;

describe('GoogleTokenSource (service-account JWT bearer flow)', () => {
  it('exchanges an RS256 JWT (iss, aud, scope, kid, 1 h) for an access token', async () => {
    const tokens = new GoogleTokenSource(transport);
    expect(await tokens.token({ provider: 'vertex', account, tokenUrl, signal })).toBe('ya29.token-1');
    expect(exchanges).toHaveLength(1);
    expect(exchanges[0]!.grant).toBe('urn:ietf:params:oauth:grant-type:jwt-bearer');
    const { payload, protectedHeader } = await jwtVerify(exchanges[0]!.assertion, createPublicKey(publicKey), { audience: tokenUrl, issuer: account.client_email });
    expect(protectedHeader).toMatchObject({ alg: 'RS256', typ: 'JWT', kid: 'kid-1' });
    expect(payload.scope).toBe('https://www.googleapis.com/auth/cloud-platform');
    expect(payload.exp! - payload.iat!).toBe(3600);
  });

  it('caches the token until shortly before expiry, and shares one exchange between concurrent callers', async () => {
    let now = 1_000_000;
    const tokens = new GoogleTokenSource(transport, () => now);
    const [a, b] = await Promise.all([tokens.token({ provider: 'vertex', account, tokenUrl, signal }), tokens.token({ provider: 'vertex', account, tokenUrl, signal })]);
    expect([a, b]).toEqual(['ya29.token-1', 'ya29.token-1']);
    now += 3_000_000; // 50 minutes later: still valid
    await tokens.token({ provider: 'vertex', account, tokenUrl, signal });
    expect(exchanges).toHaveLength(1);
    reply = { status: 200, body: { access_token: 'ya29.token-2', expires_in: 3599 } };
    now += 560_000; // within the last minute of the token's life: refreshed
    expect(await tokens.token({ provider: 'vertex', account, tokenUrl, signal })).toBe('ya29.token-2');
    expect(exchanges).toHaveLength(2);
  });

  it('a refused exchange is a ProviderError that fails over (never relayed as the user’s auth error)', async () => {
    reply = { status: 400, body: { error: 'invalid_grant', error_description: 'Invalid JWT Signature.' } };
    await expect(new GoogleTokenSource(transport).token({ provider: 'vertex', account, tokenUrl, signal })).rejects.toMatchObject({ status: 502, upstreamStatus: 401, code: 'upstream_auth_failed' });
  });

  it('a token response without access_token is a ProviderError', async () => {
    reply = { status: 200, body: { error: 'nope' } };
    await expect(new GoogleTokenSource(transport).token({ provider: 'vertex', account, tokenUrl, signal })).rejects.toMatchObject({ code: 'upstream_auth_failed' });
  });
});

describe('Vertex AI request', () => {
  const call = (settings: Record<string, string>, stream = false) =>
    chatCall({ provider: 'vertex', adapter: 'vertex', nativeModel: 'gemini-2.0-flash-001', stream, credentials: { apiKey: undefined, baseUrl: 'https://{location}-aiplatform.googleapis.com', settings } });

  it('regional URL with the project from the service account, Gemini body, no key header', () => {
    const built = vertexTranslator(new ServiceAccounts()).buildRequest(call({ credentialsJson: JSON.stringify(account), location: 'europe-west4' }, true));
    expect(built.url).toBe(
      'https://europe-west4-aiplatform.googleapis.com/v1/projects/proj-1/locations/europe-west4/publishers/google/models/gemini-2.0-flash-001:streamGenerateContent?alt=sse',
    );
    expect(built.headers).not.toHaveProperty('x-goog-api-key');
    expect(built.body).toEqual({ contents: [{ role: 'user', parts: [{ text: 'Hi' }] }] });
  });

  it('VERTEX_PROJECT wins; the global location has no regional prefix; us-central1 by default', () => {
    expect(vertexUrl({ baseUrl: 'https://{location}-aiplatform.googleapis.com', project: 'p', location: 'global', model: 'm', stream: false })).toBe(
      'https://aiplatform.googleapis.com/v1/projects/p/locations/global/publishers/google/models/m:generateContent',
    );
    const built = vertexTranslator(new ServiceAccounts()).buildRequest(call({ credentialsJson: JSON.stringify(account), project: 'other' }));
    expect(built.url).toContain('https://us-central1-aiplatform.googleapis.com/v1/projects/other/locations/us-central1/');
  });

  it('missing or unreadable credentials are a configuration error (502, fails over)', () => {
    expect(() => vertexTranslator(new ServiceAccounts()).buildRequest(call({}))).toThrow(expect.objectContaining({ status: 502, code: 'provider_misconfigured' }));
    expect(() => vertexTranslator(new ServiceAccounts()).buildRequest(call({ credentialsJson: '{"client_email":"x"}' }))).toThrow(expect.objectContaining({ code: 'provider_misconfigured' }));
    expect(() => vertexTranslator(new ServiceAccounts()).buildRequest(call({ credentialsFile: '/nonexistent/key.json' }))).toThrow(expect.objectContaining({ code: 'provider_misconfigured' }));
  });

  it('the signer adds the bearer token from the configured token URL', async () => {
    const headers = await vertexSigner(new ServiceAccounts(), transport).sign({ url: '', headers: {}, body: '' }, call({ credentialsJson: JSON.stringify(account), tokenUrl }));
    expect(headers).toEqual({ authorization: 'Bearer ya29.token-1' });
  });
});
