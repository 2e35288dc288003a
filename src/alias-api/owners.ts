import { createHash, timingSafeEqual } from 'node:crypto';

/** `ALIAS_API_TOKEN_<USER>`: the user's name upper-cased, every character outside A–Z and 0–9 made `_`. */
export function tokenVariable(user: string): string {
  return `ALIAS_API_TOKEN_${user.toUpperCase().replace(/[^A-Z0-9]/gu, '_')}`;
}

export interface AliasApiTokens {
  /** ALIAS_API_TOKEN, and ALIAS_API_USER (default: the first in `users:`). */
  shared?: { token: string; user: string | undefined };
  /** Each `ALIAS_API_TOKEN_<USER>` set, by its name. */
  perUser: ReadonlyMap<string, string>;
}

/** Who a request's token belongs to: a user of the rules now, or a user the rules no longer have. */
export type TokenOwner = { user: string; known: boolean };

// Digests have one length whatever was sent, so timingSafeEqual always runs, and in constant time.
const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/**
 * The user whose token `Authorization: Bearer <token>` carries, against the rules' users now (rules.yaml is reloaded
 * while running). A per-user variable whose name two users share (`a.b` and `a-b`) is nobody's: it cannot say which
 * of them it is for. Bearer only: HTTP Basic is what a browser sends by itself, and this API has no form token.
 */
export function tokenOwner(tokens: AliasApiTokens, users: readonly string[], header: string | undefined): TokenOwner | null {
  const [scheme = '', credentials = ''] = (header ?? '').trim().split(/\s+/, 2);
  if (scheme.toLowerCase() !== 'bearer') return null;
  const given = digest(credentials);
  const candidates: Array<{ token: string; owner: TokenOwner }> = [];
  if (tokens.shared) {
    const user = tokens.shared.user ?? users[0];
    if (user !== undefined) candidates.push({ token: tokens.shared.token, owner: { user, known: users.includes(user) } });
  }
  for (const user of users) {
    const token = tokens.perUser.get(tokenVariable(user));
    const shared = users.filter((other) => tokenVariable(other) === tokenVariable(user)).length > 1;
    if (token !== undefined && !shared) candidates.push({ token, owner: { user, known: true } });
  }
  // Every candidate is compared, so the time taken does not tell which token was close.
  let found: TokenOwner | null = null;
  for (const { token, owner } of candidates) if (timingSafeEqual(digest(token), given) && found === null) found = owner;
  return found;
}
