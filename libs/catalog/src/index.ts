export * from './catalog-file';
export * from './catalog-index';
export * from './money';
export * from './seed';
