import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { DeliveryResult } from '../deliver.js';
import { OUTCOMES } from '../retry-contract.js';
import { POLICY_REASON_NAMES } from '../policy/outcomes.js';
import { LIMIT_NAMES } from '../rules/resolved-limits.js';

/**
 * What the relay counts. Labels are bounded on purpose: outcome (the retry contract's), rule (an index into
 * rules.yaml), transport, result and a policy reason (a closed list). Never the recipient: anyone can mail random@your-domain, so an
 * address label would grow without limit (a memory leak here and in Prometheus). Addresses are in
 * the delivery log line instead.
 */
export interface RelayMetrics {
  readonly registry: Registry;
  delivery(result: DeliveryResult, durationMs: number): void;
  rulesReload(ok: boolean): void;
  send(transport: string, result: 'ok' | 'refused' | 'unavailable', seconds: number): void;
}

export interface RelayMetricsOptions {
  /** Read at each scrape: how many aliases are blocked now (from the store, so every instance agrees). */
  blockedAliases?: () => Promise<number>;
}

export function createRelayMetrics(options: RelayMetricsOptions = {}): RelayMetrics {
  // One registry per app, not the global one, so tests can build many apps side by side.
  const registry = new Registry();
  const registers = [registry];
  const deliveries = new Counter({ name: 'plus_relay_deliveries_total', help: 'Inbound deliveries by outcome', labelNames: ['outcome'], registers });
  const byRule = new Counter({
    name: 'plus_relay_deliveries_by_rule_total',
    help: 'Inbound deliveries by the rules.yaml rule that decided them (index from 0, "none" when no rule did) and outcome',
    labelNames: ['rule', 'outcome'],
    registers,
  });
  const duration = new Histogram({
    name: 'plus_relay_delivery_duration_seconds',
    help: 'Time from request to answer for inbound deliveries, by outcome',
    labelNames: ['outcome'],
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers,
  });
  const send = new Histogram({
    name: 'plus_relay_send_duration_seconds',
    help: 'Latency of one outgoing send (transport="mailgun": one Mailgun API call), by result',
    labelNames: ['transport', 'result'],
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 15, 30],
    registers,
  });
  const dmarcRewrites = new Counter({
    name: 'plus_relay_dmarc_rewrites_total',
    help: "Raw-mode messages forwarded with From rewritten to the relay's address (the sender's domain enforces DMARC and no aligned DKIM signature verified), by policy",
    labelNames: ['policy'],
    registers,
  });
  const dmarcDnsFailures = new Counter({
    name: 'plus_relay_dmarc_dns_failures_total',
    help: 'Raw-mode messages whose DKIM/DMARC lookups failed or timed out (forwarded unchanged)',
    registers,
  });
  const replyTo = new Counter({
    name: 'plus_relay_reply_to_total',
    help: 'Forwards under replies: true, by how they carry the reply address (action add: the sender DKIM kept; rewrite: From the relay) and why',
    labelNames: ['action', 'reason'],
    registers,
  });
  const replies = new Counter({
    name: 'plus_relay_replies_total',
    help: 'Mail to reply addresses, by reason: sent (the owner reply left as the alias) or why it was refused (nothing sent)',
    labelNames: ['reason'],
    registers,
  });
  const reloads = new Counter({ name: 'plus_relay_rules_reloads_total', help: 'Edits of the rules file that were loaded', registers });
  const reloadFailures = new Counter({ name: 'plus_relay_rules_reload_failures_total', help: 'Edits of the rules file that were invalid (the last good rules stay in use)', registers });
  const rulesValid = new Gauge({ name: 'plus_relay_rules_file_valid', help: '1 when the rules file on disk is what is served, 0 after an invalid edit', registers });
  const refusals = new Counter({
    name: 'plus_relay_policy_refusals_total',
    help: 'Messages a policy refused (406, nothing sent), by reason: blocked, new-alias, sender-blocked, sender-not-allowed, spam, leak',
    labelNames: ['reason'],
    registers,
  });
  const redirects = new Counter({ name: 'plus_relay_policy_redirects_total', help: 'Messages a policy sent to its own {to} target instead, by reason (spam, leak)', labelNames: ['reason'], registers });
  const flood = new Counter({
    name: 'plus_relay_flood_guard_total',
    help: 'Messages the flood guard held back (503, Mailgun retries), by limit: per_minute, per_hour, new_aliases_per_hour',
    labelNames: ['limit'],
    registers,
  });
  const leaks = new Counter({ name: 'plus_relay_leak_signals_total', help: 'Messages from a sender domain new to their alias after its learning period (the leak signal)', registers });
  const { blockedAliases } = options;
  let blocked = 0;
  new Gauge({
    name: 'plus_relay_blocked_aliases',
    help: 'Aliases blocked now (plus-relay block or the admin page); read from the store at each scrape',
    registers,
    async collect() {
      // A store that cannot answer leaves the last value: a scrape must not fail because Redis is down.
      if (blockedAliases) blocked = await blockedAliases().catch(() => blocked);
      this.set(blocked);
    },
  });
  // Series exist from the start, so rate() and alerts see zeros rather than nothing.
  for (const outcome of OUTCOMES) deliveries.inc({ outcome }, 0);
  for (const policy of ['quarantine', 'reject']) dmarcRewrites.inc({ policy }, 0);
  dmarcDnsFailures.inc(0);
  for (const reason of POLICY_REASON_NAMES) refusals.inc({ reason }, 0);
  for (const reason of ['spam', 'leak']) redirects.inc({ reason }, 0);
  leaks.inc(0);
  for (const limit of LIMIT_NAMES) flood.inc({ limit }, 0);
  reloads.inc(0);
  reloadFailures.inc(0);
  rulesValid.set(1);

  return {
    registry,
    delivery(result, durationMs) {
      deliveries.inc({ outcome: result.outcome });
      byRule.inc({ rule: result.rule === null ? 'none' : String(result.rule), outcome: result.outcome });
      duration.observe({ outcome: result.outcome }, durationMs / 1000);
      // Counted when the rewritten message went out, not on each retry of a failed send.
      if (result.dmarc?.action === 'rewrite' && result.ids.length) dmarcRewrites.inc({ policy: result.dmarc.policy ?? 'unknown' });
      if (result.dmarc?.reason === 'dns-error') dmarcDnsFailures.inc();
      const { policy } = result;
      if (policy?.reason && policy.outcome === 'reject') refusals.inc({ reason: policy.reason });
      if (policy?.reason && policy.outcome === 'redirect' && result.outcome === 'forwarded') redirects.inc({ reason: policy.reason });
      // Counted when the message is done with, not on each of Mailgun's retries of a failed send.
      if (result.newSender && (result.outcome === 'forwarded' || result.outcome === 'rejected')) leaks.inc();
      if (result.flood) flood.inc({ limit: result.flood.limit });
      // Counted once done with: a reply sent, or refused (a retry of one that could not be checked yet is not).
      if (result.reply && (result.ids.length || result.reply !== 'sent')) replies.inc({ reason: result.reply });
      if (result.replyTo && result.ids.length) replyTo.inc({ action: result.replyTo.action, reason: result.replyTo.reason });
    },
    rulesReload(ok) {
      (ok ? reloads : reloadFailures).inc();
      rulesValid.set(ok ? 1 : 0);
    },
    send(transport, result, seconds) {
      send.observe({ transport, result }, seconds);
    },
  };
}

let processRegistry: Registry | undefined;

/**
 * Process metrics (CPU, memory, event loop, GC) belong to the process, not to one app: collected once
 * into their own registry, because prom-client's collectors cannot be stopped once started.
 */
export function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}
