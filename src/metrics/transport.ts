import { UpstreamRefused, type Transport } from '../forward/types.js';
import type { RelayMetrics } from './metrics.js';

/** The same transport, timing every send: the Mailgun API latency, by result. */
export function instrumentTransport(transport: Transport, metrics: RelayMetrics): Transport {
  return {
    name: transport.name,
    async send(message) {
      const started = performance.now();
      const seconds = () => (performance.now() - started) / 1000;
      try {
        const result = await transport.send(message);
        metrics.send(transport.name, 'ok', seconds());
        return result;
      } catch (err) {
        metrics.send(transport.name, err instanceof UpstreamRefused ? 'refused' : 'unavailable', seconds());
        throw err;
      }
    },
  };
}
