import { getDomain } from 'tldts';
import { lineEnding, terminated, type HeaderView } from '../mail/header-view.js';

/**
 * What the DKIM verifier is given: at most this many signatures, hashing the body at most MAX_BODY_HASHES ways.
 * A sender writes as many DKIM-Signature fields as it likes, each with its own `l=` (body length): every distinct
 * one is another full pass over the body, and each signature another key lookup and RSA check (measured
 * 15–38 s of main-thread CPU for 1000 of them). Mail from one domain carries one or two of its own.
 */
export const MAX_SIGNATURES = 3;
export const MAX_BODY_HASHES = 2;
// Aligned signatures read at most, looking for those MAX_SIGNATURES: a flood of them costs a glance each, no more.
const MAX_ALIGNED_READ = 10;

interface Signature {
  /** What the verifier hashes the body by: body canonicalization, hash, length (mailauth's own key). */
  bodyHash: string;
  /** The header fields it signs (h=), lower-cased. */
  signs: string[];
}

/** The tags of a DKIM-Signature value (`tag=value; …`), whitespace removed from values (RFC 6376 3.2). */
function tags(value: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const part of value.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) map.set(part.slice(0, eq).trim().toLowerCase(), part.slice(eq + 1).replace(/\s+/g, ''));
  }
  return map;
}

function signature(fieldText: string): Signature {
  const t = tags(fieldText.slice(fieldText.indexOf(':') + 1));
  const bodyCanon = (t.get('c') ?? '').split('/')[1] || 'simple';
  const hash = (t.get('a') ?? '').split('-').pop() ?? '';
  return {
    bodyHash: [bodyCanon.toLowerCase(), hash.toLowerCase(), t.get('l') ?? ''].join(':'),
    signs: (t.get('h') ?? '').toLowerCase().split(':').filter(Boolean),
  };
}

/** The registrable domain (public suffix list, private suffixes included): what relaxed alignment compares. */
export const orgDomain = (domain: string): string => getDomain(domain, { allowPrivateDomains: true }) ?? domain;

/**
 * Relaxed DMARC alignment with `fromDomain`: the same registrable domain (a strict policy is judged by mailauth
 * afterwards). Each distinct d= is looked up in the public suffix list once: a flood repeats one.
 */
function alignment(fromDomain: string): (fieldText: string) => boolean {
  const wanted = orgDomain(fromDomain);
  const seen = new Map<string, boolean>();
  return (fieldText) => {
    const d = /[:;]\s*d\s*=([^;]*)/i.exec(fieldText)?.[1]?.replace(/\s+/g, '').toLowerCase() ?? '';
    let aligned = seen.get(d);
    if (aligned === undefined) seen.set(d, (aligned = d !== '' && orgDomain(d) === wanted));
    return aligned;
  };
}

/**
 * The header section the verifier reads, or null when no signature aligns with `fromDomain` (then none can carry
 * DMARC, and nothing needs verifying). Kept, in their order and byte for byte: the first MAX_SIGNATURES aligned
 * DKIM-Signature fields (among the first MAX_ALIGNED_READ aligned ones) that hash the body at most MAX_BODY_HASHES
 * ways, every field one of them signs (all of that name: the verifier picks from the bottom), and the From and
 * Content-Type fields it reads. Every other field goes: other signatures, ARC sets (the verdict does not use ARC),
 * fields nothing signs. A signature that signs other DKIM-Signature fields fails here (they are gone): senders do
 * not do that.
 */
export function alignedHeader(raw: Buffer, header: Pick<HeaderView, 'spans'>, fromDomain: string): Buffer | null {
  const fields = header.spans;
  // latin1 maps each byte to one character: the tags are read as they were written.
  const text = (i: number): string => raw.toString('latin1', fields[i]?.start, fields[i]?.end);
  const chosen = new Set<number>();
  const hashes = new Set<string>();
  const signed = new Set(['from', 'content-type']);
  const aligns = alignment(fromDomain);
  let read = 0;
  fields.forEach((field, i) => {
    if (field.name !== 'dkim-signature' || chosen.size >= MAX_SIGNATURES || read >= MAX_ALIGNED_READ) return;
    const fieldText = text(i);
    if (!aligns(fieldText)) return;
    read += 1;
    const sig = signature(fieldText);
    if (!hashes.has(sig.bodyHash) && hashes.size >= MAX_BODY_HASHES) return;
    hashes.add(sig.bodyHash);
    chosen.add(i);
    for (const name of sig.signs) if (name !== 'dkim-signature') signed.add(name);
  });
  if (chosen.size === 0) return null;
  const eol = Buffer.from(lineEnding(raw, header));
  const kept: Buffer[] = [];
  fields.forEach((f, i) => {
    if (!chosen.has(i) && !signed.has(f.name)) return;
    kept.push(raw.subarray(f.start, f.end));
    if (!terminated(raw, f)) kept.push(eol);
  });
  kept.push(eol);
  return Buffer.concat(kept);
}

/**
 * Whether a DKIM signature aligned with `fromDomain` signs Reply-To (`reply-to` in its h=, present or over-signed):
 * then a Reply-To added or replaced breaks it. Read like alignedHeader(): at most MAX_ALIGNED_READ aligned
 * signatures, a glance each. A signature that does not align cannot carry DMARC, so what it signs does not matter.
 */
export function alignedSignsReplyTo(raw: Buffer, header: Pick<HeaderView, 'spans'>, fromDomain: string): boolean {
  const aligns = alignment(fromDomain);
  let read = 0;
  for (const field of header.spans) {
    if (field.name !== 'dkim-signature' || read >= MAX_ALIGNED_READ) continue;
    const fieldText = raw.toString('latin1', field.start, field.end);
    if (!aligns(fieldText)) continue;
    read += 1;
    if (signature(fieldText).signs.includes('reply-to')) return true;
  }
  return false;
}
