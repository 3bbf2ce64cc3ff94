export * from './breaker-board';
export * from './circuit-breakers';
export * from './keys';
export * from './state-machine';
export * from './stores';
