import { targetMailbox } from '../flood/mailbox.js';
import { bounceKind } from '../events/bounce-code.js';
import type { CompiledRules } from '../rules/types.js';
import { FAILURE_LOG_LIMITS } from '../store/failures.js';
import { PAGE_SIZE } from '../admin/browse.js';
import { MAX_INVENTORY_ALIASES, type AliasEntry, type Inventory } from '../store/inventory.js';
import type { Failure, FailureEntry, FailureLog } from '../store/types.js';

/** An alias a sender domain new to it wrote to during the window: the service it was given to leaked it. */
export interface DigestLeak {
  alias: string;
  domains: string[];
}

/** A forward that failed during the window: its alias, where it went, why, and how often that pair failed. */
export interface DigestFailure {
  alias: string;
  target: string;
  count: number;
  last: Failure;
}

/** A flood-guard hold during the window: the guard held a mailbox's mail back, or refused new aliases for an hour. */
export interface DigestFloodEvent {
  mailbox: string;
  limit: string;
  count: number;
  first: number;
  last: number;
}

/**
 * Where the flood guard's holds come from: the store's `recent(now)` (FloodCounters, store/flood.ts), which the app
 * passes as `store.flood`; only what the digest reads, so a test can pass its own. A hold is named by the target
 * mailbox (`+tag` removed), so a user's holds are those on their digest targets' mailboxes.
 */
export interface FloodHolds {
  recent(now: number): Promise<readonly DigestFloodEvent[]>;
}

/** What happened to one user's aliases during the window. */
export interface DigestContent {
  leaks: DigestLeak[];
  failures: DigestFailure[];
  /** Aliases first mailed during the window whose every message was refused (a policy said no), and how many. */
  refused: { aliases: number; messages: number };
  /** Blocked aliases that were mailed during the window (their mail was refused). */
  blocked: { aliases: number };
  flood: readonly DigestFloodEvent[];
}

export interface CollectDeps {
  inventory: Inventory;
  failures: FailureLog;
  rules: CompiledRules;
  flood?: FloodHolds | undefined;
}

export const isEmpty = (c: DigestContent): boolean =>
  c.leaks.length === 0 && c.failures.length === 0 && c.refused.aliases === 0 && c.blocked.aliases === 0 && c.flood.length === 0;

const empty = (): DigestContent => ({ leaks: [], failures: [], refused: { aliases: 0, messages: 0 }, blocked: { aliases: 0 }, flood: [] });
const within = (at: number | null, since: number, until: number): boolean => at !== null && at >= since && at < until;

/**
 * Every user's content for [since, until). An alias belongs to the user its current route decision names, so
 * a digest follows rules.yaml as it is now. The whole inventory and failure log are read once (both are bounded:
 * store/inventory.ts, store/failures.ts); this runs once a day.
 */
export async function collectDigests(deps: CollectDeps, since: number, until: number): Promise<{ contents: Map<string, DigestContent>; failures: FailureEntry[] }> {
  const userOf = (alias: string): string | null => {
    const decision = deps.rules.route(alias);
    return decision.action === 'forward' ? decision.user : null;
  };
  const contents = new Map<string, DigestContent>();
  const of = (user: string): DigestContent => {
    let c = contents.get(user);
    if (!c) contents.set(user, (c = empty()));
    return c;
  };
  for (const name of deps.rules.digestTargets?.keys() ?? []) of(name);

  for (const entry of await wholeInventory(deps.inventory)) {
    const user = userOf(entry.address);
    if (user === null || !contents.has(user)) continue;
    const c = of(user);
    const leaked = entry.senders.filter((s) => s.new && within(s.lastSeen, since, until)).map((s) => s.domain);
    if (leaked.length > 0) c.leaks.push({ alias: entry.address, domains: leaked });
    if (entry.blocked && within(entry.lastSeen, since, until)) c.blocked.aliases += 1;
    else if (entry.forwarded === 0 && entry.refused > 0 && within(entry.firstSeen, since, until)) {
      c.refused.aliases += 1;
      c.refused.messages += entry.refused;
    }
  }
  const failures = await deps.failures.recent(FAILURE_LOG_LIMITS.maxPairs);
  for (const { count, last } of failures) {
    const user = userOf(last.alias);
    if (user === null || !contents.has(user) || !within(last.at, since, until)) continue;
    of(user).failures.push({ alias: last.alias, target: last.target, count, last });
  }
  const holds = deps.flood ? await deps.flood.recent(until) : [];
  for (const [user, c] of contents) {
    const boxes = new Set((deps.rules.digestTargets?.get(user) ?? []).map(targetMailbox));
    c.flood = holds.filter((h) => boxes.has(h.mailbox.toLowerCase()) && within(h.last, since, until + 1));
  }
  return { contents, failures };
}

/**
 * Every alias, read a page at a time as the admin page's filter reads it (admin/browse.ts): one Redis script never
 * holds the server for more than a page. An alias that moves up between two pages (it was just mailed) is read twice
 * and kept once.
 */
async function wholeInventory(inventory: Inventory): Promise<AliasEntry[]> {
  const found = new Map<string, AliasEntry>();
  for (let offset = 0; offset < MAX_INVENTORY_ALIASES; offset += PAGE_SIZE) {
    const page = await inventory.list({ limit: PAGE_SIZE, offset });
    for (const entry of page) if (!found.has(entry.address)) found.set(entry.address, entry);
    if (page.length < PAGE_SIZE) break;
  }
  return [...found.values()];
}

/** How recent a permanent failure must be for its mailbox to count as failing right now. */
export const FAILING_WINDOW_MS = 24 * 3600_000;

/**
 * The latest permanent failure of this target's mailbox within the window (a missing or disabled mailbox,
 * Mailgun's suppression of it), or null. A policy refusal (5.7.x: DMARC, spam) is about one message, not the
 * mailbox: the digest, our own mail, still gets through.
 */
export function failingNow(target: string, failures: readonly FailureEntry[], now: number): Failure | null {
  // Gmail and most providers deliver `me+tag@` to `me@`: a failing `me+github@` means `me+plus-relay@` fails too.
  const box = targetMailbox(target);
  const hit = failures.find(
    ({ last }) =>
      last.severity === 'permanent' && last.at > now - FAILING_WINDOW_MS && targetMailbox(last.target) === box && bounceKind({ code: last.code, message: last.message }) !== 'policy',
  );
  return hit?.last ?? null;
}
