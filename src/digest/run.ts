import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { Clock } from '../clock.js';
import type { Transport } from '../forward/types.js';
import { DIGEST_SERVICE } from '../rules/digest.js';
import type { CompiledRules } from '../rules/types.js';
import type { Store } from '../store/types.js';
import { collectDigests, failingNow, isEmpty, type FloodHolds } from './collect.js';
import { renderDigest } from './render.js';
import { localDate } from './schedule.js';

export interface DigestDeps {
  store: Pick<Store, 'ledger' | 'failures' | 'inventory'>;
  /** The current rules (rules.yaml is reloaded while running). */
  rules(): CompiledRules;
  /** The relay's own transport: tracking off, the X-Plus-Relay mark, so a digest can never loop back in. */
  transport: Transport;
  clock: Clock;
  sendingDomain: string;
  relayId: string;
  /** How long a claim lives if its holder dies mid-send (exactlyOncePolicy's claimTtlMs). */
  claimTtlMs: number;
  log: FastifyBaseLogger;
  /** The flood guard's holds (digest/collect.ts); absent, the digest has no flood section. */
  flood?: FloodHolds;
}

/** What became of one user's digest to one of their targets. */
export type DigestOutcome = { user: string; to: string | null; subject?: string; text?: string } & (
  | { status: 'sent' | 'would-send' | 'nothing' | 'already-sent' | 'in-progress' }
  | { status: 'skipped' | 'failed'; reason: string }
);

export interface DigestRun {
  /** The local date the digests belong to (in digest.timezone): one digest per user and target per date. */
  date: string;
  timezone: string;
  since: number;
  until: number;
  outcomes: DigestOutcome[];
}

/** Remembered well beyond the day, so a restart the same evening finds it sent. */
const SENT_TTL_MS = 3 * 24 * 3600_000;
/** The window a digest covers: the day before it. */
export const WINDOW_MS = 24 * 3600_000;

/**
 * One run of the digest: for every user with something to report, one message to each of their digest targets,
 * at most once per (user, target, local date) across restarts and instances: a ledger claim, completed after the
 * send, released when it fails (the next run retries). A target failing right now is skipped and said so. A dry
 * run renders the same messages and sends, claims and logs nothing.
 */
export async function runDigest(deps: DigestDeps, options: { dryRun: boolean }): Promise<DigestRun> {
  const rules = deps.rules();
  const now = deps.clock.now();
  const timezone = rules.digest?.timezone ?? 'UTC';
  const date = localDate(now, timezone);
  const since = now - WINDOW_MS;
  const window = `the 24 hours to ${new Date(now).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  const { contents, failures } = await collectDigests({ ...deps.store, rules, flood: deps.flood }, since, now);
  const outcomes: DigestOutcome[] = [];
  for (const [user, content] of contents) {
    const targets = rules.digestTargets?.get(user) ?? null;
    if (isEmpty(content)) {
      outcomes.push({ user, to: null, status: 'nothing' });
      continue;
    }
    if (targets === null) {
      outcomes.push({ user, to: null, status: 'skipped', reason: `the user's targets do not render with {service} = ${DIGEST_SERVICE}` });
      continue;
    }
    const { subject, text, html } = renderDigest(user, date, window, content);
    for (const to of targets) {
      const shown = { user, to, subject, text };
      const failing = failingNow(to, failures, now);
      if (failing) {
        const reason = `${to} is failing: ${failing.severity} ${failing.reason}${failing.code === null ? '' : ` ${failing.code}`} at ${new Date(failing.at).toISOString()}`;
        if (!options.dryRun) deps.log.warn({ user, to, reason: failing.reason, code: failing.code }, 'digest not sent: its target is failing right now');
        outcomes.push({ ...shown, status: 'skipped', reason });
        continue;
      }
      if (options.dryRun) {
        outcomes.push({ ...shown, status: 'would-send' });
        continue;
      }
      outcomes.push({ ...shown, ...(await sendOnce(deps, { user, to, date, subject, text, html })) });
    }
  }
  return { date, timezone, since, until: now, outcomes };
}

type SendStatus = { status: 'sent' | 'already-sent' | 'in-progress' } | { status: 'failed'; reason: string };

async function sendOnce(deps: DigestDeps, m: { user: string; to: string; date: string; subject: string; text: string; html: string }): Promise<SendStatus> {
  const { ledger } = deps.store;
  const key = `${m.user}\n${m.to}\n${m.date}`;
  const owner = randomUUID();
  const claim = await ledger.claim('digest', key, owner, deps.claimTtlMs);
  if (claim === 'used') return { status: 'already-sent' };
  if (claim === 'busy') return { status: 'in-progress' };
  let id: string;
  try {
    ({ id } = await deps.transport.send({
      kind: 'parsed',
      to: m.to,
      relayId: deps.relayId,
      // Not a forward of any alias: a failed event about it is not a forward's failure (events/handle-event.ts).
      alias: '',
      from: `"plus-relay digest" <relay@${deps.sendingDomain}>`,
      replyTo: null,
      subject: m.subject,
      text: m.text,
      html: m.html,
      attachments: [],
      inline: [],
    }));
  } catch (err) {
    await ledger.release('digest', key, owner).catch(() => undefined);
    deps.log.error({ user: m.user, to: m.to, err }, 'digest not sent: the send failed; the next run retries');
    return { status: 'failed', reason: (err as Error).message };
  }
  // Sent: from here on the claim is never released. If completing fails, the claim still holds the key until its
  // ttl, and a retry after that could send a second copy: the lesser harm than none.
  await ledger.complete('digest', key, SENT_TTL_MS).catch((err: unknown) => deps.log.error({ user: m.user, err }, 'digest sent, but not recorded as sent'));
  deps.log.info({ user: m.user, to: m.to, date: m.date, id }, 'digest sent');
  return { status: 'sent' };
}
