export * from './openai-chat.schema';
export * from './openai-chat.types';
export * from './validation';
export * from './anthropic.types';
export * from './openai-media.schema';
export * from './openai-media.types';
