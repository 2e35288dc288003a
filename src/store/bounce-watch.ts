/**
 * Targets whose bounce the relay removed more than once within a day. One refused message is an accident;
 * a second within the window means the target keeps being put back on the bounce list, perhaps by someone
 * sending mail meant to bounce (a DMARC-failing From, spam) to silence the owner. The owner is told (the
 * log at error, the admin page, `plus-relay doctor`) and the relay keeps freeing the target, at most once
 * an hour.
 */
export interface BounceRemoval {
  target: string;
  /** The alias whose forward bounced. */
  alias: string;
  /** The stored bounce's text (`550 5.7.26 …`), cut to a bounded length. */
  error: string;
  at: number;
}

export interface RepeatedBounce extends BounceRemoval {
  /** Removals within the window, the latest included: 2 or more. */
  removals: number;
  /** The window's first removal, epoch ms. */
  since: number;
}

export interface BounceWatch {
  /**
   * Notes a removal of `target`'s bounce and answers how many removals of it fall within the window, this
   * one included (1: the first). The caller holds the target's ledger claim, so removals of one target never
   * race.
   */
  removed(removal: BounceRemoval): Promise<number>;
  /** Targets removed twice or more within the window, the latest first. */
  repeated(limit: number): Promise<RepeatedBounce[]>;
}

export interface BounceWatchLimits {
  /** A removal this long after the previous one starts a new window. */
  windowMs: number;
  /** Targets remembered at once (a `{service}` template renders one per alias); the oldest go first. */
  maxTargets: number;
}

export const BOUNCE_WATCH_LIMITS: BounceWatchLimits = { windowMs: 24 * 3600_000, maxTargets: 1000 };

/** The next state of one target's entry: counted on from the previous one when it is within the window. */
export function nextWatch(previous: RepeatedBounce | null, removal: BounceRemoval, windowMs: number): RepeatedBounce {
  const within = previous !== null && removal.at - previous.at < windowMs;
  return { ...removal, removals: within ? previous.removals + 1 : 1, since: within ? previous.since : removal.at };
}
