// The processes a benchmark run starts: the lean Mailgun API stand-in, the relay as production runs it
// (src/main.ts, LOG_LEVEL=info, the Mailgun transport and the SQLite store in a fresh DATA_DIR), and the minimal forwarder.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startChild, type Child } from './process.js';

export const SIGNING_KEY = 'bench-webhook-signing-key';
const API_KEY = 'key-bench';
const READY_LINE = /^READY (\d+)$/;
// Fastify's own "Server listening at http://127.0.0.1:PORT" line (the relay logs JSON at info level).
const RELAY_LISTENING = /"msg":"Server listening at http:\/\/127\.0\.0\.1:(\d+)"/;

export async function startStandIn(root: string): Promise<Child> {
  return startChild(root, { name: 'stand-in', entry: 'bench/stand-in.ts', env: {}, ready: READY_LINE, timeoutMs: 30_000 });
}

/** `sendingDomain` is the path the relay's sends arrive under at the stand-in, which counts them per domain. */
export async function startRelay(root: string, api: Child, rulesFile: string, sendingDomain: string): Promise<Child> {
  return startChild(root, {
    name: `relay (${sendingDomain})`,
    entry: 'src/main.ts',
    nodeArgs: ['--expose-gc'],
    env: {
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'info',
      RULES_FILE: rulesFile,
      MAILGUN_API_KEY: API_KEY,
      MAILGUN_WEBHOOK_SIGNING_KEY: SIGNING_KEY,
      MAILGUN_API_URL: api.url,
      MAILGUN_DOMAIN: sendingDomain,
      DATA_DIR: mkdtempSync(join(tmpdir(), 'plus-relay-bench-')),
    },
    ready: RELAY_LISTENING,
    timeoutMs: 60_000,
  });
}

export async function startMinimal(root: string, api: Child, sendingDomain: string): Promise<Child> {
  return startChild(root, {
    name: 'minimal forwarder',
    entry: 'bench/minimal-forwarder.ts',
    env: { SIGNING_KEY, MAILGUN_API_KEY: API_KEY, MAILGUN_API_URL: api.url, MAILGUN_DOMAIN: sendingDomain, FORWARD_TO: 'you@inbox.example' },
    ready: READY_LINE,
    timeoutMs: 30_000,
  });
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
