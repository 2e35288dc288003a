import type { PathProblem } from './positions.js';
import { renderTargets } from './render.js';
import type { CompiledUser } from './users.js';

/** rules.yaml `digest:`: the local time of day each user's digest goes out, and in which IANA zone. */
export interface DigestSchedule {
  /** As written, `HH:MM`. */
  readonly at: string;
  readonly hour: number;
  readonly minute: number;
  readonly timezone: string;
}

/** The `{service}` the digest is addressed with, so a mail filter can tell it from every forward. */
export const DIGEST_SERVICE = 'plus-relay';

/** An IANA zone Intl knows (`Europe/Berlin`, `UTC`); a misspelt one is a RangeError there. */
function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** The shape (an `at` as HH:MM, a non-empty timezone) is the schema's; the zone's existence is checked here. */
export function compileDigest(raw: unknown, problems: PathProblem[]): DigestSchedule | null {
  if (raw === null || typeof raw !== 'object') return null;
  const { at, timezone } = raw as Record<string, unknown>;
  if (typeof at !== 'string' || typeof timezone !== 'string') return null;
  const time = /^(\d\d):(\d\d)$/.exec(at);
  if (!time) return null;
  if (!isTimeZone(timezone)) {
    problems.push({ path: ['digest', 'timezone'], message: `digest.timezone "${timezone}" is not a time zone (an IANA name such as Europe/Berlin or UTC)` });
    return null;
  }
  return Object.freeze({ at, hour: Number(time[1]), minute: Number(time[2]), timezone });
}

/**
 * Where each user's digest goes: their targets rendered with `{service}` = plus-relay (and `{user}` their name;
 * `{local}`/`{domain}` as if it were written to plus-relay@ the first domain). Null for a user whose targets do
 * not render to valid addresses that way.
 */
export function digestTargets(users: ReadonlyMap<string, CompiledUser>, firstDomain: string): ReadonlyMap<string, readonly string[] | null> {
  const out = new Map<string, readonly string[] | null>();
  for (const [name, user] of users) {
    out.set(name, renderTargets(user.targets, { service: DIGEST_SERVICE, user: name, local: DIGEST_SERVICE, domain: firstDomain }));
  }
  return out;
}
