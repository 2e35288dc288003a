const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3600_000, d: 86_400_000, w: 7 * 86_400_000 };

// Longer than any learning period makes sense, short enough that the arithmetic stays exact.
const MAX_MS = 10 * 365 * 86_400_000;

/** `0s`, `90m`, `12h`, `7d`, `2w` → milliseconds; null for anything else (the caller reports where). */
export function parseDuration(text: string): number | null {
  const match = /^(\d{1,6})([smhdw])$/.exec(text);
  if (!match) return null;
  const ms = Number(match[1]) * (UNITS[match[2] ?? ''] ?? NaN);
  return Number.isFinite(ms) && ms <= MAX_MS ? ms : null;
}
