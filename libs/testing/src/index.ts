export * from './fake-upstream';
export * from './fake-openai';
export * from './fake-anthropic';
export * from './fake-openai-media';
export * from './fake-gemini';
export * from './fake-google-oauth';
export * from './fake-cohere';
export * from './fake-bedrock';
