import type { DigestSchedule } from '../rules/digest.js';

/**
 * When the digest runs, in the zone's own time, with Intl only (no time zone library): the local date of an
 * instant, and the instant of HH:MM on a local date, correct across daylight saving changes.
 */

const formats = new Map<string, Intl.DateTimeFormat>();
function format(timezone: string): Intl.DateTimeFormat {
  let f = formats.get(timezone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: timezone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    formats.set(timezone, f);
  }
  return f;
}

/** The wall clock in `timezone` at `ms`, written as if it were UTC (whole seconds). */
function wallClock(ms: number, timezone: string): number {
  const p: Record<string, number> = {};
  for (const part of format(timezone).formatToParts(ms)) if (part.type !== 'literal') p[part.type] = Number(part.value);
  return Date.UTC(p.year ?? 1970, (p.month ?? 1) - 1, p.day ?? 1, p.hour ?? 0, p.minute ?? 0, p.second ?? 0);
}

const offset = (ms: number, timezone: string): number => wallClock(ms, timezone) - Math.floor(ms / 1000) * 1000;

/** `YYYY-MM-DD` in `timezone` at `ms`: the day a digest belongs to (the ledger key's date). */
export function localDate(ms: number, timezone: string): string {
  return new Date(wallClock(ms, timezone)).toISOString().slice(0, 10);
}

const DAY_MS = 24 * 3600_000;

/**
 * The instant the wall clock in `timezone` shows `hour:minute` on `date` (YYYY-MM-DD). Zone offsets change at
 * most a few times a year, so the offsets two days either side are the only candidates. A time that occurs twice
 * (autumn) is its first occurrence; one that does not occur (the spring gap) is the instant the clock jumps past
 * it at, shifted by the gap (02:30 → 03:30): still on that day, still once.
 */
export function zonedInstant(date: string, hour: number, minute: number, timezone: string): number {
  const [y = 1970, m = 1, d = 1] = date.split('-').map(Number);
  const wall = Date.UTC(y, m - 1, d, hour, minute);
  const before = offset(wall - 2 * DAY_MS, timezone);
  const after = offset(wall + 2 * DAY_MS, timezone);
  const exact = [wall - before, wall - after].filter((t) => wallClock(t, timezone) === wall);
  return exact.length > 0 ? Math.min(...exact) : wall - before;
}

/** The day after a local date, as a local date. */
export function nextDate(date: string): string {
  const [y = 1970, m = 1, d = 1] = date.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d + 1)).toISOString().slice(0, 10);
}

/** Today's run (which may have passed) and the next one still to come, as instants. */
export function runsAround(now: number, schedule: DigestSchedule): { today: number; todayDate: string; next: number; nextDate: string } {
  const todayDate = localDate(now, schedule.timezone);
  const today = zonedInstant(todayDate, schedule.hour, schedule.minute, schedule.timezone);
  if (today > now) return { today, todayDate, next: today, nextDate: todayDate };
  const tomorrow = nextDate(todayDate);
  return { today, todayDate, next: zonedInstant(tomorrow, schedule.hour, schedule.minute, schedule.timezone), nextDate: tomorrow };
}
