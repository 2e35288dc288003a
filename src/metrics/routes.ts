import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyPluginAsync } from 'fastify';
import { processMetrics, type RelayMetrics } from './metrics.js';

export interface MetricsRoutesOptions {
  metrics: RelayMetrics;
  /** When set, GET /metrics needs `Authorization: Bearer <token>`. */
  token?: string | undefined;
}

// Hashing first makes the comparison constant-time whatever the lengths.
const digest = (s: string) => createHash('sha256').update(s).digest();

/** GET /metrics in Prometheus text format: this app's counters, then the process's. */
export const metricsRoutes: FastifyPluginAsync<MetricsRoutesOptions> = async (app, { metrics, token }) => {
  const expected = token === undefined ? null : digest(`Bearer ${token}`);
  app.get('/metrics', async (request, reply) => {
    if (expected && !timingSafeEqual(digest(request.headers.authorization ?? ''), expected)) {
      return reply.code(401).header('www-authenticate', 'Bearer realm="metrics"').send({ status: 'unauthorized', message: 'METRICS_TOKEN is set: send Authorization: Bearer <token>' });
    }
    const text = (await metrics.registry.metrics()) + (await processMetrics().metrics());
    return reply.type(metrics.registry.contentType).send(text);
  });
};
