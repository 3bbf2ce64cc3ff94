export * from './bus';
export type { JsMsg, PubAck } from '@nats-io/jetstream';
