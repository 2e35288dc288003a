import { testClock } from './build.js';

const HOUR = 3600_000;

/**
 * A test clock one second into the next clock hour: a test's burst of messages never straddles the edge of the flood
 * guard's fixed windows (a clock minute, a clock hour), so it cannot pass or fail by when it happened to run.
 */
export function hourClock(): ReturnType<typeof testClock> {
  const clock = testClock();
  const now = Date.now();
  clock.offsetMs = Math.ceil(now / HOUR) * HOUR + 1000 - now;
  return clock;
}
