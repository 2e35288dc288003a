// `npm run bench` (full: about 10 minutes on 2 cores) or `npm run bench -- --smoke` / BENCH_SMOKE=1 (tiny, for CI:
// checks that every part runs and every send happens, judges no figure). It builds the relay (`npm run build`'s
// tsc, then the bundle) and the minimal forwarder first, then measures, side by side in one run:
//   start-up      fresh relay vs fresh minimal forwarder: spawn → first 200 from /healthz, and idle RSS after it
//   CPU per post  per kind (notification, newsletter, attachment, raw) and for the mix, relay vs the durable minimal
//                 forwarder (judged) and the stateless one (printed beside);
//                 for notifications also the relay with 10,000 users (rules at scale), and the raw burst's DNS
//                 questions at the bench's DNS server (the DMARC check's cache)
//   route()       in process, 5 vs 10,000 users (reported, not judged)
//   latency       added at a quarter of capacity, evenly paced (reported, not judged)
//   memory        one 25 MB attachment and one 25 MB raw message through a fresh relay: peak RSS over idle ÷ size
// Prints one JSON line on stdout, progress and a summary (every figure with its target) on stderr. Exit 1: a
// target missed (full runs only) or a post not answered 200 / not sent exactly once (any run). Exit 2: over time.
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startDnsServer, type DnsQuestion } from '../test/support/dns-server.js';
import { stopAll } from './process.js';
import { build } from './build.js';
import { createLedger } from './checks.js';
import { dkimSigner } from './dkim.js';
import { startDurable, startMinimal, startRelay, startStandIn, type Stack } from './sides.js';
import { writeRulesFile } from './rules-file.js';
import { measureStartup } from './part-startup.js';
import { measureKind, type KindResult, type Side } from './part-cpu.js';
import { measureLatency } from './part-latency.js';
import { measureRoute } from './part-route.js';
import { measureMemory, type MemoryKind, type MemoryRun } from './part-memory.js';
import { KINDS, type Kind } from './kinds.js';
import { countLookups } from './lookups.js';
import { report } from './report.js';
import { summary } from './summary.js';
import { SETTINGS } from './settings.js';

const smoke = process.argv.includes('--smoke') || process.env.BENCH_SMOKE === '1';
const settings = SETTINGS[smoke ? 'smoke' : 'full'];
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const ledger = createLedger();
const log = (line: string): void => void process.stderr.write(`${line}\n`);
const loadAtStart = loadavg();

// The bench stops by itself: a run that outlives its budget is killed, children and all.
const deadline = setTimeout(() => {
  log(`bench: over the ${settings.limitS} s limit, stopping`);
  void stopAll().then(() => process.exit(2));
}, settings.limitS * 1000);

