// Signed messages as Mailgun posts them, each one distinct (its own Message-Id and subject), for tests that tell
// a story of several messages to one alias: who wrote, when (on the relay's clock), marked as spam or not.
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Clock } from '../../src/clock.js';
import { SIGNING_KEY } from './build.js';
import { freshSignatureBlock, parsedUrlencoded, rawUrlencoded, rawModeFields, sampleMessage, sampleMime, type FieldPair } from '../support/fixtures.js';

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
  const from = opts.from ?? 'Shop <news@shop.example>';
  const sender = opts.sender ?? /<([^>]+)>/.exec(from)?.[1] ?? from;
  const id = randomUUID();
  const subject = `Message ${id}`;
  // In raw mode the spam headers are only in the MIME, as Mailgun's are: the relay must read them there.
  const sample = sampleMessage({ recipient, from, sender, subject, ...(opts.spam && !opts.raw ? { spam: opts.spam } : {}) });
  const withId = (fields: FieldPair[]) => fields.map(([n, v]): FieldPair => [n, n === 'message-headers' || n === 'Message-Id' ? v.replace('CAF=bob.1234', id) : v]);
  const block = freshSignatureBlock(opts.signingKey ?? SIGNING_KEY, new Date(opts.clock?.now() ?? Date.now()));
  const signature: FieldPair[] = [['timestamp', block.timestamp], ['token', block.token], ['signature', block.signature]];
  if (!opts.raw) return { url: '/mailgun/inbound', ...parsedUrlencoded([...withId(sample.fields), ...signature]) };
  const spam = opts.spam ? [`X-Mailgun-Sflag: ${opts.spam.flag}`, `X-Mailgun-Sscore: ${opts.spam.score}`] : [];
  const mime = sampleMime({ from, to: recipient, subject, messageId: `<${id}@mail.example.net>`, headers: spam });
  return { url: '/mailgun/inbound/mime', ...rawUrlencoded(mime, [...rawModeFields(sample), ...signature]) };
}

export function post(app: FastifyInstance, m: Mail) {
  return app.inject({ method: 'POST', url: m.url, payload: m.payload, headers: m.headers });
}

/** The same post over real HTTP to a listening relay (`url` from app.listen): the status code. */
export async function postTo(url: string, m: Mail): Promise<number> {
  const res = await fetch(new URL(m.url, url), { method: 'POST', body: new Uint8Array(m.payload), headers: m.headers });
  await res.arrayBuffer();
  return res.status;
}

/** A raw-mode post of a message whose MIME is given as it is (a DKIM-signed one), from `sender`, to `recipient`. */
export function rawMail(recipient: string, mime: Buffer, sender: string, clock?: Clock): Mail {
  const block = freshSignatureBlock(SIGNING_KEY, new Date(clock?.now() ?? Date.now()));
  const signature: FieldPair[] = [['timestamp', block.timestamp], ['token', block.token], ['signature', block.signature]];
  const sample = sampleMessage({ recipient, from: sender, sender });
  return { url: '/mailgun/inbound/mime', ...rawUrlencoded(mime, [...rawModeFields(sample), ...signature]) };
}
