// One large message through a freshly started relay, and how far its resident memory rose above idle,
// as a multiple of the message size. Idle is measured after a small message of the same kind, so code loaded on
// first use (busboy, mailgun.js, form-data) counts as idle, not as the cost of the large message.
import { request } from 'undici';
import type { Child } from './process.js';
import { randomBytes } from 'node:crypto';
import { attachmentPost, freshStamp, rawPost, type Body } from './payloads.js';
import { MIME_CONTENT_TYPE, NOTIFICATION, mimeMessage } from './messages.js';
import { pathOf } from './kinds.js';
import { RECEIVING_DOMAIN } from './rules-file.js';
import { SIGNING_KEY, sendsAt, startRelay, type Stack } from './sides.js';
import type { DkimSigner } from './dkim.js';
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

const local = 'u1+shop';
const recipient = `${local}@${RECEIVING_DOMAIN}`;

/** An attachment of `size` bytes, or a DKIM-signed MIME message of `size` bytes (the signature header aside). */
async function build(kind: MemoryKind, size: number, dkim: DkimSigner): Promise<Body> {
  const stamp = freshStamp(SIGNING_KEY, local);
  if (kind === 'attachment') return attachmentPost(NOTIFICATION, recipient, stamp, randomBytes(size));
  return rawPost(await dkim.sign(mimeMessage(recipient, stamp, size)), recipient, stamp, MIME_CONTENT_TYPE);
}

async function post(relay: Child, kind: MemoryKind, body: Body): Promise<number> {
  const response = await request(`${relay.url}${pathOf(kind)}`, {
    method: 'POST',
    headers: { 'content-type': body.contentType },
    body: body.body,
    headersTimeout: 120_000,
    bodyTimeout: 120_000,
  });
  await response.body.dump();
  return response.statusCode;
}

export async function measureMemory(stack: Stack, rulesFile: string, kind: MemoryKind, size: number, ledger: Ledger, dkim: DkimSigner): Promise<MemoryRun> {
  const { api } = stack;
  const domain = `memory-${kind}.bench`;
  const relay = await startRelay(stack, rulesFile, domain);
  try {
    const before = (await sendsAt(api, domain)).sends;
    const warm = await post(relay, kind, await build(kind, 64 * 1024, dkim));
    const body = await build(kind, size, dkim);
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
