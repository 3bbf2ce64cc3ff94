import { createHash } from 'node:crypto';
import type { ChatCompletionRequest, ChatMessage } from '@gatewayz/wire';

/**
 * Traffic splitting per request. Routing returns a cached, deterministic chain whose primary
 * routes carry split weights; the caller draws the first route per request with this pure
 * function (after the cache, so a cached answer never pins traffic). Sticky splits draw from a
 * hash of the conversation instead of a random number: one conversation, one provider.
 */
export function planChain<R extends { splitWeight: number }>(chain: readonly R[], draw: { stickyKey?: string; random?: () => number }): R[] {
  let total = 0;
  for (const r of chain) total += r.splitWeight;
  if (total <= 0) return [...chain];
  const u = draw.stickyKey !== undefined ? unitFromKey(draw.stickyKey) : (draw.random ?? Math.random)();
  let target = u * total;
  let picked = chain.length - 1;
  for (let i = 0; i < chain.length; i++) {
    const w = chain[i]!.splitWeight;
    if (w <= 0) continue;
    if (target < w) {
      picked = i;
      break;
    }
    target -= w;
    picked = i;
  }
  return [chain[picked]!, ...chain.filter((_, i) => i !== picked)];
}

/** A number in [0, 1) from a key's SHA-256. */
export function unitFromKey(key: string): number {
  return createHash('sha256').update(key).digest().readUInt32BE(0) / 2 ** 32;
}

function text(content: ChatMessage['content']): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((p) => ('text' in p && typeof p.text === 'string' ? p.text : '')).join('\n');
}

/**
 * Identifies a conversation across its turns: the caller plus the opening system and user
 * messages, which stay the same as the conversation grows.
 */
export function conversationKey(userId: string, request: Pick<ChatCompletionRequest, 'messages'>): string {
  const system = request.messages.find((m) => m.role === 'system' || m.role === 'developer');
  const user = request.messages.find((m) => m.role === 'user');
  return createHash('sha256')
    .update(`${userId}\n${system ? text(system.content) : ''}\n${user ? text(user.content) : ''}`)
    .digest('hex');
}
