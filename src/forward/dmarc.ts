import { domainToASCII } from 'node:url';
import type { DNSResolver, DKIMVerifyResult } from 'mailauth';
import type { Clock } from '../clock.js';
import { cachedResolver, withTimeout } from './dns.js';
import type { HeaderView } from '../mail/header-view.js';
import { domainOf } from '../mail/address.js';
import { isHostname } from '../rules/address.js';
import { alignedHeader, orgDomain } from './dkim-signatures.js';
import { budgetedInput, cpuMs, OverBudget } from './dkim-budget.js';

/**
 * Whether a raw-mode message can be forwarded as it is. A forward passes DMARC at the target on the sender's own
 * aligned DKIM signature or not at all (SPF names the relay, not the sender). `rewrite`: the From domain enforces
 * DMARC and nothing aligned verifies, so the original bytes would be refused or junked; From must become ours.
 */
export interface DmarcVerdict {
  action: 'keep' | 'rewrite';
  reason:
    | 'aligned-dkim' // a DKIM signature aligned with From verifies: the bytes carry DMARC
    | 'no-policy' // the From domain publishes no DMARC record
    | 'not-enforced' // its policy is p=none (or unusable): nothing is refused for failing it
    | 'no-single-from' // no From address, or several: rewritten whatever the policy (a target may refuse it as it is)
    | 'no-aligned-dkim' // p=quarantine/reject and no aligned signature verifies
    | 'cannot-verify' // p=quarantine/reject and verifying would cost more than DKIM_BUDGET_MS: treated as unaligned
    | 'dns-error'; // a lookup failed or timed out: forwarded unchanged rather than refused
  /** The From domain checked. */
  domain: string | null;
  /** The policy that applies to it (p, or sp for a subdomain), when it has one. */
  policy: string | null;
  /** For dns-error: what failed. */
  detail?: string;
}

/**
 * Whether a message carries a DKIM signature aligned with `domain` that verifies: `pass`; `fail` (none, or none that
 * verifies, or verifying would cost more than the budget); `temperror` (a key lookup failed: a retry may pass).
 */
export type AuthorDkim = { result: 'pass' | 'fail' | 'temperror'; detail?: string };

export interface DmarcCheck {
  /** `header`: the view of `raw`'s header section the inbound side read (readRawHeader()). */
  check(raw: Buffer, header: HeaderView): Promise<DmarcVerdict>;
  /**
   * The registrable domain of the message's one From address when a DKIM signature aligned with it verifies (a DMARC
   * pass by DKIM, whatever the domain's policy), else null: no such signature, several From addresses, a lookup that
   * failed or took too long, a verification over its CPU budget. Never throws: null is the cautious answer.
   */
  authenticated(raw: Buffer, header: HeaderView): Promise<string | null>;
  /** The owner's reply: signed by its mailbox's domain (replies are sent on only then). */
  authorSigned(raw: Buffer, header: HeaderView, domain: string): Promise<AuthorDkim>;
}

export interface DmarcCheckOptions {
  clock: Clock;
  /** The whole check (every lookup it needs) gives up after this and forwards the message unchanged. */
  timeoutMs?: number;
  cacheTtlMs?: number;
  maxCacheEntries?: number;
  /** Main-thread time the DKIM verification may take (see dkim-budget.ts); past it the verdict is cannot-verify. */
  dkimBudgetMs?: number;
}

/**
 * What choosing the signatures and hashing one message's body may cost on the main thread, whatever the message:
 * the relay's other requests wait for it. 45 ms leaves room for the rest of the check (the last slice, key
 * checks) within 50 ms. Measured (warm, on the test machine): a 4 MB body fits, an 8 MB one does not; a larger one under an
 * enforcing policy is sent From the relay, as an unaligned one is.
 */
export const DKIM_BUDGET_MS = 45;

const ENFORCING = new Set(['quarantine', 'reject']);

type Mailauth = { dkimVerify: typeof import('mailauth/lib/dkim/verify.js').dkimVerify; dmarc: typeof import('mailauth/lib/dmarc/index.js').dmarc };
let mailauth: Promise<Mailauth> | undefined;

/**
 * mailauth (with joi, iconv-lite and its DNS helpers) costs about 100 ms and 25 MB to load, from the bundle as from
 * node_modules (most of it is their own set-up, not reading files): loaded by the first raw-mode message instead of at
 * start, so a relay in parsed mode never pays for it and a restart is that much shorter. Not preloaded right after
 * listen either: an idle relay would carry those 25 MB for nothing, and the first raw message waiting 0.1 s once in a
 * process's life costs nobody anything (Mailgun waits far longer).
 */
