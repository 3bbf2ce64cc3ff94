import http from 'node:http';
import { generateKeyPairSync, createPublicKey } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { jwtVerify } from 'jose';
import { FakeUpstream, type WireFormat } from './fake-upstream';
import { geminiWireFormat } from './fake-gemini';

/**
 * Google's OAuth 2.0 token endpoint for service accounts (JWT bearer grant), and a service
 * account whose key it trusts. It verifies each assertion (RS256 signature, iss, aud, scope)
 * before issuing a token, and counts exchanges (to test caching).
 */
export class FakeGoogleOAuth {
  readonly issued: string[] = [];
  readonly rejected: string[] = [];
  private server!: http.Server;
  url = '';
  readonly serviceAccount: { type: string; project_id: string; private_key_id: string; private_key: string; client_email: string; token_uri: string };
  private readonly publicKey: string;

  constructor() {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
    this.publicKey = publicKey;
    this.serviceAccount = { type: 'service_account', project_id: 'fake-project', private_key_id: 'fake-key-1', private_key: privateKey, client_email: 'gatewayz@fake-project.iam.gserviceaccount.com', token_uri: '' };
  }

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/token`;
    this.serviceAccount.token_uri = this.url;
    return this;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    let text = '';
    for await (const c of req) text += (c as Buffer).toString();
    const form = new URLSearchParams(text);
    const reply = (status: number, body: object) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer') return void reply(400, { error: 'unsupported_grant_type' });
    try {
      const { payload } = await jwtVerify(form.get('assertion') ?? '', createPublicKey(this.publicKey), { issuer: this.serviceAccount.client_email, audience: this.url, algorithms: ['RS256'] });
      if (payload.scope !== 'https://www.googleapis.com/auth/cloud-platform') throw new Error('scope');
    } catch {
      this.rejected.push(form.get('assertion') ?? '');
      return void reply(400, { error: 'invalid_grant', error_description: 'Invalid JWT Signature.' });
    }
    const token = `ya29.fake-${this.issued.length + 1}`;
    this.issued.push(token);
    reply(200, { access_token: token, expires_in: 3599, token_type: 'Bearer' });
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** Vertex AI: the Gemini wire format at the regional publisher-model path, behind an OAuth bearer token from `oauth`. */
export function vertexWireFormat(oauth: FakeGoogleOAuth): WireFormat {
  return {
    ...geminiWireFormat,
    path: '/v1/projects/{project}/locations/{location}/publishers/google/models/{model}:generateContent',
    authorize({ headers }) {
      const token = /^Bearer (.+)$/.exec(String(headers.authorization ?? ''))?.[1];
      if (token && oauth.issued.includes(token)) return undefined;
      return { status: 401, body: { error: { code: 401, message: 'Request had invalid authentication credentials.', status: 'UNAUTHENTICATED' } } };
    },
  };
}

export async function fakeVertex(oauth: FakeGoogleOAuth): Promise<FakeUpstream> {
  return new FakeUpstream(vertexWireFormat(oauth)).start();
}

export function fakeGoogleOAuth(): Promise<FakeGoogleOAuth> {
  return new FakeGoogleOAuth().start();
}
