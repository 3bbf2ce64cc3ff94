import { Router, type Request } from 'express';
import { z } from 'zod';
import { errors } from '@gatewayz/errors';
import { validationError } from '@gatewayz/wire';
import type { ApiKeyAuthenticator, AuthContext } from '../auth/api-key-auth';
import { requireApiKey } from '../auth/authenticate.middleware';
import { jsonBody } from '../http/json-body';
import type { ProviderKeyRepository, ProviderKeyView } from './provider-keys.repository';

export interface ProviderKeysDeps {
  repository: ProviderKeyRepository;
  /** Provider slugs a user may store a key for (the catalog's, the built-in simulator aside). */
  providers: ReadonlySet<string>;
  /** After a change: forget the user's cached keys (here and, over NATS, on every replica). */
  changed(userId: string): void;
}

const putSchema = z.strictObject({
  api_key: z
    .string({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be a string') })
    .min(8, 'is too short to be a provider key')
    .max(1024, 'is too long')
    .regex(/^\S+$/, 'must not contain whitespace'),
});

function view(v: ProviderKeyView) {
  return { object: 'provider_key', provider: v.provider, last4: v.last4, created_at: v.createdAt.toISOString(), updated_at: v.updatedAt.toISOString() };
}

function providerOf(req: Request, providers: ReadonlySet<string>): string {
  const slug = String((req.params as { provider?: string }).provider ?? '').toLowerCase();
  if (!providers.has(slug)) {
    throw errors.notFound(`Unknown provider '${slug.slice(0, 64)}'. Keys can be stored for: ${[...providers].sort().join(', ')}.`, 'unknown_provider');
  }
  return slug;
}

/**
 * BYOK: a user's own provider keys. GET lists them (provider, last 4 characters, dates; never
 * the key), PUT stores or replaces one (encrypted at rest), DELETE removes it. From the next
 * request on, that provider is called with the user's key (and costs them no credits).
 */
export function providerKeysRouter(deps: ProviderKeysDeps & { authenticator: ApiKeyAuthenticator; body: { limit: number; maxDepth: number } }): Router {
  const router = Router();
  const auth = requireApiKey(deps.authenticator);
  const userId = (req: Request) => (req.auth as AuthContext).userId;

  router.get('/user/provider-keys', auth, async (req, res) => {
    const keys = await deps.repository.list(userId(req));
    res.json({ object: 'list', data: keys.map(view) });
  });

  router.get('/user/provider-keys/:provider', auth, async (req, res) => {
    const provider = providerOf(req, deps.providers);
    const key = await deps.repository.get(userId(req), provider);
    if (!key) throw errors.notFound(`No key stored for provider '${provider}'.`, 'provider_key_not_found');
    res.json(view(key));
  });

  router.put('/user/provider-keys/:provider', auth, jsonBody(deps.body), async (req, res) => {
    const provider = providerOf(req, deps.providers);
    const parsed = putSchema.safeParse(req.body);
    if (!parsed.success) throw validationError(parsed.error);
    const { view: stored, created } = await deps.repository.put(userId(req), provider, parsed.data.api_key);
    deps.changed(userId(req));
    res.status(created ? 201 : 200).json(view(stored));
  });

  router.delete('/user/provider-keys/:provider', auth, async (req, res) => {
    const provider = providerOf(req, deps.providers);
    if (!(await deps.repository.delete(userId(req), provider))) throw errors.notFound(`No key stored for provider '${provider}'.`, 'provider_key_not_found');
    deps.changed(userId(req));
    res.json({ object: 'provider_key', provider, deleted: true });
  });

  return router;
}
