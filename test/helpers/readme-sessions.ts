// The README's runnable examples: every ```console block is a terminal session. A line starting with `$ ` is a
// command (optionally prefixed with VAR=value settings); the lines after it, up to the next command, are what it
// prints (stdout, then stderr). In an expected line `…` stands for any text (an id, a time). Nothing else marks
// them, so what a reader sees is exactly what the test runs.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './relay-process.js';

export interface Step {
  /** 1-based line of the command in README.md, for failure messages. */
  line: number;
  command: string;
  env: Record<string, string>;
  argv: string[];
  expected: string[];
}

export interface Session {
  line: number;
  /** The `## …` or `### …` heading the block sits under. */
  section: string;
  steps: Step[];
}

export const README = join(ROOT, 'README.md');

export function readmeSessions(text = readFileSync(README, 'utf8')): Session[] {
  const sessions: Session[] = [];
  let section = '';
  let current: Session | null = null;
  text.split('\n').forEach((line, index) => {
    if (current === null) {
      if (/^#{2,3} /.test(line)) section = line.replace(/^#+ /, '');
      if (line.trim() === '```console') current = { line: index + 1, section, steps: [] };
      return;
    }
    if (line.trim() === '```') {
      sessions.push(current);
      current = null;
    } else if (line.startsWith('$ ')) {
      current.steps.push({ line: index + 1, command: line.slice(2), ...splitCommand(line.slice(2)), expected: [] });
    } else {
      const step = current.steps.at(-1);
      if (!step) throw new Error(`README.md:${index + 1}: a console block must start with a "$ " command`);
      step.expected.push(line);
    }
  });
  return sessions;
}

/** Shell words as a reader types them: spaces split, "double" and 'single' quotes group; leading VAR=value set env. */
export function splitCommand(command: string): { env: Record<string, string>; argv: string[] } {
  const words: string[] = [];
  for (const match of command.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)) words.push(match[1] ?? match[2] ?? match[3] ?? '');
  const env: Record<string, string> = {};
  while (words[0] !== undefined && /^[A-Z_][A-Z0-9_]*=/.test(words[0])) {
    const [name = '', ...value] = (words.shift() ?? '').split('=');
    env[name] = value.join('=');
  }
  return { env, argv: words };
}

/** Whether printed lines are what the README shows, `…` matching any text. */
export function sameOutput(expected: readonly string[], actual: readonly string[]): boolean {
  const pattern = (line: string) => new RegExp(`^${line.split('…').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return expected.length === actual.length && expected.every((line, i) => pattern(line).test(actual[i] ?? ''));
}

/** A ```yaml block right after `<!-- path -->`: the README showing a shipped file, which must say the same. */
export interface FileBlock {
  line: number;
  file: string;
  text: string;
}

export function readmeFileBlocks(text = readFileSync(README, 'utf8')): FileBlock[] {
  return [...text.matchAll(/^<!-- ([\w./-]+\.ya?ml) -->\n```yaml\n([\s\S]*?)^```$/gm)].map((m) => ({
    line: text.slice(0, m.index).split('\n').length,
    file: m[1] ?? '',
    text: m[2] ?? '',
  }));
}
