// The runnable examples of the README and of every page under docs/: every ```console block is a terminal session. A line starting with `$ ` is a
// command (optionally prefixed with VAR=value settings); the lines after it, up to the next command, are what it
// prints (stdout, then stderr). In an expected line `…` stands for any text (an id, a time). Nothing else marks
// them, so what a reader sees is exactly what the test runs.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './relay-process.js';

export interface Step {
  /** 1-based line of the command in its file, for failure messages. */
  line: number;
  command: string;
  env: Record<string, string>;
  argv: string[];
  expected: string[];
}

export interface Session {
  /** The file it is in, relative to the repository: README.md or docs/<page>.md. */
  file: string;
  line: number;
  /** The `## …` or `### …` heading the block sits under. */
  section: string;
  steps: Step[];
}

export const README = join(ROOT, 'README.md');

/** The documentation a reader has: the README, then each page under docs/ (relative to the repository). */
export function docFiles(): string[] {
  const pages = readdirSync(join(ROOT, 'docs')).filter((name) => name.endsWith('.md')).sort();
  return ['README.md', ...pages.map((name) => `docs/${name}`)];
}

export const docText = (file: string): string => readFileSync(join(ROOT, file), 'utf8');

/** Every console block of every documentation file, file by file. */
export function docSessions(): Session[] {
  return docFiles().flatMap((file) => readmeSessions(docText(file), file));
}

export function readmeSessions(text = readFileSync(README, 'utf8'), file = 'README.md'): Session[] {
  const sessions: Session[] = [];
  let section = '';
  let current: Session | null = null;
  text.split('\n').forEach((line, index) => {
    if (current === null) {
      if (/^#{2,3} /.test(line)) section = line.replace(/^#+ /, '');
      if (line.trim() === '```console') current = { file, line: index + 1, section, steps: [] };
      return;
    }
    if (line.trim() === '```') {
      sessions.push(current);
      current = null;
    } else if (line.startsWith('$ ')) {
      current.steps.push({ line: index + 1, command: line.slice(2), ...splitCommand(line.slice(2)), expected: [] });
    } else {
      const step = current.steps.at(-1);
      if (!step) throw new Error(`${file}:${index + 1}: a console block must start with a "$ " command`);
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
  /** Where it is shown: README.md or docs/<page>.md. */
  doc: string;
  line: number;
  file: string;
  text: string;
}

export function docFileBlocks(): FileBlock[] {
  return docFiles().flatMap((doc) => readmeFileBlocks(docText(doc), doc));
}

export function readmeFileBlocks(text = readFileSync(README, 'utf8'), doc = 'README.md'): FileBlock[] {
  return [...text.matchAll(/^<!-- ([\w./-]+\.ya?ml) -->\n```yaml\n([\s\S]*?)^```$/gm)].map((m) => ({
    doc,
    line: text.slice(0, m.index).split('\n').length,
    file: m[1] ?? '',
    text: m[2] ?? '',
  }));
}
