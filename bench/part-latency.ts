// The time the relay adds to one message at a moderate, evenly paced load. The same paced client posts
// (a) straight to the stand-in the form mailgun.js would send for that message — the one request a forwarder
// cannot avoid — and (b) the inbound post to the relay (and to the minimal forwarder, for scale). Added time at
// a percentile = that percentile through the forwarder − the same percentile of the direct send.
import type { Child } from './process.js';
import { paced, type PacedOptions } from './load.js';
import { outboundSend } from './messages.js';
import { notificationPosts, pathOf } from './kinds.js';
import { RECEIVING_DOMAIN } from './rules-file.js';
import { SIGNING_KEY } from './sides.js';
import { median, percentile } from './stats.js';
import type { Ledger } from './checks.js';

export interface LatencySides {
  relay: Child;
  relayDomain: string;
  minimal: Child;
  minimalDomain: string;
  directDomain: string;
}

export interface LatencyResult {
  rate: number;
  count: number;
  /** Median over rounds of each side's p50 and p99, in ms. */
  direct: { p50: number; p99: number };
  relay: { p50: number; p99: number };
  minimal: { p50: number; p99: number };
}

export async function measureLatency(api: Child, sides: LatencySides, opts: PacedOptions, rounds: number, ledger: Ledger): Promise<LatencyResult> {
  const direct = outboundSend('u1+shop@inbox.example');
  const inbound = notificationPosts(SIGNING_KEY, RECEIVING_DOMAIN, (n) => `u${n % 5}+shop${n % 97}`);
  const targets = [
    { name: 'direct' as const, url: api.url, path: `/v3/${sides.directDomain}/messages`, make: () => direct, domain: sides.directDomain },
    { name: 'relay' as const, url: sides.relay.url, path: pathOf('notification'), make: inbound, domain: sides.relayDomain },
    { name: 'minimal' as const, url: sides.minimal.url, path: pathOf('notification'), make: inbound, domain: sides.minimalDomain },
  ];
  const p50s = { direct: [] as number[], relay: [] as number[], minimal: [] as number[] };
  const p99s = { direct: [] as number[], relay: [] as number[], minimal: [] as number[] };
  for (let round = 0; round < rounds; round++) {
    for (const t of targets) {
      const run = await ledger.measure(`latency ${t.name} round ${round + 1}`, api, t.domain, async () => {
        const r = await paced(t.url, t.path, t.make, opts);
        return { ...r, ok: r.latencies.length };
      }, opts.connections, opts.count);
      p50s[t.name].push(percentile(run.latencies, 50));
      p99s[t.name].push(percentile(run.latencies, 99));
      process.stderr.write(`  ${t.name.padEnd(9)} round ${round + 1}: p50 ${percentile(run.latencies, 50).toFixed(2)} ms, p99 ${percentile(run.latencies, 99).toFixed(2)} ms\n`);
    }
  }
  const pick = (name: keyof typeof p50s) => ({ p50: median(p50s[name]), p99: median(p99s[name]) });
  return { rate: opts.rate, count: opts.count, direct: pick('direct'), relay: pick('relay'), minimal: pick('minimal') };
}
