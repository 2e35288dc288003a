// `npm run bench` (full) or `npm run bench -- --smoke` / BENCH_SMOKE=1 (tiny, for CI: checks that every part runs
// and every send happens, asserts no timing). Prints one JSON line on stdout; progress and a summary on stderr.
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Child } from './process.js';
import { createLedger } from './checks.js';
import { startMinimal, startRelay, startStandIn } from './sides.js';
import { writeRulesFile } from './rules-file.js';
import { measureThroughput, type Side } from './part-throughput.js';
import { measureLatency } from './part-latency.js';
import { measureRoute } from './part-route.js';
import { measureMemory, type MemoryKind, type MemoryRun } from './part-memory.js';
import { round } from './stats.js';
import { summary } from './summary.js';
import { SETTINGS } from './settings.js';

const smoke = process.argv.includes('--smoke') || process.env.BENCH_SMOKE === '1';
const settings = SETTINGS[smoke ? 'smoke' : 'full'];
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const children: Child[] = [];
const ledger = createLedger();
const log = (line: string): void => void process.stderr.write(`${line}\n`);

// The bench stops by itself: a run that outlives its budget is killed, children and all.
const deadline = setTimeout(() => {
  log(`bench: over the ${settings.limitS} s limit, stopping`);
  void Promise.allSettled(children.map((c) => c.stop())).then(() => process.exit(2));
}, settings.limitS * 1000);

async function track(child: Promise<Child>): Promise<Child> {
  const started = await child;
  children.push(started);
  return started;
}

