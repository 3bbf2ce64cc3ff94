import { runService } from '@gatewayz/logger';
import { initTracing } from '@gatewayz/tracing';
import { loadEdgeConfig } from './config';
import { startEdge } from './server';

runService('edge', async () => {
  const config = loadEdgeConfig();
  initTracing({ service: 'edge', otlpEndpoint: process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT });
  return startEdge(config);
});
