export * from './client';
export * from './context';
export * from './server';
export * from './service-types';
export * from './status-mapping';
