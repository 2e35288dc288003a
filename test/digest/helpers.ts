// A relay with the daily digest on, at a chosen moment on its clock, and the admin calls that start a digest.
import type { TestContext } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { build, RULES, testClock, type BuildOptions } from '../helpers/build.js';
import { ADMIN_TOKEN, bearer } from '../helpers/admin.js';
import { logSink } from '../helpers/log-sink.js';

export const DAY = 86_400_000;

/** The test rules (owner, partner, family), learning senders for 7 days, and the digest at 08:00 in Berlin. */
export const DIGEST_RULES = `${RULES}leaks: {learn: 7d}\ndigest: {at: "08:00", timezone: "Europe/Berlin"}\n`;

/** 07:00 in Berlin on a winter day (UTC+1): the day's digest is an hour away. */
export const MORNING = Date.parse('2026-12-03T06:00:00Z');

/** A clock that shows `at` now and moves on in real time (and when the test moves it). */
export const clockAt = (at: number) => testClock(at - Date.now());

/** The relay at `at` on a clock of its own, or on the clock given (a restart on the same clock and store). */
export async function digestRelay(t: TestContext, at: number | ReturnType<typeof testClock>, options: Omit<BuildOptions, 'clock'> = {}) {
  const log = logSink();
  const clock = typeof at === 'number' ? clockAt(at) : at;
  const built = await build(t, { rules: DIGEST_RULES, clock, ...options, env: { ADMIN_TOKEN, ...options.env }, app: { logger: log.logger } });
  return { ...built, clock, log };
}

export interface DigestAnswer {
  date: string;
  digests: Array<{ user: string; to: string | null; status: string; reason?: string; subject?: string; text?: string }>;
}

export async function sendDigest(app: FastifyInstance): Promise<DigestAnswer> {
  const res = await app.inject({ method: 'POST', url: '/admin/digest', headers: bearer() });
  if (res.statusCode !== 200) throw new Error(`POST /admin/digest: ${res.statusCode} ${res.body}`);
  return res.json();
}

/** user → status, for "who got what" checks. */
export const statuses = (answer: DigestAnswer) => Object.fromEntries(answer.digests.map((d) => [`${d.user}${d.to ? ` ${d.to}` : ''}`, d.status]));
