export * from './gateway-error';
export * from './factories';
export * from './wire-format';
