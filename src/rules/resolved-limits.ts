/**
 * The flood guard's limits, as the rules engine hands them to the delivery: resolved for one recipient (a user's
 * `limits:` over the top level's, field by field) with the defaults filled in. Pure data.
 *
 * Why these defaults: Gmail locks an account's receiving for about a day once it gets more than 60 messages a
 * minute or 3,600 an hour. The guard counts in fixed windows (flood/budget.ts), and a burst across a window's edge
 * can get up to twice the limit within one window's length: half of Google's numbers keeps even that at Google's.
 */
export interface ResolvedLimits {
  /** Forwards per target mailbox per clock minute. */
  perMinute: number;
  /** Forwards per target mailbox per clock hour. */
  perHour: number;
  /**
   * Aliases new to the relay forwarded per target mailbox per clock hour, per pool of senders (flood/budget.ts,
   * newAliasPool); beyond, mail to further new aliases is held (503, Mailgun retries) until the hour ends.
   */
  newAliasesPerHour: number;
}

export const DEFAULT_LIMITS: ResolvedLimits = Object.freeze({ perMinute: 30, perHour: 1800, newAliasesPerHour: 50 });

/** The limits one level (top, user) sets; an absent field is left to the outer level, then to the default. */
export type LimitsLayer = Readonly<Partial<ResolvedLimits>>;

/** Undefined when no level sets a limit, so a decision without `limits:` reads as it did before the guard. */
export function resolveLimits(layers: readonly LimitsLayer[]): ResolvedLimits | undefined {
  const merged: Partial<ResolvedLimits> = {};
  for (const layer of layers) Object.assign(merged, layer);
  return Object.keys(merged).length === 0 ? undefined : { ...DEFAULT_LIMITS, ...merged };
}

/** The names rules.yaml gives the limits: the metric's labels, the log's and the page's words. */
export const LIMIT_NAMES = ['per_minute', 'per_hour', 'new_aliases_per_hour'] as const;
export type LimitName = (typeof LIMIT_NAMES)[number];

/** One message held back by the guard, for the answer, the log, the metric and the page. */
export interface FloodHold {
  limit: LimitName;
  /** The target mailbox (its `+tag` removed, lower-cased) whose budget is spent. */
  mailbox: string;
  /** The limit's value. */
  max: number;
  /** For new_aliases_per_hour, whose pool was spent: the DKIM-authenticated sender domain's, or (null) everybody else's. */
  authenticated?: string | null;
}
