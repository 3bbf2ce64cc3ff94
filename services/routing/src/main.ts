import { runService } from '@gatewayz/logger';
import { initTracing } from '@gatewayz/tracing';
import { loadRoutingConfig } from './config';
import { startRouting } from './server';

runService('routing', async () => {
  const config = loadRoutingConfig();
  initTracing({ service: 'routing', otlpEndpoint: process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT });
  return startRouting(config);
});
