import type { ChatCompletionRequest } from '@gatewayz/wire';
import { unsupported } from './params';

/**
 * response_format for APIs without a JSON mode (Anthropic Messages, Bedrock Converse): the
 * schema becomes a tool the model is made to call, and that call's input comes back as the
 * message content (finish_reason "stop"). This is how Anthropic documents getting JSON out of
 * Claude; the answer follows the schema because the API validates tool input against it.
 */
export interface JsonEmulation {
  tool: { name: string; description: string; schema: Record<string, unknown> };
  /**
   * 'force': the model must call this tool (no user tool is callable). 'any': the model must
   * call some tool, so the user's tools stay callable and a plain answer arrives as JSON.
   */
  choice: 'force' | 'any';
}

/** The context translators carry from request to response when they emulate JSON output. */
export interface JsonToolContext {
  jsonTool?: string;
}

const JSON_OBJECT_TOOL = 'json_response';

export function planJsonEmulation(provider: string, request: ChatCompletionRequest, providerName: string): JsonEmulation | undefined {
  const rf = request.response_format;
  if (!rf || rf.type === 'text') return undefined;
  const userTools = request.tools ?? [];
  const choice = request.tool_choice;
  // A forced user tool means the answer is that tool call, never JSON text: nothing to emulate.
  if (userTools.length > 0 && (choice === 'required' || typeof choice === 'object')) return undefined;
  const name = rf.type === 'json_schema' ? rf.json_schema.name : JSON_OBJECT_TOOL;
  if (userTools.some((t) => t.function.name === name)) {
    throw unsupported(provider, 'response_format', `${providerName} returns JSON through a tool named '${name}', which clashes with one of your tools; rename the schema.`);
  }
  const schema = rf.type === 'json_schema' ? (rf.json_schema.schema ?? { type: 'object' }) : { type: 'object' };
  if (schema.type !== undefined && schema.type !== 'object') {
    throw unsupported(provider, 'response_format', `${providerName} can only return a JSON object: the schema's root type must be "object".`);
  }
  const description =
    rf.type === 'json_schema' && rf.json_schema.description
      ? rf.json_schema.description
      : 'Give your final answer by calling this tool; its input is the answer, as JSON.';
  return {
    tool: { name, description, schema: { type: 'object', ...schema } },
    choice: userTools.length > 0 && choice !== 'none' ? 'any' : 'force',
  };
}
