import type { WindowLimiter } from '@gatewayz/ratelimit';
import type { Usage } from '@gatewayz/proto';
import type { AuthContext } from '../auth/api-key-auth';
import { TOKEN_WINDOWS } from './plan-limits';

/**
 * Layer 2's token budgets (per minute, day, month) are filled after each response with the
 * tokens it used (InferenceService.finish calls `record`). Off the request path.
 */
export class TokenMeter {
  constructor(private readonly limiter: WindowLimiter) {}

  record(auth: AuthContext, usage: Usage): void {
    if (auth.anonymous || auth.keyId === '') return;
    const tokens = usage.inputTokens + usage.cacheReadTokens + usage.cacheWriteTokens + usage.outputTokens;
    if (tokens > 0) void this.limiter.add(`key:${auth.keyId}`, TOKEN_WINDOWS, tokens);
  }
}
