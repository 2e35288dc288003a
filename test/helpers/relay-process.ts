// The real relay process (`src/main.ts` through tsx) on a free loopback port, for tests that need what only a
// process has: signals, exit codes, the listening server's timeouts, its resident memory.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');
export const MAIN = join(ROOT, 'src/main.ts');

export interface RelayProcess {
  child: ChildProcess;
  url: string;
  output: () => string;
}

/**
 * Starts the relay with `env` (plus PATH, PORT=0, HOST, the example rules and a DATA_DIR of its own: the default
 * ./data would remember the previous run's messages, and the same sample message would be answered as a duplicate);
 * resolves once it listens (logs at info).
 */
export async function startRelay(env: Record<string, string | undefined>, nodeArgs: readonly string[] = []): Promise<RelayProcess> {
  const dataDir = mkdtempSync(join(tmpdir(), 'plus-relay-data-'));
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', MAIN], {
    cwd: ROOT,
    // An `undefined` value unsets the variable (e.g. HOST, to test its default).
    env: Object.fromEntries(Object.entries({ PATH: process.env.PATH ?? '', PORT: '0', HOST: '127.0.0.1', RULES_FILE: join(ROOT, 'rules.yaml'), DATA_DIR: dataDir, ...env }).filter(([, v]) => v !== undefined)),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.once('exit', () => rmSync(dataDir, { recursive: true, force: true }));
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const url = await new Promise<string>((ok, fail) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL'); // else its pipes keep the test process alive
      fail(new Error(`no listen line in:\n${output}`));
    }, 15_000);
    const look = () => {
      const match = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match?.[1]) { clearTimeout(timer); ok(match[1]); }
    };
    child.stdout?.on('data', look);
    child.once('exit', () => { clearTimeout(timer); fail(new Error(`exited early:\n${output}`)); });
  });
  return { child, url, output: () => output };
}
