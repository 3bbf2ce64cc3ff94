export * from './openai-chat.schema';
export * from './openai-chat.types';
export * from './validation';
export * from './anthropic.types';
export * from './openai-media.schema';
export * from './openai-media.types';
export * from './anthropic-messages.schema';
export * from './openai-completions.schema';
