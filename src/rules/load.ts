import { readFile } from 'node:fs/promises';
import { compileRules, type RuleSet } from './compile.js';
import { RulesLoadError } from './errors.js';

/**
 * Reads a rules file's text. Any failure, including a missing or unreadable file, is a RulesLoadError
 * (at line 0, col 0) so callers have one thing to catch and print.
 */
export async function readRulesText(file: string, displayName: string = file): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const message =
      code === 'ENOENT'
        ? 'rules file not found (set RULES_FILE or pass --rules)'
        : `cannot read rules file: ${code ?? (err as Error).message}`;
    throw new RulesLoadError([{ file: displayName, line: 0, col: 0, message }]);
  }
}

/** Reads and compiles a rules file. `displayName` is how messages name the file (defaults to `file`). */
export async function loadRules(file: string, displayName: string = file): Promise<RuleSet> {
  return compileRules(await readRulesText(file, displayName), displayName);
}
