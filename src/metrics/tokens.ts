import { Counter, type Registry } from 'prom-client';
import type { TokenEndpoint } from '../admin/failed-tokens.js';

/** Refused tokens on /admin and /api: a guesser shows here as a rising count (its log is a line a minute). */
export function createTokenMetrics(registry: Registry): { refused(endpoint: TokenEndpoint): void } {
  const refused = new Counter({
    name: 'plus_relay_token_failures_total',
    help: 'Requests to /admin (ADMIN_TOKEN) and /api (ALIAS_API_TOKEN) refused for a missing or wrong token, by endpoint',
    labelNames: ['endpoint'],
    registers: [registry],
  });
  for (const endpoint of ['admin', 'api'] as const) refused.inc({ endpoint }, 0);
  return { refused: (endpoint) => refused.inc({ endpoint }) };
}