function loadMailauth(): Promise<Mailauth> {
  mailauth ??= Promise.all([import('mailauth/lib/dkim/verify.js'), import('mailauth/lib/dmarc/index.js')]).then(([verify, policy]) =>
    mailauthApi(verify.default, policy.default),
  );
  return mailauth;
}

/**
 * mailauth is CommonJS: its functions are read from the module object itself, the `default` of an import() of it
 * under Node and in the bundle (scripts/bundle.mjs) alike. The names Node's loader also guesses from the source,
 * the bundle does not give: read that way, `dmarc` was undefined there, the check threw, and its catch-all let every
 * raw message through unchecked as a `dns-error`. A load that yields no function fails every raw message loudly
 * instead (answered 5xx, retried by Mailgun), never quietly.
 */
function mailauthApi(verify: Partial<Mailauth> | undefined, policy: Partial<Mailauth> | undefined): Mailauth {
  const dkimVerify = verify?.dkimVerify;
  const dmarc = policy?.dmarc;
  if (typeof dkimVerify !== 'function' || typeof dmarc !== 'function') {
    throw new TypeError('mailauth did not load: no dkimVerify or dmarc function in its modules (a broken build?)');
  }
  return { dkimVerify, dmarc };
}

/** The check, built from a resolver: node:dns at DNS_SERVERS in production, a loopback DNS server in tests. */
export function createDmarcCheck(resolver: DNSResolver, options: DmarcCheckOptions): DmarcCheck {
  const timeoutMs = options.timeoutMs ?? 2000;
  const cached = cachedResolver(resolver, {
    clock: options.clock,
    ttlMs: options.cacheTtlMs ?? 10 * 60_000,
    timeoutMs,
    maxEntries: options.maxCacheEntries ?? 10_000,
  });
  const budgetMs = options.dkimBudgetMs ?? DKIM_BUDGET_MS;
  // One verification per message: the flood guard asks before the forward, the DMARC verdict after it.
  const verified = new WeakMap<Buffer, Promise<DKIMVerifyResult | null>>();
  const verify: Verify = (lib, raw, header, domain) => {
    let result = verified.get(raw);
    if (!result) verified.set(raw, (result = verifyAligned(lib, raw, header, domain, cached, budgetMs)));
    return result;
  };
  return {
    async check(raw, header) {
      // Outside the timeout: the lookups get their whole budget even on the first message.
      const lib = await loadMailauth();
      try {
        return await withTimeout(verdict(lib, raw, header, cached, verify), timeoutMs, `DKIM/DMARC lookups took more than ${timeoutMs} ms`);
      } catch (err) {
        return { action: 'keep', reason: 'dns-error', domain: null, policy: null, detail: (err as Error).message };
      }
    },
    async authenticated(raw, header) {
      const lib = await loadMailauth();
      const from = singleFrom(header);
      if (!from) return null;
      const dkim = await withTimeout(verify(lib, raw, header, from.domain), timeoutMs, `DKIM lookups took more than ${timeoutMs} ms`).catch(() => null);
      const pass = dkim?.results.some((r) => r.status.result === 'pass' && Boolean(r.status.aligned) && !r.status.underSized);
      return pass ? orgDomain(from.domain) : null;
    },
    async authorSigned(raw, header, domain) {
      const lib = await loadMailauth();
      try {
        return await withTimeout(authorDkim(lib, raw, header, domain, cached, budgetMs), timeoutMs, `DKIM lookups took more than ${timeoutMs} ms`);
      } catch (err) {
        return { result: 'temperror', detail: (err as Error).message };
      }
    },
  };
}

/** Only signatures aligned with `domain` are verified (alignedHeader), within the same CPU budget as the DMARC check. */
async function authorDkim(lib: Mailauth, raw: Buffer, header: HeaderView, domain: string, resolver: DNSResolver, budgetMs: number): Promise<AuthorDkim> {
  let verified: DKIMVerifyResult | null;
  try {
    verified = await verifyAligned(lib, raw, header, domain, resolver, budgetMs);
  } catch (err) {
    if (err instanceof OverBudget) return { result: 'fail', detail: err.message };
    throw err;
  }
  if (verified === null) return { result: 'fail', detail: `no DKIM signature of ${domain}` };
  const results = verified.results.filter((r) => r.status.aligned);
  if (results.some((r) => r.status.result === 'pass')) return { result: 'pass' };
  const temporary = results.find((r) => r.status.result === 'temperror');
  if (temporary) return { result: 'temperror', detail: temporary.status.comment ?? 'temporary error' };
  return { result: 'fail', detail: results[0]?.status.comment || `the DKIM signature of ${domain} does not verify` };
}

/** The message's DKIM signatures aligned with `domain`, verified (null: none aligns); OverBudget past the CPU budget. */
type Verify = (lib: Mailauth, raw: Buffer, header: HeaderView, domain: string) => Promise<DKIMVerifyResult | null>;

