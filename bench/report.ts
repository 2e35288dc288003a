// The run's figures as one JSON object, and the verdicts: each judged figure beside its target (targets.ts).
import { cpus } from 'node:os';
import type { Ledger } from './checks.js';
import type { KindResult, SideFigures, SideName } from './part-cpu.js';
import type { LatencyResult } from './part-latency.js';
import type { MemoryKind, MemoryRun } from './part-memory.js';
import type { StartupFigures, StartupResult } from './part-startup.js';
import type { Lookups } from './lookups.js';
import { DESCRIPTION, KINDS, MIX, type Kind } from './kinds.js';
import { judge, type TargetName, type Verdict } from './targets.js';
import { round } from './stats.js';

export interface Measured {
  smoke: boolean;
  buildS: number;
  loadavg: { start: number[]; end: number[] };
  startup: StartupResult;
  kinds: Record<Kind, KindResult>;
  route: { users5Us: number; users10kUs: number };
  dmarc: Lookups;
  memory: Record<MemoryKind, MemoryRun & { ratios: number[] }>;
  latency: LatencyResult;
  ledger: Ledger;
}

const MiB = 2 ** 20;
const CPU_TARGET: Record<Kind, TargetName> = { notification: 'cpuNotification', newsletter: 'cpuNewsletter', attachment: 'cpuAttachment', raw: 'cpuRaw' };
const MEMORY_TARGET: Record<MemoryKind, TargetName> = { attachment: 'memoryAttachment', raw: 'memoryRaw' };

function sideJson(s: SideFigures | undefined) {
  return {
    cpu_us: round(s?.medianCpuUs ?? NaN, 0),
    rps: round(s?.medianRps ?? NaN, 0),
    runs: { cpu_us: (s?.cpuUs ?? []).map((v) => round(v, 0)), rps: (s?.rps ?? []).map((v) => round(v, 0)) },
  };
}

function startupJson(s: StartupFigures) {
  return {
    start_ms: round(s.medianStartMs, 0),
    idle_rss_mib: round(s.medianIdleRss / MiB, 1),
    runs: { start_ms: s.startMs.map((v) => round(v, 0)), idle_rss_mib: s.idleRss.map((v) => round(v / MiB, 1)) },
  };
}

function memoryJson(run: MemoryRun & { ratios: number[] }) {
  return {
    message_bytes: run.messageBytes,
    post_bytes: run.postBytes,
    idle_rss_mib: round(run.idleRss / MiB, 1),
    peak_rss_mib: round(run.peakRss / MiB, 1),
    ratio: round(run.ratio),
    ratios: run.ratios.map((r) => round(r)),
    measured_by: run.source,
  };
}

