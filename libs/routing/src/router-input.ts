import type { ChatCompletionRequest, ChatMessage } from '@gatewayz/wire';

/** What the routers read of a request (proto RouterInput): bounded, never the whole conversation. */
export interface RouterInputFields {
  prompt: string;
  systemPrompt: string;
  messageCount: number;
  totalChars: number;
  hasTools: boolean;
  hasImages: boolean;
}

export const ROUTER_PROMPT_CHARS = 8_000;

function textOf(content: ChatMessage['content'] | undefined): { text: string; images: boolean } {
  if (typeof content === 'string') return { text: content, images: false };
  if (!Array.isArray(content)) return { text: '', images: false };
  let images = false;
  const parts: string[] = [];
  for (const p of content) {
    if (p.type === 'text') parts.push(p.text);
    else if (p.type === 'image_url') images = true;
  }
  return { text: parts.join('\n'), images };
}

export function isRouterModel(model: string): boolean {
  return model.trim().toLowerCase().startsWith('router:');
}

export function routerInputFrom(request: Pick<ChatCompletionRequest, 'messages' | 'tools'>): RouterInputFields {
  let totalChars = 0;
  let hasImages = false;
  let prompt = '';
  let systemPrompt = '';
  for (const m of request.messages) {
    const { text, images } = textOf(m.content as ChatMessage['content']);
    totalChars += text.length;
    hasImages ||= images;
    if (m.role === 'user') prompt = text;
    else if ((m.role === 'system' || m.role === 'developer') && !systemPrompt) systemPrompt = text;
  }
  return {
    prompt: prompt.slice(0, ROUTER_PROMPT_CHARS),
    systemPrompt: systemPrompt.slice(0, ROUTER_PROMPT_CHARS / 4),
    messageCount: request.messages.length,
    totalChars,
    hasTools: (request.tools?.length ?? 0) > 0,
    hasImages,
  };
}