async function verifyAligned(lib: Mailauth, raw: Buffer, header: HeaderView, domain: string, resolver: DNSResolver, budgetMs: number): Promise<DKIMVerifyResult | null> {
  // Choosing the signatures reads the aligned ones among the section's fields: it is paid from the same budget.
  const choosing = process.cpuUsage();
  const end = header.end ?? raw.length;
  const head = alignedHeader(raw, header, domain);
  if (!head) return null;
  return lib.dkimVerify(budgetedInput(head, raw.subarray(end), budgetMs - cpuMs(choosing)), { resolver });
}

/**
 * The one author and its domain, or null: no author, several, or a domain no DNS can hold (its policy cannot be
 * looked up, yet a target reading it its own way might find one: `ceo@bank.example ` with a space inside).
 */
function singleFrom(header: HeaderView): { from: string; domain: string } | null {
  const { authors } = header;
  const from = authors.length === 1 ? authors[0] : undefined;
  const domain = from && domainToASCII(domainOf(from) ?? '');
  return from && domain && isHostname(domain) ? { from, domain } : null;
}

async function verdict(lib: Mailauth, raw: Buffer, header: HeaderView, resolver: DNSResolver, verify: Verify): Promise<DmarcVerdict> {
  // No author, or several: DMARC cannot judge it and a target may refuse it outright (Gmail refuses several From
  // fields, RFC 5322 wants exactly one). Never forwarded as it is: From becomes ours, the original kept beside it,
  // whatever the policies of the domains named. No lookup is needed for that.
  const single = singleFrom(header);
  if (!single) return { action: 'rewrite', reason: 'no-single-from', domain: null, policy: null };
  const { from, domain } = single;

  // The policy first: one cached lookup. Only an enforcing policy makes the DKIM check worth its cost — it
  // reads and hashes the whole body — since under no policy, or p=none, the bytes are forwarded unchanged whatever
  // it finds. A lookup that failed is decided here too: it would fail again below (failures are not cached).
  const first = await lib.dmarc({ headerFrom: [from], spfDomains: [], dkimDomains: [], resolver });
  if (!first) return { action: 'rewrite', reason: 'no-single-from', domain: null, policy: null };
  const decided = fromPolicy(first, domain);
  if ('action' in decided) return decided;
  const policy = decided.enforced;

  let dkim: DKIMVerifyResult | null;
  try {
    dkim = await verify(lib, raw, header, domain);
  } catch (err) {
    if (err instanceof OverBudget) return { action: 'rewrite', reason: 'cannot-verify', domain, policy, detail: err.message };
    throw err;
  }
  if (!dkim) return { action: 'rewrite', reason: 'no-aligned-dkim', domain, policy };
  const passing = dkim.results.filter((r) => r.status.result === 'pass');
  const result = await lib.dmarc({
    headerFrom: [from],
    spfDomains: [],
    dkimDomains: passing.map((r) => ({ id: r.id, domain: r.signingDomain, aligned: Boolean(r.status.aligned), underSized: r.status.underSized })),
    resolver,
  });
  const final = result && fromPolicy(result, domain);
  if (final && 'action' in final) return final;
  return unverifiedAligned(dkim, domain, policy) ?? { action: 'rewrite', reason: 'no-aligned-dkim', domain, policy };
}

type DmarcResult = Exclude<Awaited<ReturnType<Mailauth['dmarc']>>, false>;

/** What the From domain's DMARC result decides on its own; `enforced` (the policy) when it fails under quarantine or reject. */
function fromPolicy(result: DmarcResult, domain: string): DmarcVerdict | { enforced: string } {
  const policy = result.policy?.trim().toLowerCase() || null;
  switch (result.status.result) {
    case 'pass':
      return { action: 'keep', reason: 'aligned-dkim', domain, policy };
    case 'none':
      return { action: 'keep', reason: 'no-policy', domain, policy: null };
    case 'fail':
      return policy && ENFORCING.has(policy) ? { enforced: policy } : { action: 'keep', reason: 'not-enforced', domain, policy };
    default:
      return { action: 'keep', reason: 'dns-error', domain, policy, detail: result.error ?? `DMARC ${result.status.result}` };
  }
}

/** An aligned signature whose key lookup failed may well verify at the target: not a reason to rewrite. */
function unverifiedAligned(dkim: DKIMVerifyResult, domain: string, policy: string): DmarcVerdict | null {
  const signature = dkim.results.find((r) => r.status.aligned && r.status.result === 'temperror');
  if (!signature) return null;
  return { action: 'keep', reason: 'dns-error', domain, policy, detail: `DKIM key of ${signature.signingDomain}: ${signature.status.comment ?? 'temporary error'}` };
}
