// Signed messages as Mailgun posts them, each one distinct (its own Message-Id and subject), for tests that tell
// a story of several messages to one alias: who wrote, when (on the relay's clock), marked as spam or not.
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Clock } from '../../src/clock.js';
import { SIGNING_KEY } from './build.js';
import { dkimSignedMime, freshSignatureBlock, parsedUrlencoded, rawUrlencoded, rawModeFields, sampleMessage, sampleMime, type FieldPair } from '../support/fixtures.js';
import type { TxtRecords } from '../support/dns-server.js';

export interface MailOptions {
  /** The From header; the envelope sender defaults to its address. */
  from?: string;
  sender?: string;
  spam?: { flag: 'Yes' | 'No'; score: string };
  /** Signs with the relay's clock, so a test can move time (learning periods) and stay inside the signature window. */
  clock?: Clock;
  /** Raw mode: the MIME header block carries the spam headers. */
  raw?: boolean;
  signingKey?: string;
}

export interface Mail {
  url: '/mailgun/inbound' | '/mailgun/inbound/mime';
  payload: Buffer;
  headers: { 'content-type': string };
}

export function mail(recipient: string, opts: MailOptions = {}): Mail {
  const { id, sample, signature } = parts(recipient, opts);
  if (!opts.raw) {
    const fields = sample.fields.map(([n, v]): FieldPair => [n, n === 'message-headers' || n === 'Message-Id' ? v.replace('CAF=bob.1234', id) : v]);
    return { url: '/mailgun/inbound', ...parsedUrlencoded([...fields, ...signature]) };
  }
  const spam = opts.spam ? [`X-Mailgun-Sflag: ${opts.spam.flag}`, `X-Mailgun-Sscore: ${opts.spam.score}`] : [];
  return rawMail(rawMime(recipient, opts, id, spam), sample, signature);
}

/**
 * Raw mode with the From domain's own DKIM signature (relaxed, aligned) over the whole message, and the TXT record of
 * its key for the loopback DNS server (Built's `dns.txt`): mail whose sender domain authenticates it. `signedBy`:
 * another domain signs instead (a third party's signature, which authenticates nothing about From).
 */
export async function dkimMail(recipient: string, opts: Omit<MailOptions, 'raw' | 'spam'> & { from: string; signedBy?: string }): Promise<{ mail: Mail; records: TxtRecords }> {
  const { id, sample, signature } = parts(recipient, opts);
  const domain = opts.signedBy ?? /@([^@>\s]+)>?\s*$/.exec(opts.from)?.[1];
  if (!domain) throw new TypeError(`no domain in From ${opts.from}`);
  const signed = await dkimSignedMime(rawMime(recipient, opts, id, []), { domain });
  return { mail: rawMail(signed.mime, sample, signature), records: signed.records };
}

function parts(recipient: string, opts: MailOptions) {
  const from = opts.from ?? DEFAULT_FROM;
  const sender = opts.sender ?? /<([^>]+)>/.exec(from)?.[1] ?? from;
  const id = randomUUID();
  // In raw mode the spam headers are only in the MIME, as Mailgun's are: the relay must read them there.
  const sample = sampleMessage({ recipient, from, sender, subject: `Message ${id}`, ...(opts.spam && !opts.raw ? { spam: opts.spam } : {}) });
  const block = freshSignatureBlock(opts.signingKey ?? SIGNING_KEY, new Date(opts.clock?.now() ?? Date.now()));
  const signature: FieldPair[] = [['timestamp', block.timestamp], ['token', block.token], ['signature', block.signature]];
  return { id, sample, signature };
}

const DEFAULT_FROM = 'Shop <news@shop.example>';

function rawMime(recipient: string, opts: MailOptions, id: string, headers: string[]): Buffer {
  return sampleMime({ from: opts.from ?? DEFAULT_FROM, to: recipient, subject: `Message ${id}`, messageId: `<${id}@mail.example.net>`, headers });
}

function rawMail(mime: Buffer, sample: ReturnType<typeof sampleMessage>, signature: FieldPair[]): Mail {
  return { url: '/mailgun/inbound/mime', ...rawUrlencoded(mime, [...rawModeFields(sample), ...signature]) };
}

export function post(app: FastifyInstance, m: Mail) {
  return app.inject({ method: 'POST', url: m.url, payload: m.payload, headers: m.headers });
}

/** What a post over HTTP was answered: its status, its body, the body read as the relay's JSON answer. */
export interface Answer {
  statusCode: number;
  body: string;
  json(): { status: string; message: string };
}

/** The app listening on loopback; the function posts to it over real HTTP, as Mailgun does. */
export async function overHttp(app: FastifyInstance): Promise<(m: Mail) => Promise<Answer>> {
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return async (m) => {
    const res = await fetch(`${url}${m.url}`, { method: 'POST', body: m.payload, headers: m.headers });
    const body = await res.text();
    return { statusCode: res.status, body, json: () => JSON.parse(body) as { status: string; message: string } };
  };
}

/**
 * Mailgun's side of a burst: posts every message at once (post(m, i) picks the instance), then, after each wait,
 * retries those not answered 200 (a 503 of the flood guard, or a 502 of a Mailgun API that timed out on a loaded
 * machine) until every one is forwarded or `waits` are used up. Returns each round's statuses. Any other answer (a
 * 406 above all: Mailgun would never retry it) fails the test.
 */
export async function untilForwarded(messages: readonly Mail[], post: (m: Mail, i: number) => Promise<{ statusCode: number; body: string }>, waits: ReadonlyArray<() => void>): Promise<number[][]> {
  const rounds: number[][] = [];
  let pending = messages.map((m, i) => ({ m, i }));
  for (let round = 0; pending.length > 0 && round <= waits.length; round++) {
    if (round > 0) waits[round - 1]?.();
    const answers = await Promise.all(pending.map(({ m, i }) => post(m, i)));
    for (const a of answers) if (![200, 502, 503].includes(a.statusCode)) throw new Error(`answered ${a.statusCode}, not forwarded nor held: ${a.body}`);
    rounds.push(answers.map((a) => a.statusCode));
    pending = pending.filter((_, k) => answers[k]?.statusCode !== 200);
  }
  if (pending.length > 0) throw new Error(`${pending.length} messages still not forwarded after every retry`);
  return rounds;
}

/** The same post over real HTTP to a listening relay (`url` from app.listen): the status code. */
export async function postTo(url: string, m: Mail): Promise<number> {
  const res = await fetch(new URL(m.url, url), { method: 'POST', body: new Uint8Array(m.payload), headers: m.headers });
  await res.arrayBuffer();
  return res.status;
}

/** A raw-mode post of a message whose MIME is given as it is (a DKIM-signed one), from `sender`, to `recipient`. */
export function signedRawMail(recipient: string, mime: Buffer, sender: string, clock?: Clock): Mail {
  const { sample, signature } = parts(recipient, { from: sender, sender, ...(clock && { clock }) });
  return rawMail(mime, sample, signature);
}
