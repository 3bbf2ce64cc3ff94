export { simAdapter, type SimOptions } from './sim';
