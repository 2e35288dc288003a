import { parseArgs } from 'node:util';
import type { CliIO } from './io.js';
import { nearest } from './suggest.js';

/** One option of one command: what parseArgs needs, and what --help says about it. */
export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  readonly multiple?: boolean;
  readonly default?: string | boolean;
  /** The value's name in usage and help (`--rules FILE`); string options only. */
  readonly value?: string;
  readonly help: string;
}

export type Options = Readonly<Record<string, OptionSpec>>;

/**
 * Everything one command accepts, stated once: the same table parses its arguments and prints its --help, so
 * the two cannot drift apart.
 */
export interface CommandSpec<O extends Options = Options> {
  readonly name: string;
  /** The positional arguments as usage shows them: `<address>`, `add <address>`, or ''. */
  readonly args: string;
  readonly summary: string;
  readonly options: O;
  /** Each environment variable the command reads, and what for. */
  readonly env: Readonly<Record<string, string>>;
  readonly examples: readonly string[];
}

/** Keeps the literal option types (`'string'`, `'boolean'`) so parsed values come out typed. */
export function commandSpec<const O extends Options>(spec: CommandSpec<O>): CommandSpec<O> {
  return spec;
}

// Every command takes -h/--help; it is added here rather than written into each table.
const HELP = { help: { type: 'boolean', short: 'h' } } as const;
type Config<O extends Options> = { args: string[]; options: O & typeof HELP; allowPositionals: true; strict: true };
export type Parsed<O extends Options> = ReturnType<typeof parseArgs<Config<O>>>;

/** The arguments, parsed; or the exit code after help (0) or the problem (2) was printed. */
export type ParseResult<O extends Options> = ({ ok: true } & Parsed<O>) | { ok: false; exit: number };

export function parseCommand<O extends Options>(spec: CommandSpec<O>, args: string[], io: CliIO): ParseResult<O> {
  const options = { ...spec.options, ...HELP };
  // A lenient pass first: --help wins wherever it stands, and an unknown option gets a suggestion rather than
  // parseArgs' own wording.
  const { tokens } = parseArgs({ args, options, allowPositionals: true, strict: false, tokens: true });
  const named = tokens.flatMap((t) => (t.kind === 'option' ? [t] : []));
  if (named.some((t) => t.name === 'help')) {
    io.out(helpText(spec));
    return { ok: false, exit: 0 };
  }
  const unknown = named.find((t) => !Object.hasOwn(options, t.name));
  if (unknown) {
    const guess = unknown.rawName.startsWith('--') ? nearest(unknown.name, Object.keys(options)) : null;
    return { ok: false, exit: usageError(io, spec, `unknown option ${unknown.rawName}${guess ? `: did you mean --${guess}?` : ''}`) };
  }
  try {
    return { ok: true, ...parseArgs<Config<O>>({ args, options, allowPositionals: true, strict: true }) };
  } catch (err) {
    return { ok: false, exit: usageError(io, spec, (err as Error).message) };
  }
}

/** A usage problem: what is wrong, the usage line, exit code 2. */
export function usageError(io: CliIO, spec: CommandSpec, problem: string): number {
  io.err(`plus-relay: ${problem}`);
  io.err(usageLine(spec));
  io.err(`(plus-relay ${spec.name} --help shows every option)`);
  return 2;
}

export function usageLine(spec: CommandSpec): string {
  const options = Object.entries(spec.options).map(([name, o]) => `[${flag(name, o)}]${o.multiple ? '...' : ''}`);
  return ['usage: plus-relay', spec.name, spec.args, ...options].filter(Boolean).join(' ');
}

const flag = (name: string, o: OptionSpec): string => `--${name}${o.type === 'string' ? ` ${o.value ?? 'VALUE'}` : ''}`;

/** Two columns: the names padded to the longest, then what each is. */
function table(rows: ReadonlyArray<readonly [string, string]>): string[] {
  const width = Math.max(...rows.map(([name]) => name.length));
  return rows.map(([name, text]) => `  ${name.padEnd(width)}  ${text}`);
}

export function helpText(spec: CommandSpec): string {
  const options = [...Object.entries(spec.options).map(([name, o]) => [flag(name, o), o.help] as const), ['-h, --help', 'show this help'] as const];
  const env = Object.entries(spec.env);
  return [
    usageLine(spec),
    '',
    spec.summary,
    '',
    'options:',
    ...table(options),
    '',
    'environment:',
    ...(env.length > 0 ? table(env) : ['  (none)']),
    '',
    spec.examples.length > 1 ? 'examples:' : 'example:',
    ...spec.examples.map((e) => `  ${e}`),
  ].join('\n');
}

/** `plus-relay --help`: every command with its one-line summary. */
export function commandList(specs: readonly CommandSpec[]): string {
  return [
    'usage: plus-relay <command> [options]',
    '',
    'commands:',
    ...table(specs.map((s) => [s.name, s.summary] as const)),
    '',
    "plus-relay <command> --help shows a command's options, the environment it reads and an example;",
    'plus-relay --version says which version this is.',
  ].join('\n');
}