export function report(m: Measured) {
  const judged = !m.smoke;
  const verdicts: Verdict[] = [];
  const cpuUs = (kind: Kind, side: SideName) => m.kinds[kind].sides[side]?.medianCpuUs ?? NaN;
  const rps = (kind: Kind, side: SideName) => m.kinds[kind].sides[side]?.medianRps ?? NaN;

  const { relay, minimal } = m.startup;
  const rounds = relay.startMs.length;
  verdicts.push(judge('start', relay.medianStartMs / minimal.medianStartMs, `relay ${relay.medianStartMs.toFixed(0)} ms vs minimal ${minimal.medianStartMs.toFixed(0)} ms, medians of ${rounds}`, judged));
  verdicts.push(judge('idleRss', relay.medianIdleRss / minimal.medianIdleRss, `relay ${(relay.medianIdleRss / MiB).toFixed(1)} MiB vs minimal ${(minimal.medianIdleRss / MiB).toFixed(1)} MiB, medians of ${rounds}`, judged));

  // Judged against the durable floor; the stateless one's ratio beside it.
  const stateless = (minimalUs: number, relayUs: number) => `stateless ${(minimalUs / relayUs).toFixed(2)} (${minimalUs.toFixed(0)} µs)`;
  for (const kind of KINDS) {
    const [relay, durable, minimal] = [cpuUs(kind, 'relay5'), cpuUs(kind, 'durable'), cpuUs(kind, 'minimal')];
    const detail = `relay ${relay.toFixed(0)} µs vs durable ${durable.toFixed(0)} µs per post; ${stateless(minimal, relay)}; ${rps(kind, 'relay5').toFixed(0)} vs ${rps(kind, 'durable').toFixed(0)} req/s`;
    verdicts.push(judge(CPU_TARGET[kind], durable / relay, detail, judged));
  }
  // The mix: what a stream of posts in these shares costs each side, per post.
  const mixUs = (side: SideName) => KINDS.reduce((sum, kind) => sum + MIX[kind] * cpuUs(kind, side), 0);
  const weights = KINDS.map((kind) => `${kind} ${MIX[kind] * 100}%`).join(', ');
  const mixDetail = `relay ${mixUs('relay5').toFixed(0)} µs vs durable ${mixUs('durable').toFixed(0)} µs per post of ${weights}; ${stateless(mixUs('minimal'), mixUs('relay5'))}`;
  verdicts.push(judge('cpuMix', mixUs('durable') / mixUs('relay5'), mixDetail, judged));

  const { route } = m;
  const rulesRps = rps('notification', 'relay10k') / rps('notification', 'relay5');
  const rulesDetail = `${cpuUs('notification', 'relay10k').toFixed(0)} vs ${cpuUs('notification', 'relay5').toFixed(0)} µs per notification; by req/s ${rulesRps.toFixed(2)}×; one route() ${route.users10kUs.toFixed(1)} vs ${route.users5Us.toFixed(1)} µs`;
  verdicts.push(judge('rulesAtScale', cpuUs('notification', 'relay5') / cpuUs('notification', 'relay10k'), rulesDetail, judged));

  const asked = Object.entries(m.dmarc.asked).map(([name, n]) => `${name} ${n}×`).join(', ');
  verdicts.push(judge('dmarcLookups', m.dmarc.most, `${asked} for ${m.dmarc.posts} raw posts through one relay`, judged));

  for (const kind of ['attachment', 'raw'] as const) {
    const run = m.memory[kind];
    const detail = `idle ${(run.idleRss / MiB).toFixed(1)} MiB → peak ${(run.peakRss / MiB).toFixed(1)} MiB for ${(run.messageBytes / MiB).toFixed(0)} MiB; worst of ${run.ratios.map((r) => r.toFixed(2)).join(', ')}`;
    verdicts.push(judge(MEMORY_TARGET[kind], run.ratio, detail, judged));
  }

  // Each ratio is computed once, for its verdict; the JSON reports the same numbers.
  const ratio = (name: TargetName): number => verdicts.find((v) => v.name === name)?.value ?? NaN;
  const cpu = cpus();
  const { latency: l, ledger } = m;
  const json = {
    bench: 'plus-relay',
    mode: m.smoke ? 'smoke' : 'full',
    date: new Date().toISOString(),
    machine: {
      cpus: cpu.length,
      cpuModel: cpu[0]?.model.trim() ?? 'unknown',
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
      loadavg: { start: m.loadavg.start.map((v) => round(v)), end: m.loadavg.end.map((v) => round(v)) },
    },
    build_s: round(m.buildS, 1),
    passed: ledger.problems.length === 0 && verdicts.every((v) => v.met !== false),
    verdicts: verdicts.map(({ name, figure, value, target, met }) => ({ name, figure, value: round(value), target, met })),
    startup: {
      relay: startupJson(relay),
      minimal: startupJson(minimal),
      minimal_bundled: startupJson(m.startup.minimalBundled),
      start_ratio_to_bundled_minimal: round(relay.medianStartMs / m.startup.minimalBundled.medianStartMs),
      start_ratio: round(ratio('start')),
      idle_rss_ratio: round(ratio('idleRss')),
    },
    cpu: {
      mix: {
        weights: MIX,
        relay_us: round(mixUs('relay5'), 0),
        durable_us: round(mixUs('durable'), 0),
        minimal_us: round(mixUs('minimal'), 0),
        ratio: round(ratio('cpuMix')),
        stateless_ratio: round(mixUs('minimal') / mixUs('relay5')),
      },
      ...Object.fromEntries(
        KINDS.map((kind) => {
          const k = m.kinds[kind];
          const figures = { description: DESCRIPTION[kind], post_bytes: k.postBytes, connections: k.connections, posts_per_run: k.postsPerRun };
          const sides = { relay: sideJson(k.sides.relay5), durable: sideJson(k.sides.durable), minimal: sideJson(k.sides.minimal) };
          return [kind, { ...figures, ...sides, ratio: round(ratio(CPU_TARGET[kind])), stateless_ratio: round(cpuUs(kind, 'minimal') / cpuUs(kind, 'relay5')) }];
        }),
      ),
    },
    rules_at_scale: {
      users_10000: sideJson(m.kinds.notification.sides.relay10k),
      users_5: sideJson(m.kinds.notification.sides.relay5),
      cpu_ratio: round(ratio('rulesAtScale')),
      rps_ratio: round(rulesRps),
      route_us: { users_10000: round(route.users10kUs, 3), users_5: round(route.users5Us, 3) },
    },
    dmarc_lookups: { raw_posts: m.dmarc.posts, asked: m.dmarc.asked, most_per_name: m.dmarc.most },
    memory: { attachment: memoryJson(m.memory.attachment), raw: memoryJson(m.memory.raw) },
    latency: {
      rate_rps: l.rate,
      posts_per_run: l.count,
      relay_added_p50_ms: round(l.relay.p50 - l.direct.p50),
      relay_added_p99_ms: round(l.relay.p99 - l.direct.p99),
      minimal_added_p50_ms: round(l.minimal.p50 - l.direct.p50),
      minimal_added_p99_ms: round(l.minimal.p99 - l.direct.p99),
      direct_p50_ms: round(l.direct.p50),
      direct_p99_ms: round(l.direct.p99),
      method: 'paced undici Pool; added = forwarder percentile - percentile of posting the same send straight to the stand-in',
    },
    sends: { reached_api: ledger.sends, problems: ledger.problems },
  };
  return { json, verdicts };
}

export type Report = ReturnType<typeof report>['json'];
