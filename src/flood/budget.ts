import type { Clock } from '../clock.js';
import type { Budget, FloodCounters, Taken } from '../store/flood.js';
import type { FloodHold, LimitName, ResolvedLimits } from '../rules/resolved-limits.js';
import { targetMailbox } from './mailbox.js';

const MINUTE = 60_000;
const HOUR = 3600_000;

export type Slot = { taken: Taken } | { held: FloodHold };

/**
 * The flood guard's budgets over the store's counters. Claim, then count: a unit is taken from the mailbox's
 * budget BEFORE the send (atomically, in the store, so instances sharing it can never pass the limit together),
 * kept when the send went out, and given back when it did not. So only what was really forwarded is counted, a
 * duplicate that sends nothing takes nothing, and the only error is a unit lost when an instance dies between
 * taking it and giving it back: the guard then holds back one message too early, never one too late.
 */
export interface FloodGuard {
  /** One forward to `target`, from its mailbox's per-minute and per-hour budgets. */
  takeForward(target: string, limits: ResolvedLimits): Promise<Slot>;
  /**
   * One new alias, from the new-alias budget of every mailbox its mail goes to: the budget of the sender's pool
   * (newAliasPool: `authenticated` is the sender domain that authenticated the message, if one did), where the alias
   * counts once however many messages it gets.
   */
  takeNewAlias(alias: string, targets: readonly string[], limits: ResolvedLimits, authenticated: string | null): Promise<Slot>;
  /** Returns a unit whose send did not happen. Never fails: a unit lost to a store outage only holds back one message early. */
  giveBack(taken: Taken): Promise<void>;
  /** Records a hold for the admin page. Never fails: the message is held either way. */
  note(hold: FloodHold): Promise<void>;
}

export function floodGuard(counters: FloodCounters, clock: Clock): FloodGuard {
  const take = async (budgets: readonly Budget[], name: (b: Budget) => LimitName, mailboxes: readonly string[], pool: Pick<FloodHold, 'authenticated'> = {}): Promise<Slot> => {
    const result = await counters.take(budgets, clock.now());
    if ('taken' in result) return result;
    const { full } = result;
    return { held: { limit: name(full), mailbox: mailboxes[budgets.indexOf(full)] ?? '', max: full.limit, ...pool } };
  };
  return {
    takeForward(target, limits) {
      const mailbox = targetMailbox(target);
      const key = `forward:${mailbox}`;
      const budgets = [
        { key, windowMs: MINUTE, limit: limits.perMinute },
        { key, windowMs: HOUR, limit: limits.perHour },
      ];
      return take(budgets, (b) => (b.windowMs === MINUTE ? 'per_minute' : 'per_hour'), [mailbox, mailbox]);
    },
    takeNewAlias(alias, targets, limits, authenticated) {
      const mailboxes = [...new Set(targets.map(targetMailbox))];
      const pool = newAliasPool(authenticated);
      const budgets = mailboxes.map((m) => ({ key: `new-alias:${m}:${pool}`, windowMs: HOUR, limit: limits.newAliasesPerHour, member: alias }));
      return take(budgets, () => 'new_aliases_per_hour', mailboxes, { authenticated });
    },
    async giveBack(taken) {
      await counters.giveBack(taken).catch(() => undefined);
    },
    async note(hold) {
      await counters.note(hold, clock.now()).catch(() => undefined);
    },
  };
}

/**
 * Whose share of a mailbox's new aliases a message spends. A sender domain that authenticated the message (an aligned
 * DKIM signature verified) has a share of its own: nobody else can spend it, so a stranger's flood never holds back
 * a confirmation from a shop that signs its mail. Everything else (no signature, a third party's, parsed mode, a
 * failed lookup) shares one pool: its From domain is whatever the sender wrote, so shares per claimed domain would
 * be free for a flood from random domains to multiply, and would let anyone spend a real domain's share.
 */
function newAliasPool(authenticated: string | null): string {
  return authenticated === null ? 'unauthenticated' : `dkim:${authenticated}`;
}

/** The reason in the answer to Mailgun and the log line. */
export function holdReason(hold: FloodHold): string {
  const window = { per_minute: 'this minute', per_hour: 'this hour', new_aliases_per_hour: 'this hour' }[hold.limit];
  const what = hold.limit === 'new_aliases_per_hour' ? `new aliases${poolWords(hold.authenticated)}` : 'forwards';
  return `flood guard: ${hold.mailbox} has had its ${hold.max} ${what} ${window} (limits ${hold.limit})`;
}

function poolWords(authenticated: string | null | undefined): string {
  if (authenticated === undefined) return '';
  return authenticated === null ? ' from unauthenticated senders' : ` from ${authenticated} (DKIM-authenticated)`;
}
