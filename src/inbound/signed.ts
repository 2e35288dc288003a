import type { RawForm } from './form.js';
import { verifySignature, type SignaturePolicy, type SignatureVerdict } from './signature.js';

// Far longer than any real timestamp (10 digits), token (50 characters) or signature (64 hex digits).
const MAX_SIGNATURE_FIELD_BYTES = 256;
// How much of each claimed address an unverified post may put in the log.
const CLAIM_CHARS = 64;

/**
 * The signature check, on the form as it arrived and before anything else reads it: an unsigned post costs
 * its bytes and one HMAC per signing key, never the JSON, MIME-header or attachment work of a real message.
 * Only the three signature fields are decoded, and an over-long one is refused unread.
 */
export function verifyForm(form: RawForm, policy: SignaturePolicy, nowMs: number): SignatureVerdict {
  const [timestamp, token, signature] = (['timestamp', 'token', 'signature'] as const).map((name) => form.fields.get(name)?.[0]);
  if ([timestamp, token, signature].some((value) => value && value.length > MAX_SIGNATURE_FIELD_BYTES)) return 'malformed';
  return verifySignature({ timestamp: timestamp?.toString('utf8'), token: token?.toString('utf8'), signature: signature?.toString('utf8') }, policy, nowMs);
}

function cut(value: Buffer | undefined): string | null {
  if (value === undefined) return null;
  // Never decode more than the few characters that will be shown (4 bytes is the longest UTF-8 character).
  const text = value.subarray(0, 4 * CLAIM_CHARS).toString('utf8');
  return text.length > CLAIM_CHARS || value.length > 4 * CLAIM_CHARS ? `${text.slice(0, CLAIM_CHARS)}…` : text;
}

/**
 * What an unverified post claims to be, cut short: enough to recognise a misconfigured signing key, too
 * little to flood the log, and never in the 'delivery' line that operators read per address.
 */
export function claimedAddresses(form: RawForm): { recipient: string | null; sender: string | null; from: string | null } {
  const first = (name: string) => form.fields.get(name)?.[0];
  return { recipient: cut(first('recipient')), sender: cut(first('sender')), from: cut(first('from')) };
}
