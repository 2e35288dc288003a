import { createHash, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import type { DNSResolver } from 'mailauth';

/**
 * A DKIM key everybody knows, for trying replies locally: `plus-relay simulate` signs the owner's reply with it, and
 * a relay in outbox mode (no MAILGUN_API_KEY: nothing is ever sent) with the development webhook key finds it for
 * any domain under this selector. A relay that can send never answers it: a signature made with a public key proves
 * nothing. Ed25519 (RFC 8463), so the key is derived from a fixed seed rather than written out.
 */
export const DEVELOPMENT_DKIM_SELECTOR = 'plus-relay-development';

// PKCS#8 framing of an Ed25519 private key: the 32-byte seed follows.
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

export function developmentDkimKey(): KeyObject {
  const seed = createHash('sha256').update('plus-relay development DKIM key: public, for outbox mode only').digest();
  return createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
}

/** The DKIM record of the development key: the raw 32-byte public key (RFC 8463 3.2). */
export function developmentDkimRecord(): string {
  const spki = createPublicKey(developmentDkimKey()).export({ type: 'spki', format: 'der' });
  return `v=DKIM1; k=ed25519; p=${spki.subarray(spki.length - 32).toString('base64')}`;
}

/** `resolver`, answering `plus-relay-development._domainkey.<any domain>` with the development key. */
export function withDevelopmentDkim(resolver: DNSResolver): DNSResolver {
  const record = developmentDkimRecord();
  const name = `${DEVELOPMENT_DKIM_SELECTOR}._domainkey.`;
  return async (query, rrtype) => (rrtype === 'TXT' && query.toLowerCase().startsWith(name) ? [[record]] : resolver(query, rrtype));
}