const dir = await mkdtemp(join(tmpdir(), 'plus-relay-bench-'));
try {
  const rules5 = await writeRulesFile(dir, 5);
  const rules10k = await writeRulesFile(dir, 10_000);
  const api = await track(startStandIn(root));

  log(`throughput (${smoke ? 'smoke' : 'full'}): minimal forwarder, relay with 5 users, relay with 10,000 users`);
  const minimal = await track(startMinimal(root, api, 'minimal.bench'));
  const relay5 = await track(startRelay(root, api, rules5, 'relay5.bench'));
  const relay10k = await track(startRelay(root, api, rules10k, 'relay10k.bench'));
  const sides: Side[] = [
    { name: 'minimal', child: minimal, domain: 'minimal.bench', users: 5 },
    { name: 'relay5', child: relay5, domain: 'relay5.bench', users: 5 },
    { name: 'relay10k', child: relay10k, domain: 'relay10k.bench', users: 10_000 },
  ];
  const tp = await measureThroughput(api, sides, settings.throughput, ledger);
  await relay10k.stop();

  const route = await measureRoute(rules5, rules10k, settings.route.batches, settings.route.perBatch);
  log(`route(): ${route.users5Us.toFixed(2)} µs with 5 users, ${route.users10kUs.toFixed(2)} µs with 10,000`);

  const rate = smoke ? settings.latency.rate : Math.max(20, Math.min(1000, Math.round(tp.relay5.medianRps * settings.latency.loadShare)));
  const count = smoke ? settings.latency.count : Math.round(rate * settings.latency.seconds);
  log(`latency at ${rate} req/s, ${count} posts per run`);
  const latency = await measureLatency(
    api,
    { relay: relay5, relayDomain: 'relay5.bench', minimal, minimalDomain: 'minimal.bench', directDomain: 'direct.bench' },
    { rate, count, connections: settings.latency.connections },
    settings.latency.rounds,
    ledger,
  );
  await minimal.stop();
  await relay5.stop();

  log(`memory: one ${settings.memory.bytes}-byte message of each kind through a fresh relay`);
  const memory = {} as Record<MemoryKind, MemoryRun & { ratios: number[] }>;
  for (const kind of ['attachment', 'raw'] as const) {
    const runs: MemoryRun[] = [];
    for (let i = 0; i < settings.memory.rounds; i++) {
      const run = await measureMemory(root, api, rules5, kind, settings.memory.bytes, ledger);
      log(`  ${kind.padEnd(10)} run ${i + 1}: idle ${(run.idleRss / 2 ** 20).toFixed(1)} MiB, peak ${(run.peakRss / 2 ** 20).toFixed(1)} MiB, ${run.ratio.toFixed(2)}× the message`);
      runs.push(run);
    }
    const ratios = runs.map((r) => r.ratio);
    // The worst run is the figure: memory is a ceiling, not an average.
    const worst = runs.find((r) => r.ratio === Math.max(...ratios)) as MemoryRun;
    memory[kind] = { ...worst, ratios };
  }

  const cpu = cpus();
  const result = {
    bench: 'plus-relay',
    mode: smoke ? 'smoke' : 'full',
    date: new Date().toISOString(),
    machine: { cpus: cpu.length, cpuModel: cpu[0]?.model.trim() ?? 'unknown', node: process.version, platform: `${process.platform}-${process.arch}` },
    throughput: {
      relay_rps: round(tp.relay5.medianRps, 0),
      minimal_rps: round(tp.minimal.medianRps, 0),
      ratio: round(tp.relay5.medianRps / tp.minimal.medianRps),
      target: 0.9,
      runs: { relay: tp.relay5.runs.map((v) => round(v, 0)), minimal: tp.minimal.runs.map((v) => round(v, 0)) },
      cpu_us_per_post: { relay: round(tp.relay5.medianCpuUs, 0), minimal: round(tp.minimal.medianCpuUs, 0) },
      cpu_ratio: round(tp.minimal.medianCpuUs / tp.relay5.medianCpuUs),
      connections: settings.throughput.run.connections,
    },
    rules_at_scale: {
      users_10000_rps: round(tp.relay10k.medianRps, 0),
      users_5_rps: round(tp.relay5.medianRps, 0),
      ratio: round(tp.relay10k.medianRps / tp.relay5.medianRps),
      target: 0.95,
      runs: { users_10000: tp.relay10k.runs.map((v) => round(v, 0)), users_5: tp.relay5.runs.map((v) => round(v, 0)) },
      cpu_us_per_post: { users_10000: round(tp.relay10k.medianCpuUs, 0), users_5: round(tp.relay5.medianCpuUs, 0) },
      cpu_ratio: round(tp.relay5.medianCpuUs / tp.relay10k.medianCpuUs),
      route_us: { users_10000: round(route.users10kUs, 3), users_5: round(route.users5Us, 3) },
    },
    memory: {
      target: 1.5,
      attachment: memoryJson(memory.attachment),
      raw: memoryJson(memory.raw),
    },
    latency: {
      rate_rps: latency.rate,
      posts_per_run: latency.count,
      relay_added_p50_ms: round(latency.relay.p50 - latency.direct.p50),
      relay_added_p99_ms: round(latency.relay.p99 - latency.direct.p99),
      minimal_added_p50_ms: round(latency.minimal.p50 - latency.direct.p50),
      minimal_added_p99_ms: round(latency.minimal.p99 - latency.direct.p99),
      direct_p50_ms: round(latency.direct.p50),
      direct_p99_ms: round(latency.direct.p99),
      method: 'paced undici Pool; added = forwarder percentile - percentile of posting the same send straight to the stand-in',
    },
    sends: { reached_api: ledger.sends, problems: ledger.problems },
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
  log(summary(result, smoke));
  if (ledger.problems.length > 0) process.exitCode = 1;
} finally {
  clearTimeout(deadline);
  await Promise.allSettled(children.map((c) => c.stop()));
  await rm(dir, { recursive: true, force: true });
}

function memoryJson(run: MemoryRun & { ratios: number[] }) {
  return {
    message_bytes: run.messageBytes,
    post_bytes: run.postBytes,
    idle_rss_mib: round(run.idleRss / 2 ** 20, 1),
    peak_rss_mib: round(run.peakRss / 2 ** 20, 1),
    ratio: round(run.ratio),
    ratios: run.ratios.map((r) => round(r)),
    measured_by: run.source,
  };
}
