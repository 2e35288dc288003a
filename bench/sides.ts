// The processes a benchmark run starts: the lean Mailgun API stand-in, the relay as production runs it (the built
// dist/main.js with --expose-gc, NODE_ENV=production, LOG_LEVEL=info, the Mailgun transport, the SQLite store in a
// fresh DATA_DIR, DKIM/DMARC lookups through the bench's DNS server), and the minimal forwarder, compiled as well:
// stateless, or durable (its SQLite ledger in a fresh DATA_DIR of its own).
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { startChild, type Child } from './process.js';
import type { Builds } from './build.js';

export const SIGNING_KEY = 'bench-webhook-signing-key';
const API_KEY = 'key-bench';
const READY_LINE = /^READY (\d+)$/;
// Fastify's own "Server listening at http://127.0.0.1:PORT" line (the relay logs JSON at info level).
const RELAY_LISTENING = /"msg":"Server listening at http:\/\/127\.0\.0\.1:(\d+)"/;

/** Which build a side runs (its entry, relative to the repository root) and with which extra node flags. */
export interface StartOptions {
  entry?: string;
  nodeArgs?: string[];
}

/** What every forwarder of one run shares. */
export interface Stack {
  root: string;
  builds: Builds;
  api: Child;
  /** `127.0.0.1:<port>` of the bench's DNS server, the relay's DNS_SERVERS. */
  dns: string;
  /** The run's scratch folder (removed at the end): each relay's fresh DATA_DIR goes in it. */
  dir: string;
}

export async function startStandIn(root: string): Promise<Child> {
  return startChild(root, { name: 'stand-in', entry: 'bench/stand-in.ts', tsx: true, env: {}, ready: READY_LINE, timeoutMs: 30_000 });
}

/**
 * `sendingDomain` is the path the relay's sends arrive under at the stand-in, which counts them per domain.
 * `port` 0 lets the system pick; the start-up part gives a known one, to poll it from the first moment, and its
 * compile cache folder in `extraEnv`. Options as for startMinimal: `entry`, another build of the relay (the
 * production one by default); `nodeArgs`, node flags beside production's --expose-gc.
 */
export async function startRelay(
  stack: Stack,
  rulesFile: string,
  sendingDomain: string,
  port = 0,
  extraEnv: Record<string, string> = {},
  { entry = stack.builds.relay, nodeArgs = [] }: StartOptions = {},
): Promise<Child> {
  return startChild(stack.root, {
    name: `relay (${sendingDomain})`,
    entry,
    nodeArgs: ['--expose-gc', ...nodeArgs],
    env: {
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL: 'info',
      RULES_FILE: rulesFile,
      MAILGUN_API_KEY: API_KEY,
      MAILGUN_WEBHOOK_SIGNING_KEY: SIGNING_KEY,
      MAILGUN_API_URL: stack.api.url,
      MAILGUN_DOMAIN: sendingDomain,
      DATA_DIR: mkdtempSync(join(stack.dir, 'data-')),
      DNS_SERVERS: stack.dns,
      ...extraEnv,
    },
    ready: RELAY_LISTENING,
    timeoutMs: 60_000,
  });
}

/**
 * `entry`: the minimal forwarder as transpiled (the floor; the default), or bundled as the relay is (the start-up
 * part reports both); `nodeArgs`: extra node flags (bench/profile-cpu.ts's --cpu-prof).
 */
export async function startMinimal(
  stack: Stack,
  sendingDomain: string,
  port = 0,
  extraEnv: Record<string, string> = {},
  { entry = stack.builds.minimal, nodeArgs = [] }: StartOptions = {},
): Promise<Child> {
  return startChild(stack.root, {
    name: extraEnv.DATA_DIR ? 'durable minimal forwarder' : 'minimal forwarder',
    entry,
    nodeArgs,
    env: {
      PORT: String(port),
      SIGNING_KEY,
      MAILGUN_API_KEY: API_KEY,
      MAILGUN_API_URL: stack.api.url,
      MAILGUN_DOMAIN: sendingDomain,
      FORWARD_TO: 'you@inbox.example',
      ...extraEnv,
    },
    ready: READY_LINE,
    timeoutMs: 30_000,
  });
}

/** The minimal forwarder with its durable ledger (claim, send, completion) in a fresh DATA_DIR. */
export async function startDurable(stack: Stack, sendingDomain: string, options: StartOptions = {}): Promise<Child> {
  return startMinimal(stack, sendingDomain, 0, { DATA_DIR: mkdtempSync(join(stack.dir, 'durable-')) }, options);
}

export interface DomainStats {
  sends: number;
  bytes: number;
  maxBytes: number;
}

export async function sendsAt(api: Child, domain: string): Promise<DomainStats> {
  const response = await fetch(`${api.url}/__stats`);
  const all = (await response.json()) as Record<string, DomainStats | undefined>;
  return all[domain] ?? { sends: 0, bytes: 0, maxBytes: 0 };
}

/** The stand-in's count once in-flight sends have landed: stable over 100 ms, or after 5 s. */
export async function settledSends(api: Child, domain: string): Promise<number> {
  let last = (await sendsAt(api, domain)).sends;
  for (let i = 0; i < 50; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    const now = (await sendsAt(api, domain)).sends;
    if (now === last) return now;
    last = now;
  }
  return last;
}
