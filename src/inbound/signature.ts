import { createHmac, timingSafeEqual } from 'node:crypto';

/** The three fields Mailgun signs a webhook with. Only timestamp + token are signed, never the body. */
export interface SignatureBlock {
  timestamp: string;
  token: string;
  signature: string;
}

export type SignatureVerdict = 'ok' | 'missing' | 'malformed' | 'expired' | 'future' | 'mismatch';

export interface SignaturePolicy {
  keys: readonly string[];
  /** Mailgun retries with the original block for ~8 h, so this must be hours, not minutes. */
  maxAgeSeconds: number;
  /** Tolerated clock skew in the other direction. */
  maxFutureSeconds: number;
}

export function signBlock(key: string, timestamp: string, token: string): string {
  return createHmac('sha256', key).update(timestamp).update(token).digest('hex');
}

/**
 * Verifies a signature block against every key (rotation): recompute, compare lengths, then
 * compare in constant time. A wrong signature is a verdict, not an exception.
 */
export function verifySignature(
  block: Partial<SignatureBlock>,
  policy: SignaturePolicy,
  nowMs: number,
): SignatureVerdict {
  const { timestamp, token, signature } = block;
  if (!timestamp || !token || !signature) return 'missing';
  // Tokens are 50 characters but not always hex: bound them, do not over-validate.
  if (!/^\d{1,12}$/.test(timestamp) || token.length > 256 || !/^[0-9a-fA-F]{64}$/.test(signature)) {
    return 'malformed';
  }
  const ageSeconds = nowMs / 1000 - Number(timestamp);
  if (ageSeconds > policy.maxAgeSeconds) return 'expired';
  if (-ageSeconds > policy.maxFutureSeconds) return 'future';
  const given = Buffer.from(signature.toLowerCase(), 'hex');
  for (const key of policy.keys) {
    const expected = Buffer.from(signBlock(key, timestamp, token), 'hex');
    if (expected.length === given.length && timingSafeEqual(expected, given)) return 'ok';
  }
  return 'mismatch';
}
