import type { FastifyInstance, FastifySchema } from 'fastify';
import { AdminDigestOff } from '../admin/errors.js';
import { runDigest, type DigestDeps, type DigestOutcome, type DigestRun } from './run.js';
import { scheduleDigest, type DigestTimer } from './scheduler.js';

export type { DigestDeps, DigestOutcome, DigestRun };

/** The digest as the app wires it: runs (scheduled, or asked for), and what the last one could not send. */
export interface Digest {
  run(options: { dryRun: boolean }): Promise<DigestRun>;
  /** Short lines for the admin page: the last run's digests not sent, and why. */
  notes(): readonly string[];
  /** Starts the daily timer (digest/scheduler.ts). */
  schedule(): DigestTimer;
}

export function createDigest(deps: DigestDeps): Digest {
  let skipped: readonly string[] = [];
  const run = async (options: { dryRun: boolean }) => {
    const result = await runDigest(deps, options);
    if (!options.dryRun) {
      skipped = result.outcomes.flatMap((o) => (o.status === 'skipped' || o.status === 'failed' ? [`Digest of ${result.date} for ${o.user} not sent: ${o.reason}`] : []));
    }
    return result;
  };
  return {
    run,
    notes: () => skipped,
    schedule: () => scheduleDigest(() => deps.rules().digest, () => run({ dryRun: false }), deps.clock, deps.log),
  };
}

/** An outcome for an API client; the text only in a dry run (it is the message itself). */
const outcomeView = ({ text, ...rest }: DigestOutcome, withText: boolean) => (withText && text !== undefined ? { ...rest, text } : rest);
const runView = (run: DigestRun, withText: boolean) => ({
  date: run.date,
  timezone: run.timezone,
  since: new Date(run.since).toISOString(),
  until: new Date(run.until).toISOString(),
  digests: run.outcomes.map((o) => outcomeView(o, withText)),
});

/**
 * Inside /admin (its token check applies): `GET /admin/digest` is the dry run (what would be sent now, text
 * included; nothing claimed, nothing sent), `POST /admin/digest` sends now. "Now" does not bypass the daily claim:
 * a user gets at most one digest per target per local date, however it was started, so a manual run in the
 * morning and the scheduled one never both arrive; a target whose send failed is retried.
 */
export function digestRoutes(app: FastifyInstance, digest: Digest, isOn: () => boolean, schema: FastifySchema): void {
  app.get('/digest', async () => runView(await digest.run({ dryRun: true }), true));
  app.post('/digest', { schema }, async () => {
    if (!isOn()) throw new AdminDigestOff();
    return runView(await digest.run({ dryRun: false }), false);
  });
}
