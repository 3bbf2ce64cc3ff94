export * from './api-keys';
export * from './fernet';
