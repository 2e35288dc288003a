// CPU per post, one kind of post at a time: the minimal forwarders (stateless and durable) and the relay (and, for
// notifications, the relay with 10,000 users), all running at once and loaded in turn by autocannon, the order
// rotating each round. CPU time per accepted post (from /proc) is the figure: steadier than req/s when other work
// shares the machine.
import type { Child } from './process.js';
import { throughput, type ThroughputOptions } from './load.js';
import { RECEIVING_DOMAIN } from './rules-file.js';
import { SIGNING_KEY } from './sides.js';
import { median } from './stats.js';
import type { Ledger } from './checks.js';
import { cpuMs } from './proc.js';
import { pathOf, postsOf, type Kind } from './kinds.js';
import type { DkimSigner } from './dkim.js';

export type SideName = 'minimal' | 'durable' | 'relay5' | 'relay10k';

export interface Side {
  name: SideName;
  child: Child;
  /** The sending domain its sends are counted under at the stand-in. */
  domain: string;
  /** Users the recipients are spread over: u0 … u<users-1>. */
  users: number;
}

export interface KindSettings {
  connections: number;
  warmup: Omit<ThroughputOptions, 'connections'>;
  /**
   * Posts per measured run: a fixed `amount`, or as many as the slowest side's warm-up rate fills `seconds` with
   * (the same number for every side). A run of a fixed number of posts ends with none in flight, so the CPU
   * read after it belongs to exactly the posts it counts.
   */
  run: { amount: number } | { seconds: number };
}

export interface SideFigures {
  /** Posts it accepted in this kind's runs, warm-up included. */
  posts: number;
  cpuUs: number[];
  rps: number[];
  medianCpuUs: number;
  medianRps: number;
}

export interface KindResult {
  kind: Kind;
  postsPerRun: number;
  postBytes: number;
  connections: number;
  sides: Partial<Record<SideName, SideFigures>>;
}

export async function measureKind(api: Child, kind: Kind, sides: Side[], settings: KindSettings, rounds: number, ledger: Ledger, dkim: DkimSigner): Promise<KindResult> {
  const path = pathOf(kind);
  const tallies = await Promise.all(
    sides.map(async (side) => ({
      side,
      // u<n>+shop<k>: rule `{user}+{service}` for the relays; the minimal forwarder ignores the recipient.
      make: await postsOf(kind, SIGNING_KEY, RECEIVING_DOMAIN, (n) => `u${(n * 7919) % side.users}+shop${n % 97}`, dkim),
      posts: 0,
      cpuUs: [] as number[],
      rps: [] as number[],
    })),
  );
  type Tally = (typeof tallies)[number];
  const load = async (t: Tally, opts: ThroughputOptions, label: string) => {
    const run = await ledger.measure(`${kind} ${t.side.name} ${label}`, api, t.side.domain, () => throughput(t.side.child.url, path, t.make, opts), opts.connections, opts.amount);
    t.posts += run.ok;
    return run;
  };

  let slowest = Infinity;
  for (const t of tallies) slowest = Math.min(slowest, (await load(t, { connections: settings.connections, ...settings.warmup }, 'warm-up')).rps);
  const amount = 'amount' in settings.run ? settings.run.amount : Math.max(settings.connections * 4, Math.round(slowest * settings.run.seconds));
  const run: ThroughputOptions = { connections: settings.connections, amount };

  for (let round = 0; round < rounds; round++) {
    const order = tallies.map((_, i) => tallies[(i + round) % tallies.length] as Tally);
    for (const t of order) {
      const cpuBefore = cpuMs(t.side.child.pid);
      const result = await load(t, run, `round ${round + 1}`);
      const cpuUs = ((cpuMs(t.side.child.pid) - cpuBefore) * 1000) / result.ok;
      t.cpuUs.push(cpuUs);
      t.rps.push(result.rps);
      process.stderr.write(`  ${kind.padEnd(12)} ${t.side.name.padEnd(9)} round ${round + 1}: ${result.rps.toFixed(0)} req/s, ${cpuUs.toFixed(0)} µs CPU per post\n`);
    }
  }
  const result: KindResult = { kind, postsPerRun: amount, postBytes: tallies[0]?.make(0).body.length ?? 0, connections: settings.connections, sides: {} };
  for (const { side, posts, cpuUs, rps } of tallies) result.sides[side.name] = { posts, cpuUs, rps, medianCpuUs: median(cpuUs), medianRps: median(rps) };
  return result;
}
