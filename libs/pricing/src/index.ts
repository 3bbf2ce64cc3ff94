export * from './cost';
export * from './media-cost';
