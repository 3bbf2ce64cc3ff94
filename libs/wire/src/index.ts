export * from './openai-chat.schema';
export * from './openai-chat.types';
export * from './validation';
export * from './anthropic.types';
