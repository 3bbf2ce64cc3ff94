import { runService } from '@gatewayz/logger';
import { initTracing } from '@gatewayz/tracing';
import { loadProviderProxyConfig } from './config';
import { startProviderProxy } from './server';

runService('provider-proxy', async () => {
  const config = loadProviderProxyConfig();
  initTracing({ service: 'provider-proxy', otlpEndpoint: process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT });
  return startProviderProxy(config);
});
