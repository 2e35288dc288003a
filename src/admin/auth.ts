import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** How a request proved it holds ADMIN_TOKEN: an API client (Bearer) or a browser (HTTP Basic). */
export type AdminCaller = 'bearer' | 'basic';

// Digests have one length whatever was sent, so timingSafeEqual always runs, and in constant time.
const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();
const same = (a: string, b: Buffer): boolean => timingSafeEqual(digest(a), b);

/** Checks `Authorization` against the token: `Bearer <token>`, or Basic with the token as password (any user). */
export function adminAuth(token: string): (header: string | undefined) => AdminCaller | null {
  const expected = digest(token);
  return (header) => {
    const [scheme = '', credentials = ''] = (header ?? '').trim().split(/\s+/, 2);
    if (scheme.toLowerCase() === 'bearer') return same(credentials, expected) ? 'bearer' : null;
    if (scheme.toLowerCase() !== 'basic') return null;
    const decoded = Buffer.from(credentials, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon >= 0 && same(decoded.slice(colon + 1), expected) ? 'basic' : null;
  };
}

/**
 * The page's form token. A browser sends Basic credentials with any request to the relay, also one a
 * hostile page makes it send (a cross-site form post): only a request carrying this value, which only
 * the page itself shows, may change anything with Basic credentials. Derived from ADMIN_TOKEN, so it is
 * the same on every instance and changes when the token does.
 */
export function formToken(token: string): string {
  return createHmac('sha256', token).update('plus-relay admin form').digest('base64url');
}

export function isFormToken(given: string | null | undefined, expected: string): boolean {
  return typeof given === 'string' && same(given, digest(expected));
}

/** A browser's Origin (or Sec-Fetch-Site) naming another site; absent headers are the CLI, curl or an old browser. */
export function isCrossSite(headers: Readonly<Record<string, string | string[] | undefined>>): boolean {
  const site = headers['sec-fetch-site'];
  if (typeof site === 'string' && site !== 'same-origin' && site !== 'none') return true;
  const origin = headers.origin;
  if (typeof origin !== 'string' || origin === '') return false;
  try {
    return origin === 'null' || new URL(origin).host !== headers.host;
  } catch {
    return true;
  }
}
