import type { FastifyBaseLogger } from 'fastify';
import type { Clock } from '../clock.js';
import type { DigestSchedule } from '../rules/digest.js';
import { runsAround } from './schedule.js';
import type { DigestRun } from './run.js';

/**
 * The longest one timer sleeps: the schedule is looked at again at least this often, so an edited `digest:`
 * (rules.yaml is reloaded while running) or a clock that jumped (a suspended machine) is noticed in time.
 */
const MAX_SLEEP_MS = 60_000;
/** A run that could not send to everyone (a failed send, another instance mid-send, the store down) is retried. */
const RETRY_MS = 5 * 60_000;

export interface DigestTimer {
  close(): Promise<void>;
}

/**
 * Runs the digest at `digest.at` in `digest.timezone` every day, in this process: one unref'd timer, cleared by
 * close(). When the process starts after today's time (a restart, a deploy), today's run is made at once: the
 * ledger's claims make sure no user gets it twice (digest/run.ts).
 */
export function scheduleDigest(schedule: () => DigestSchedule | undefined, run: () => Promise<DigestRun>, clock: Clock, log: FastifyBaseLogger): DigestTimer {
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;
  let closed = false;
  let retryAt: number | null = null;
  const initial = schedule();
  // Today's time, even when it has passed: then the first tick runs at once.
  let due: number | null = initial ? runsAround(clock.now(), initial).today : null;

  const runNow = async (): Promise<void> => {
    try {
      const result = await run();
      const unfinished = result.outcomes.filter((o) => o.status === 'failed' || o.status === 'in-progress').length;
      const count = (status: string) => result.outcomes.filter((o) => o.status === status).length;
      log.info({ date: result.date, sent: count('sent'), skipped: count('skipped'), unfinished, nothing: count('nothing') }, 'digest run');
      retryAt = unfinished > 0 ? clock.now() + RETRY_MS : null;
    } catch (err) {
      log.error({ err }, 'digest run failed; retrying later');
      retryAt = clock.now() + RETRY_MS;
    }
  };

  const tick = async (): Promise<void> => {
    timer = null;
    const current = schedule();
    if (current && due !== null && clock.now() >= due) {
      running = runNow();
      await running;
      running = null;
    }
    if (closed) return;
    const now = clock.now();
    due = current ? Math.min(retryAt ?? Infinity, runsAround(now, current).next) : null;
    const sleep = due === null ? MAX_SLEEP_MS : Math.max(0, Math.min(due - now, MAX_SLEEP_MS));
    timer = setTimeout(() => void tick(), sleep);
    timer.unref();
  };

  timer = setTimeout(() => void tick(), 0);
  timer.unref();
  return {
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
