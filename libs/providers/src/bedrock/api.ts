import type { ChatCall } from '../contract';

/** Transport only (Bedrock runtime): the Converse endpoints of a model. */
export const BEDROCK_DEFAULT_REGION = 'us-east-1';

export function bedrockRegion(call: ChatCall): string {
  return call.credentials.settings?.region ?? BEDROCK_DEFAULT_REGION;
}

/** `baseUrl` may carry a `{region}` placeholder (the catalog's https://bedrock-runtime.{region}.amazonaws.com). */
export function converseUrl(call: ChatCall): string {
  const base = call.credentials.baseUrl.replace(/\/+$/, '').replace('{region}', bedrockRegion(call));
  return `${base}/model/${encodeURIComponent(call.target.nativeModel)}/${call.stream ? 'converse-stream' : 'converse'}`;
}

export function converseHeaders(call: ChatCall): Record<string, string> {
  return { 'content-type': 'application/json', accept: call.stream ? 'application/vnd.amazon.eventstream' : 'application/json' };
}
