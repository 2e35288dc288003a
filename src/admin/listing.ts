import type { AliasEntry } from '../store/inventory.js';

/** One alias as `GET /admin/aliases` answers it and the page shows it. Times are ISO 8601 (UTC). */
export interface AliasView {
  address: string;
  firstSeen: string | null;
  lastSeen: string | null;
  /** When the operator added it ahead of time, else null. */
  added: string | null;
  forwarded: number;
  refused: number;
  blocked: boolean;
  senders: Array<{ domain: string; count: number; firstSeen: string; lastSeen: string; new: boolean }>;
  /** The operator's note from `add`; absent when none was given. */
  description?: string;
  /** Forwards Mailgun reported as failed (event webhooks; alias-facts.ts), and the last failure. */
  failed?: number;
  lastFailure?: {
    /** What `POST /admin/failures/<id>/resend` and `plus-relay resend` take. */
    id: string;
    reason: string;
    severity: string;
    code: number | null;
    message: string;
    target: string;
    at: string;
    /** Mailgun's event named a stored message: it can be resent (while Mailgun keeps it, about 3 days). */
    stored: boolean;
    /** When it was resent, else null. */
    resent: string | null;
  } | null;
  /** More per-alias fields from other parts of the relay (AliasFactsSource), merged in by name. */
  [extra: string]: unknown;
}

/**
 * A source of more per-alias fields, keyed by address (e.g. delivery failures from Mailgun's events).
 * Each is asked once per listing for all the addresses shown, and its fields are merged into the views.
 */
export type AliasFactsSource = (addresses: readonly string[]) => Promise<ReadonlyMap<string, Readonly<Record<string, unknown>>>>;

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/** The one place a listing is assembled: inventory entries, then every extra source's fields. */
export async function aliasViews(entries: readonly AliasEntry[], sources: readonly AliasFactsSource[] = []): Promise<AliasView[]> {
  let views: AliasView[] = entries.map((e) => ({
    address: e.address,
    firstSeen: iso(e.firstSeen),
    lastSeen: iso(e.lastSeen),
    added: iso(e.added),
    forwarded: e.forwarded,
    refused: e.refused,
    blocked: e.blocked,
    senders: e.senders.map((s) => ({ domain: s.domain, count: s.count, firstSeen: iso(s.firstSeen) ?? '', lastSeen: iso(s.lastSeen) ?? '', new: s.new })),
    ...(e.description === undefined ? {} : { description: e.description }),
  }));
  const addresses = views.map((v) => v.address);
  for (const source of sources) {
    const extra = await source(addresses);
    // The inventory's own fields win a name clash: a source adds fields, it never rewrites these.
    views = views.map((view) => ({ ...extra.get(view.address), ...view }));
  }
  return views;
}

/** An alias has leaked when a sender domain new to it (after its learning period) wrote to it. */
export const hasLeaked = (alias: { senders: ReadonlyArray<{ new: boolean }> }): boolean => alias.senders.some((s) => s.new);
