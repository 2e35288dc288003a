import { setTimeout as delay } from 'node:timers/promises';

/** Time, passed in so tests can move it (signature windows, TTLs) without waiting. */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => delay(ms, undefined, { ref: false }),
};
