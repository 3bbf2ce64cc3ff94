import { cpuUsage } from 'node:process';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { Client, Metadata, credentials } from '@grpc/grpc-js';
import { ResolveRequestSchema, ResolveResponseSchema, RoutingService } from '@gatewayz/proto';
import { CHANNEL_OPTIONS, createClient } from '@gatewayz/rpc';

/** Sequential routing.Resolve calls: client CPU and wall time per call, wrapper vs raw grpc-js. */
async function measure(name: string, n: number, call: () => Promise<unknown>): Promise<void> {
  for (let i = 0; i < 300; i++) await call();
  const cpu0 = cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await call();
  const wall = performance.now() - t0;
  const cpu = cpuUsage(cpu0);
  process.stdout.write(`${name.padEnd(30)} wall ${Math.round((wall * 1000) / n)} µs/call, client CPU ${Math.round((cpu.user + cpu.system) / n)} µs/call\n`);
}

async function main(): Promise<void> {
  const addr = process.env.ROUTING_ADDR ?? '127.0.0.1:50051';
  const n = Number(process.env.N ?? 2000);
  const wrapped = createClient(RoutingService, addr, { defaultTimeoutMs: 2_000 });
  const raw = new Client(addr, credentials.createInsecure(), CHANNEL_OPTIONS);
  const rawNoOpts = new Client(addr, credentials.createInsecure());
  const ser = (m: unknown) => Buffer.from(toBinary(ResolveRequestSchema, create(ResolveRequestSchema, m as never)));
  const de = (b: Buffer) => fromBinary(ResolveResponseSchema, b);
  const rawCall = (c: Client, withDeadline: boolean) => () =>
    new Promise((resolve, reject) =>
      c.makeUnaryRequest('/gatewayz.routing.v1.RoutingService/Resolve', ser, de, { model: 'openai/gpt-4o-mini' }, new Metadata(), withDeadline ? { deadline: Date.now() + 2000 } : {}, (err, v) =>
        err ? reject(err) : resolve(v),
      ),
    );
  const noRetry = new Client(addr, credentials.createInsecure(), { ...CHANNEL_OPTIONS, 'grpc.enable_retries': 0, 'grpc.service_config_disable_resolution': 1 });
  await measure('warm-up', n, rawCall(raw, true));
  await measure('raw grpc-js + deadline', n, rawCall(raw, true));
  await measure('no retries + deadline', n, rawCall(noRetry, true));
  await measure('wrapper (libs/rpc)', n, () => wrapped.resolve({ model: 'openai/gpt-4o-mini' }));
  await measure('raw grpc-js, default options', n, rawCall(rawNoOpts, true));
  noRetry.close();
  wrapped.close();
  raw.close();
  rawNoOpts.close();
}
void main();
