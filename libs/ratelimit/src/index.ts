export * from './fallback-store';
export * from './sliding-log';
export * from './velocity';
export * from './window-limiter';
export * from './windows';
