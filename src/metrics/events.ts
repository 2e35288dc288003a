import { Counter, type Registry } from 'prom-client';
import type { EventResult } from '../events/handle-event.js';
import { BOUNCE_ACTIONS } from '../events/unsuppress.js';
import { EVENT_OUTCOMES } from '../retry-contract.js';

// Mailgun's documented reasons; anything else is counted as `other`, so a label never takes a value from the
// wire (the log line has the exact reason).
const REASONS = ['generic', 'bounce', 'suppress-bounce', 'suppress-complaint', 'suppress-unsubscribe', 'old', 'other'] as const;
const SEVERITIES = ['permanent', 'temporary'] as const;

export interface EventMetrics {
  event(result: EventResult): void;
}

/** What happens after a forward was queued: event posts, failed forwards and what was done about bounces. */
export function createEventMetrics(registry: Registry): EventMetrics {
  const registers = [registry];
  const events = new Counter({ name: 'plus_relay_events_total', help: 'Mailgun event webhook posts by outcome', labelNames: ['outcome'], registers });
  const failures = new Counter({
    name: 'plus_relay_forward_failures_total',
    help: 'Forwards Mailgun reported as failed (each event counted once), by severity and Mailgun reason',
    labelNames: ['severity', 'reason'],
    registers,
  });
  const bounces = new Counter({
    name: 'plus_relay_bounce_actions_total',
    help: "What the relay did about a rule target's bounce: removed, removed-again, kept-missing-mailbox, not-listed, recently-handled, error",
    labelNames: ['action'],
    registers,
  });
  // Series exist from the start, so rate() and alerts see zeros rather than nothing.
  for (const outcome of EVENT_OUTCOMES) events.inc({ outcome }, 0);
  for (const severity of SEVERITIES) for (const reason of REASONS) failures.inc({ severity, reason }, 0);
  for (const action of BOUNCE_ACTIONS) bounces.inc({ action }, 0);

  return {
    event(result) {
      events.inc({ outcome: result.outcome });
      if (result.outcome === 'recorded' && result.failure) {
        const reason = (REASONS as readonly string[]).includes(result.failure.reason) ? result.failure.reason : 'other';
        failures.inc({ severity: result.failure.severity, reason });
      }
      if (result.bounce) bounces.inc({ action: result.bounce.action });
    },
  };
}
