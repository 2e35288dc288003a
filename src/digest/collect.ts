import { targetMailbox } from '../flood/mailbox.js';
import { bounceKind } from '../events/bounce-code.js';
import type { CompiledRules, RouteDecision } from '../rules/types.js';
import { FAILURE_LOG_LIMITS } from '../store/failures.js';
import type { Inventory } from '../store/inventory.js';
import { wholeInventory } from '../store/inventory-scan.js';
import type { Failure, FailureEntry, FailureLog } from '../store/types.js';
import { countRefusal, noRefusals, type RefusalCounts } from '../policy/refusals.js';

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
  /** Aliases whose mail was refused during the window, by reason (policy/refusals.ts), and how many messages. */
  refused: RefusalCounts;
  /** The flood guard's holds on the user's digest mailboxes; a mailbox shared by several users' digests is in the first one's only. */
  flood: readonly DigestFloodEvent[];
}

export interface CollectDeps {
  inventory: Inventory;
  failures: FailureLog;
  rules: CompiledRules;
  flood?: FloodHolds | undefined;
}

/** How many aliases were refused, whatever the reason. */
export const refusedAliases = (c: DigestContent): number => Object.values(c.refused).reduce((n, r) => n + r.aliases, 0);

export const isEmpty = (c: DigestContent): boolean => c.leaks.length === 0 && c.failures.length === 0 && refusedAliases(c) === 0 && c.flood.length === 0;

const empty = (): DigestContent => ({ leaks: [], failures: [], refused: noRefusals(), flood: [] });
const within = (at: number | null, since: number, until: number): boolean => at !== null && at >= since && at < until;

/**
 * Every user's content for [since, until). An alias belongs to the user its current route decision names, so
 * a digest follows rules.yaml as it is now. The whole inventory and failure log are read once (both are bounded:
 * store/inventory.ts, store/failures.ts); this runs once a day.
 */
export async function collectDigests(deps: CollectDeps, since: number, until: number): Promise<{ contents: Map<string, DigestContent>; failures: FailureEntry[] }> {
  const userOf = (decision: RouteDecision): string | null => (decision.action === 'forward' ? decision.user : null);
  const contents = new Map<string, DigestContent>();
  const of = (user: string): DigestContent => {
    let c = contents.get(user);
    if (!c) contents.set(user, (c = empty()));
    return c;
  };
  for (const name of deps.rules.digestTargets?.keys() ?? []) of(name);

  for (const entry of await wholeInventory(deps.inventory)) {
    const decision = deps.rules.route(entry.address);
    const user = userOf(decision);
    if (user === null || !contents.has(user)) continue;
    const c = of(user);
    const leaked = entry.senders.filter((s) => s.new && within(s.lastSeen, since, until)).map((s) => s.domain);
    if (leaked.length > 0) c.leaks.push({ alias: entry.address, domains: leaked });
    countRefusal(c.refused, entry, decision, since, until);
  }
  const failures = await deps.failures.recent(FAILURE_LOG_LIMITS.maxPairs);
  for (const { count, last } of failures) {
    const user = userOf(deps.rules.route(last.alias));
    if (user === null || !contents.has(user) || !within(last.at, since, until)) continue;
    of(user).failures.push({ alias: last.alias, target: last.target, count, last });
  }
  const holds = deps.flood ? await deps.flood.recent(until) : [];
  // Users whose digests go to one mailbox share its holds: they are told once, in the first of those digests.
  const told = new Set<string>();
  for (const [user, c] of contents) {
    const boxes = new Set((deps.rules.digestTargets?.get(user) ?? []).map(targetMailbox).filter((box) => !told.has(box)));
    c.flood = holds.filter((h) => boxes.has(h.mailbox.toLowerCase()) && within(h.last, since, until + 1));
    for (const box of boxes) told.add(box);
  }
  return { contents, failures };
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
