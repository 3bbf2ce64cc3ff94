export * from './registry';
export * from './ops-server';
