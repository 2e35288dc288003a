// The real relay process (`src/main.ts` through tsx, or a built entry) on a free loopback port, for tests that
// need what only a process has: signals, exit codes, the listening server's timeouts, its memory apart from the
// test's, what the bundle makes of the code.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');
export const MAIN = join(ROOT, 'src/main.ts');

export interface RelayProcess {
  child: ChildProcess;
  url: string;
  /** What it wrote to stdout and stderr: all of it, or the last `keepBytes`. */
  output: () => string;
}

export interface StartOptions {
  /** Node flags before the loader (production's: --expose-gc). */
  nodeArgs?: readonly string[];
  /** Modules to --import after tsx (they may be TypeScript). */
  preload?: readonly string[];
  /** An IPC channel to the process (child.send / 'message'). */
  ipc?: boolean;
  /** Keep only this much output: a relay under load logs every request. */
  keepBytes?: number;
  startTimeoutMs?: number;
  /** A built entry (JavaScript, e.g. a bundle) to run with plain node instead of src/main.ts through tsx. */
  entry?: string;
}

/**
 * Starts the relay with `env` (plus PATH, PORT=0, HOST, the example rules and a DATA_DIR of its own: the default
 * ./data would remember the previous run's messages, and the same sample message would be answered as a duplicate);
 * resolves once it listens. An `undefined` value unsets the variable (e.g. HOST, to test its default).
 */
export async function startRelay(env: Record<string, string | undefined>, options: StartOptions = {}): Promise<RelayProcess> {
  const dataDir = mkdtempSync(join(tmpdir(), 'plus-relay-data-'));
  const preload = (options.preload ?? []).flatMap((m) => ['--import', m]);
  const entry = options.entry ? [options.entry] : ['--import', 'tsx', ...preload, MAIN];
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), ...entry], {
    cwd: ROOT,
    env: Object.fromEntries(Object.entries({ PATH: process.env.PATH ?? '', PORT: '0', HOST: '127.0.0.1', RULES_FILE: join(ROOT, 'rules.yaml'), DATA_DIR: dataDir, ...env }).filter(([, v]) => v !== undefined)),
    stdio: options.ipc ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe'],
  });
  child.once('exit', () => rmSync(dataDir, { recursive: true, force: true }));
  let output = '';
  const keep = (d: Buffer): void => {
    output += d.toString();
    if (options.keepBytes !== undefined && output.length > options.keepBytes) output = output.slice(-options.keepBytes);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const timeoutMs = options.startTimeoutMs ?? 15_000;
  const url = await new Promise<string>((ok, fail) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL'); // else its pipes keep the test process alive
      fail(new Error(`not listening after ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    const look = (): void => {
      const match = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (!match?.[1]) return;
      clearTimeout(timer);
      child.stdout?.off('data', look);
      ok(match[1]);
    };
    child.stdout?.on('data', look);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      fail(new Error(`exited (${code ?? signal}) before listening:\n${output}`));
    });
  });
  return { child, url, output: () => output };
}
