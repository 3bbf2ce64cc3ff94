import { Router, type Request, type Response } from 'express';
import { validationError } from '@gatewayz/wire';
import type { AuthContext } from '../auth/api-key-auth';
import type { ApiKeyAuthenticator } from '../auth/api-key-auth';
import { requireApiKey } from '../auth/authenticate.middleware';
import { requireRole } from '../auth/require-role.middleware';
import type { jsonBody } from '../http/json-body';
import { registerProviderSchema } from './custom-providers.schema';
import type { CustomProviderService } from './custom-providers.service';

/**
 * /admin/providers (admin role): register (or replace) a custom OpenAI-compatible provider with
 * its model offers, list the registered ones (never their keys), remove one.
 */
export function adminProvidersRouter(deps: { authenticator: ApiKeyAuthenticator; body: ReturnType<typeof jsonBody>; providers: CustomProviderService }): Router {
  const router = Router();
  router.use(requireApiKey(deps.authenticator), requireRole('admin'));

  router.post('/', deps.body, async (req: Request, res: Response) => {
    const parsed = registerProviderSchema.safeParse(req.body);
    if (!parsed.success) throw validationError(parsed.error);
    const { created, provider } = await deps.providers.register(parsed.data, (req.auth as AuthContext).userId);
    res.status(created ? 201 : 200).json(provider);
  });

  router.get('/', async (_req: Request, res: Response) => {
    res.json({ object: 'list', data: await deps.providers.list() });
  });

  router.delete('/:slug', async (req: Request, res: Response) => {
    const slug = String(req.params.slug);
    await deps.providers.remove(slug);
    res.json({ slug, deleted: true });
  });

  return router;
}
