import { Resolver } from 'node:dns/promises';
import type { DNSResolver } from 'mailauth';
import type { Clock } from '../clock.js';

/**
 * TXT lookups through node:dns at `servers` (`ip`, `ip:port`, `[v6]:port`; DNS_SERVERS), or the system's when
 * null, in the shape mailauth takes (`dns.promises.resolve`). DKIM keys and DMARC policies are all it asks for.
 */
export function dnsResolver(servers: readonly string[] | null): DNSResolver {
  // c-ares retries on its own; the DMARC check bounds the whole exchange anyway.
  const resolver = new Resolver({ timeout: 1000, tries: 2 });
  if (servers?.length) resolver.setServers([...servers]);
  return async (name, rrtype) => {
    if (rrtype !== 'TXT') throw Object.assign(new Error(`query${rrtype} ENOTIMP ${name}`), { code: 'ENOTIMP', hostname: name });
    return resolver.resolveTxt(name);
  };
}

export interface DnsCacheOptions {
  clock: Clock;
  /** How long an answer is used: node:dns does not say a record's TTL, so this is the bound. */
  ttlMs: number;
  /** How long one lookup may take before it counts as a DNS failure. */
  timeoutMs: number;
  /** Names remembered at most: anyone can mail the relay with any From domain, so the cache must not grow with them. */
  maxEntries: number;
}

// "No such name" and "no such record" are answers (no DKIM key, no DMARC policy).
const ABSENT = new Set(['ENOTFOUND', 'ENODATA']);
// Names no DNS can hold (an empty label, a space, a label over 63 bytes): asking again can never help. A sender
// writes them (a DKIM selector, a From domain); read as an outage, an aligned signature with such a selector kept a
// message its policy refuses unchanged. Only these, ABSENT and nothing else are permanent: SERVFAIL, a timeout or a
// refusal may pass.
const CANNOT_EXIST = new Set(['EBADNAME', 'EBADQUERY', 'EBADSTR']);

/** How a failed lookup counts: a permanent one is an answer (nothing there), a temporary one a DNS failure. */
function dnsFailure(err: unknown): 'absent' | 'temporary' {
  const code = String((err as { code?: unknown } | null)?.code);
  return ABSENT.has(code) || CANNOT_EXIST.has(code) ? 'absent' : 'temporary';
}

/**
 * mailauth reads only ENOTFOUND and ENODATA as "nothing there" (a DKIM signature without a key fails, a domain
 * without a record has no policy) and anything else as a temporary error: a name that cannot exist is reported
 * as the missing name it is.
 */
function asAbsent(err: unknown): unknown {
  const code = String((err as { code?: unknown } | null)?.code);
  if (!CANNOT_EXIST.has(code)) return err;
  return Object.assign(new Error(`${(err as Error).message} (not a DNS name)`), { code: 'ENOTFOUND' });
}

/**
 * Remembers answers (absent names included) for `ttlMs`, so a burst of mail from one sender costs one lookup;
 * concurrent askers share the lookup in flight. Failures and timeouts are not remembered: the next message asks again.
 */
export function cachedResolver(resolve: DNSResolver, options: DnsCacheOptions): DNSResolver {
  const entries = new Map<string, { expires: number; answer: ReturnType<DNSResolver> }>();
  return (name, rrtype) => {
    const key = `${rrtype} ${name.toLowerCase()}`;
    const now = options.clock.now();
    const hit = entries.get(key);
    if (hit && hit.expires > now) return hit.answer;
    entries.delete(key);
    const lookup = Promise.resolve()
      .then(() => resolve(name, rrtype))
      .catch((err: unknown) => Promise.reject(asAbsent(err)));
    const entry = { expires: now + options.ttlMs, answer: withTimeout(lookup, options.timeoutMs, `DNS lookup of ${name} timed out`) };
    entries.set(key, entry);
    entry.answer.catch((err: unknown) => {
      if (dnsFailure(err) === 'temporary' && entries.get(key) === entry) entries.delete(key);
    });
    // Map order is insertion order: the oldest entry goes first.
    for (const oldest of entries.keys()) {
      if (entries.size <= options.maxEntries) break;
      entries.delete(oldest);
    }
    return entry.answer;
  };
}

/** The promise, or an ETIMEOUT error after `ms`; the timer never holds the process open. */
export function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error(message), { code: 'ETIMEOUT' })), ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
