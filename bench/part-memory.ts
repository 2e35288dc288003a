// Part 3: one large message through a freshly started relay, and how far its resident memory rose above idle,
// as a multiple of the message size. Idle is measured after a small message of the same kind, so code loaded on
// first use (busboy, mailgun.js, form-data) counts as idle, not as the cost of the large message.
import { request } from 'undici';
import type { Child } from './process.js';
import { parsedWithAttachment, rawPost, type Body } from './payloads.js';
import { RECEIVING_DOMAIN } from './rules-file.js';
import { SIGNING_KEY, sendsAt, startRelay } from './sides.js';
import { peakRss, rssBytes } from './proc.js';
import type { Ledger } from './checks.js';

export type MemoryKind = 'attachment' | 'raw';

export interface MemoryRun {
  messageBytes: number;
  postBytes: number;
  idleRss: number;
  peakRss: number;
  ratio: number;
  source: string;
}

const recipient = `u1+shop@${RECEIVING_DOMAIN}`;

function build(kind: MemoryKind, size: number): Body {
  return kind === 'attachment' ? parsedWithAttachment(SIGNING_KEY, recipient, size) : rawPost(SIGNING_KEY, recipient, size);
}

async function post(relay: Child, kind: MemoryKind, body: Body): Promise<number> {
  const path = kind === 'raw' ? '/mailgun/inbound/mime' : '/mailgun/inbound';
  const response = await request(`${relay.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': body.contentType },
    body: body.body,
    headersTimeout: 120_000,
    bodyTimeout: 120_000,
  });
  await response.body.dump();
  return response.statusCode;
}

export async function measureMemory(root: string, api: Child, rulesFile: string, kind: MemoryKind, size: number, ledger: Ledger): Promise<MemoryRun> {
  const domain = `memory-${kind}.bench`;
  const relay = await startRelay(root, api, rulesFile, domain);
  try {
    const before = (await sendsAt(api, domain)).sends;
    const warm = await post(relay, kind, build(kind, 64 * 1024));
    const body = build(kind, size);
    // Let the warm-up's garbage go and the process settle before reading idle.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const idleRss = rssBytes(relay.pid);
    const { peak, result: status, source } = await peakRss(relay.pid, () => post(relay, kind, body));
    const after = await sendsAt(api, domain);
    if (warm !== 200 || status !== 200) ledger.problems.push(`memory ${kind}: relay answered ${warm}, ${status}`);
    if (after.sends - before !== 2) ledger.problems.push(`memory ${kind}: ${after.sends - before} sends reached the API, expected 2`);
    else if (after.maxBytes < size) ledger.problems.push(`memory ${kind}: the largest send carried ${after.maxBytes} bytes, less than the ${size}-byte message`);
    ledger.sends += after.sends - before;
    return { messageBytes: size, postBytes: body.body.length, idleRss, peakRss: peak, ratio: (peak - idleRss) / size, source };
  } finally {
    await relay.stop();
  }
}