const dir = await mkdtemp(join(tmpdir(), 'plus-relay-bench-'));
const dkim = dkimSigner();
const dns = await startDnsServer(dkim.records);
try {
  log(`build (${smoke ? 'smoke' : 'full'} run): the relay with npm run build (tsc, then the bundle), the minimal forwarder into .bench/`);
  const built = performance.now();
  const builds = await build(root);
  const buildS = (performance.now() - built) / 1000;
  const rules5 = await writeRulesFile(dir, 5);
  const rules10k = await writeRulesFile(dir, 10_000);
  const api = await startStandIn(root);
  const stack: Stack = { root, builds, api, dns: dns.address, dir };

  log(`start-up: ${settings.startup.rounds} round(s), a fresh relay and a fresh minimal forwarder each`);
  const startup = await measureStartup(stack, rules5, settings.startup);

  log('CPU per post: minimal forwarder (stateless, durable), relay with 5 users (and, for notifications, with 10,000 users)');
  const minimal: Side = { name: 'minimal', child: await startMinimal(stack, 'minimal.bench'), domain: 'minimal.bench', users: 5 };
  const durable: Side = { name: 'durable', child: await startDurable(stack, 'durable.bench'), domain: 'durable.bench', users: 5 };
  const relay5: Side = { name: 'relay5', child: await startRelay(stack, rules5, 'relay5.bench'), domain: 'relay5.bench', users: 5 };
  const relay10k: Side = { name: 'relay10k', child: await startRelay(stack, rules10k, 'relay10k.bench'), domain: 'relay10k.bench', users: 10_000 };
  const kinds = {} as Record<Kind, KindResult>;
  let rawQuestions: DnsQuestion[] = [];
  for (const kind of KINDS) {
    const sides = kind === 'notification' ? [minimal, durable, relay5, relay10k] : [minimal, durable, relay5];
    const asked = dns.questions.length;
    kinds[kind] = await measureKind(api, kind, sides, settings.cpu.kinds[kind], settings.cpu.rounds, ledger, dkim);
    if (kind === 'notification') await relay10k.child.stop();
    // Only relay5 asks anything during these runs: the minimal forwarders check no DMARC.
    if (kind === 'raw') rawQuestions = dns.questions.slice(asked);
  }
  await durable.child.stop();
  const dmarc = countLookups(rawQuestions, dkim.names, kinds.raw.sides.relay5?.posts ?? 0);
  // Never asked is no saving: the check did not run (as when a bundling slip left mailauth's functions undefined and
  // the check let every raw message through). Smoke runs fail on it too.
  if (dmarc.posts > 0 && !dmarc.asked[dkim.dmarcName]) ledger.problems.push(`raw: ${dmarc.posts} posts and ${dkim.dmarcName} never asked: the DMARC check did not run`);

  const route = await measureRoute(rules5, rules10k, settings.route.batches, settings.route.perBatch);
  log(`route(): ${route.users5Us.toFixed(2)} µs with 5 users, ${route.users10kUs.toFixed(2)} µs with 10,000`);

  const notificationRps = kinds.notification.sides.relay5?.medianRps ?? 0;
  const rate = smoke ? settings.latency.rate : Math.max(20, Math.min(1000, Math.round(notificationRps * settings.latency.loadShare)));
  const count = smoke ? settings.latency.count : Math.round(rate * settings.latency.seconds);
  log(`latency at ${rate} req/s, ${count} posts per run`);
  const latency = await measureLatency(
    api,
    { relay: relay5.child, relayDomain: relay5.domain, minimal: minimal.child, minimalDomain: minimal.domain, directDomain: 'direct.bench' },
    { rate, count, connections: settings.latency.connections },
    settings.latency.rounds,
    ledger,
  );
  await minimal.child.stop();
  await relay5.child.stop();

  log(`memory: one ${settings.memory.bytes}-byte message of each kind through a fresh relay`);
  const memory = {} as Record<MemoryKind, MemoryRun & { ratios: number[] }>;
  for (const kind of ['attachment', 'raw'] as const) {
    const runs: MemoryRun[] = [];
    for (let i = 0; i < settings.memory.rounds; i++) {
      const run = await measureMemory(stack, rules5, kind, settings.memory.bytes, ledger, dkim);
      log(`  ${kind.padEnd(10)} run ${i + 1}: idle ${(run.idleRss / 2 ** 20).toFixed(1)} MiB, peak ${(run.peakRss / 2 ** 20).toFixed(1)} MiB, ${run.ratio.toFixed(2)}× the message`);
      runs.push(run);
    }
    const ratios = runs.map((r) => r.ratio);
    // The worst run is the figure: memory is a ceiling, not an average.
    const worst = runs.find((r) => r.ratio === Math.max(...ratios)) as MemoryRun;
    memory[kind] = { ...worst, ratios };
  }

  const { json, verdicts } = report({ smoke, buildS, loadavg: { start: loadAtStart, end: loadavg() }, startup, kinds, route, dmarc, memory, latency, ledger });
  process.stdout.write(`${JSON.stringify(json)}\n`);
  log(summary(json, verdicts, smoke));
  if (ledger.problems.length > 0 || verdicts.some((v) => v.met === false)) process.exitCode = 1;
} finally {
  clearTimeout(deadline);
  await stopAll();
  await dns.close();
  await rm(dir, { recursive: true, force: true });
}
