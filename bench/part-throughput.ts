// Parts 1 and 2: requests per second of signed parsed-mode posts through the minimal forwarder, the relay with
// 5 users and the relay with 10,000 users, all running at once and loaded in turn (the order rotates each round).
import type { Child } from './process.js';
import { throughput, type ThroughputOptions } from './load.js';
import { parsedPosts, type Body } from './payloads.js';
import { RECEIVING_DOMAIN } from './rules-file.js';
import { SIGNING_KEY } from './sides.js';
import { median } from './stats.js';
import type { Ledger } from './checks.js';
import { cpuMs } from './proc.js';

export interface Side {
  name: 'minimal' | 'relay5' | 'relay10k';
  child: Child;
  /** The sending domain its sends are counted under at the stand-in. */
  domain: string;
  /** Users the recipients are spread over: u0 … u<users-1>. */
  users: number;
}

export interface ThroughputSettings {
  rounds: number;
  warmup: ThroughputOptions;
  run: ThroughputOptions;
}

export type ThroughputResult = Record<Side['name'], { medianRps: number; runs: number[]; medianCpuUs: number; cpuUs: number[] }>;

function postsFor(side: Side): (n: number) => Body {
  // u<n>+shop: rule `{user}+{service}` for the relays; the minimal forwarder ignores the recipient.
  return parsedPosts(SIGNING_KEY, RECEIVING_DOMAIN, (n) => `u${(n * 7919) % side.users}+shop${n % 97}`);
}

export async function measureThroughput(api: Child, sides: Side[], settings: ThroughputSettings, ledger: Ledger): Promise<ThroughputResult> {
  const runs = new Map<Side['name'], number[]>(sides.map((s) => [s.name, []]));
  // CPU time per accepted post: steadier than req/s when other work shares the machine.
  const cpu = new Map<Side['name'], number[]>(sides.map((s) => [s.name, []]));
  for (const side of sides) {
    await ledger.measure(`${side.name} warm-up`, api, side.domain, () => throughput(side.child.url, '/mailgun/inbound', postsFor(side), settings.warmup), settings.warmup.connections, settings.warmup.amount);
  }
  for (let round = 0; round < settings.rounds; round++) {
    const order = sides.map((_, i) => sides[(i + round) % sides.length] as Side);
    for (const side of order) {
      const cpuBefore = cpuMs(side.child.pid);
      const run = await ledger.measure(`${side.name} round ${round + 1}`, api, side.domain, () => throughput(side.child.url, '/mailgun/inbound', postsFor(side), settings.run), settings.run.connections, settings.run.amount);
      const cpuUs = ((cpuMs(side.child.pid) - cpuBefore) * 1000) / run.ok;
      runs.get(side.name)?.push(run.rps);
      cpu.get(side.name)?.push(cpuUs);
      process.stderr.write(`  ${side.name.padEnd(9)} round ${round + 1}: ${run.rps.toFixed(0)} req/s, ${cpuUs.toFixed(0)} µs CPU per post\n`);
    }
  }
  const result = {} as ThroughputResult;
  for (const [name, values] of runs) {
    const cpuUs = cpu.get(name) ?? [];
    result[name] = { medianRps: median(values), runs: values, medianCpuUs: median(cpuUs), cpuUs };
  }
  return result;
}
