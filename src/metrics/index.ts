export { createRelayMetrics, processMetrics, type RelayMetrics } from './metrics.js';
export { instrumentTransport } from './transport.js';
export { createEventMetrics, type EventMetrics } from './events.js';
export { metricsRoutes, type MetricsRoutesOptions } from './routes.js';
export { createTokenMetrics } from './tokens.js';
