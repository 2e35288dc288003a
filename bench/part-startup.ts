// Start-up and idle memory: a fresh relay (outbox off: MAILGUN_API_KEY set, sending to the stand-in), a fresh
// minimal forwarder, and the minimal forwarder bundled as the relay is (reported, not judged), one at a time, the
// order rotating each round. Start = wall time from spawn to the first GET /healthz answered 200 (polled every few
// ms on a port chosen beforehand); idle RSS = VmRSS a while after that answer, with no traffic at all.
// Every side restarts as production restarts: with a warm V8 compile cache (Node 22+; Node 20 has none and ignores
// the variable), Node's own NODE_COMPILE_CACHE, one folder per side for the whole part, filled by one unmeasured
// start of each before the rounds: like with like (the relay's own cache in DATA_DIR, src/compile-cache.ts, gives
// way to it). The relay keeps one DATA_DIR for the whole part, as a restart finds its volume: the unmeasured start
// creates its SQLite file and each round opens it (a first start on an empty volume, once in a deployment's life,
// also creates the tables: some 10 ms more).
import { request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import type { Child } from './process.js';
import { startMinimal, startRelay, type Stack } from './sides.js';
import { rssBytes } from './proc.js';
import { median } from './stats.js';
import { freePort } from '../test/support/free-port.js';

export interface StartupSettings {
  rounds: number;
  /** How long after its first 200 a process's RSS counts as idle. */
  idleMs: number;
}

export interface StartupFigures {
  startMs: number[];
  idleRss: number[];
  medianStartMs: number;
  medianIdleRss: number;
}

/** `minimalBundled`: the minimal forwarder bundled as the relay is; reported beside the judged figure, not judged. */
export type StartupResult = Record<'relay' | 'minimal' | 'minimalBundled', StartupFigures>;
type SideName = keyof StartupResult;

const POLL_MS = 3;

/** One GET /healthz on a fresh connection: its status, or 0 when nothing answers (yet). */
function healthz(port: number): Promise<number> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/healthz', agent: false, timeout: 1000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', () => resolve(0));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

/** performance.now() of the first 200 from /healthz; gives up with the start's own error if the process dies. */
async function firstOk(port: number, starting: Promise<Child>): Promise<number> {
  let failed: unknown;
  starting.catch((err: unknown) => {
    failed = err;
  });
  while (failed === undefined) {
    if ((await healthz(port)) === 200) return performance.now();
    await sleep(POLL_MS);
  }
  throw failed;
}

async function once(start: (port: number) => Promise<Child>, idleMs: number): Promise<{ startMs: number; idleRss: number }> {
  const port = await freePort();
  const spawned = performance.now();
  const starting = start(port);
  const ok = await firstOk(port, starting);
  const child = await starting;
  try {
    await sleep(idleMs);
    return { startMs: ok - spawned, idleRss: rssBytes(child.pid) };
  } finally {
    await child.stop();
  }
}

export async function measureStartup(stack: Stack, rulesFile: string, settings: StartupSettings): Promise<StartupResult> {
  const dataDir = mkdtempSync(join(stack.dir, 'data-startup-'));
  const sides: Record<SideName, (port: number) => Promise<Child>> = {
    relay: (port) => startRelay(stack, rulesFile, 'startup-relay.bench', port, { NODE_COMPILE_CACHE: join(stack.dir, 'compile-cache-relay'), DATA_DIR: dataDir }),
    minimal: (port) => startMinimal(stack, 'startup-minimal.bench', port, { NODE_COMPILE_CACHE: join(stack.dir, 'compile-cache-minimal') }),
    minimalBundled: (port) =>
      startMinimal(stack, 'startup-minimal.bench', port, { NODE_COMPILE_CACHE: join(stack.dir, 'compile-cache-minimal-bundled') }, { entry: stack.builds.minimalBundled }),
  };
  const names = Object.keys(sides) as SideName[];
  for (const name of names) await once(sides[name], 0);
  const runs = Object.fromEntries(names.map((name) => [name, { startMs: [] as number[], idleRss: [] as number[] }])) as Record<SideName, { startMs: number[]; idleRss: number[] }>;
  for (let round = 0; round < settings.rounds; round++) {
    // The order rotates each round, so no side always starts first after a pause or right after another.
    const order = names.map((_, i) => names[(i + round) % names.length] as SideName);
    for (const name of order) {
      const run = await once(sides[name], settings.idleMs);
      runs[name].startMs.push(run.startMs);
      runs[name].idleRss.push(run.idleRss);
      process.stderr.write(`  ${name.padEnd(14)} round ${round + 1}: first 200 after ${run.startMs.toFixed(0)} ms, idle RSS ${(run.idleRss / 2 ** 20).toFixed(1)} MiB\n`);
    }
  }
  const figures = (r: { startMs: number[]; idleRss: number[] }): StartupFigures => ({ ...r, medianStartMs: median(r.startMs), medianIdleRss: median(r.idleRss) });
  return { relay: figures(runs.relay), minimal: figures(runs.minimal), minimalBundled: figures(runs.minimalBundled) };
}
