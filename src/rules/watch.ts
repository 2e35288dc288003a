import { readFileSync, statSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { compileRules, type RuleSet } from './compile.js';
import { RulesLoadError } from './errors.js';
import { readRulesText } from './load.js';
import type { CompiledRules } from './types.js';

export interface WatchHandlers {
  /** A valid edit, compiled. The caller swaps it in. Must not throw. */
  onReload(rules: RuleSet): void;
  /** An invalid edit or a vanished file. The caller keeps serving what it had. Must not throw. */
  onError(err: RulesLoadError): void;
}

/**
 * Polls the file's stat by path. Polling rather than fs.watch because editors often save by writing a
 * new file and renaming it over the old one, which silently detaches an inode watcher; a stat by path
 * always sees the current file. `current` is what the caller serves now; the watcher only reports changes.
 */
export function watchRules(file: string, current: CompiledRules, handlers: WatchHandlers, intervalMs = 500): { close(): void } {
  // The baseline is the file as it is now, which is what `current` was (just) loaded from.
  let seen = signature(file);
  let lastText = seen === null ? null : readText(file);
  let missingPolls = 0;
  let busy = false;
  let closed = false;

  const poll = async (): Promise<void> => {
    const now = await stat(file).then(statKey, () => null);
    if (now === null) {
      // Some editors delete then recreate; only a file still missing on the next poll is an error.
      if (++missingPolls === 2) await readRulesText(file, current.file).catch(report);
      seen = null;
      return;
    }
    missingPolls = 0;
    if (now === seen) return;
    seen = now;
    const text = await readRulesText(file, current.file).catch(report);
    // A touch or a save without changes is not a reload.
    if (text === undefined || text === lastText || closed) return;
    lastText = text;
    let next: RuleSet;
    try {
      next = compileRules(text, current.file);
    } catch (err) {
      return report(err);
    }
    handlers.onReload(next);
  };

  const report = (err: unknown): undefined => {
    if (!closed) handlers.onError(err instanceof RulesLoadError ? err : new RulesLoadError([{ file: current.file, line: 0, col: 0, message: String(err) }]));
    return undefined;
  };

  const timer = setInterval(() => {
    if (busy || closed) return;
    busy = true;
    void poll().finally(() => (busy = false));
  }, intervalMs);
  // A rules watcher must never be what keeps the process alive.
  timer.unref();
  return { close: () => ((closed = true), clearInterval(timer)) };
}

function statKey(s: { ino: number; size: number; mtimeMs: number; ctimeMs: number }): string {
  return `${s.ino}:${s.size}:${s.mtimeMs}:${s.ctimeMs}`;
}

function readText(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

function signature(file: string): string | null {
  try {
    return statKey(statSync(file));
  } catch {
    return null;
  }
}
