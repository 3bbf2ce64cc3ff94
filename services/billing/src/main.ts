import { runService } from '@gatewayz/logger';
import { initTracing } from '@gatewayz/tracing';
import { loadBillingConfig } from './config';
import { startBilling } from './server';

runService('billing', async () => {
  const config = loadBillingConfig();
  initTracing({ service: 'billing', otlpEndpoint: process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT });
  return startBilling(config);
});
