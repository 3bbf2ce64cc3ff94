export * from './fake-upstream';
export * from './fake-openai';
export * from './fake-anthropic';
export * from './fake-stripe';
