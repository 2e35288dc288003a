import type { CliIO } from '../../src/cli/io.js';

/** A CliIO that records what a command printed; `all()` is both streams, for "never prints X" checks. */
export function recordingIO(cwd: string, env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIO = { out: (l) => out.push(l), err: (l) => err.push(l), env, cwd };
  return { io, out, err, all: () => [...out, ...err].join('\n') };
}
