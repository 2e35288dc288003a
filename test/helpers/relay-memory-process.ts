// The relay as production runs it (src/main.ts under `node --expose-gc`, LOG_LEVEL=info) in a process of its own,
// so a test can measure the relay's memory apart from its own (load generator, Mailgun stand-in, bookkeeping).
// memory-probe.ts, preloaded, answers over the IPC channel with what is left after a full collection.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join, resolve } from 'node:path';
import type { TestContext } from 'node:test';
import { pathToFileURL } from 'node:url';

const ROOT = resolve(import.meta.dirname, '../..');
const PROBE = pathToFileURL(join(import.meta.dirname, 'memory-probe.ts')).href;
// Fastify's own line at info level (the relay logs JSON).
const LISTENING = /"msg":"Server listening at (http:\/\/127\.0\.0\.1:\d+)"/;
const START_TIMEOUT_MS = 60_000;
const PROBE_TIMEOUT_MS = 30_000;

/** Bytes, after a full collection. `external` includes `arrayBuffers` (Buffers). */
export interface RelayMemory {
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  rss: number;
}

export interface RelayProcess {
  readonly url: string;
  memory(): Promise<RelayMemory>;
}

function isMemory(value: unknown): value is RelayMemory {
  if (typeof value !== 'object' || value === null) return false;
  const fields = value as Record<string, unknown>;
  return ['heapUsed', 'external', 'arrayBuffers', 'rss'].every((k) => typeof fields[k] === 'number');
}

/** Starts the relay with `env` on a free loopback port, for the length of the test. */
export async function startRelayProcess(t: TestContext, env: Record<string, string>): Promise<RelayProcess> {
  const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', '--import', PROBE, join(ROOT, 'src/main.ts')], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  // Killed outright: how the relay stops is test/process's business, not a soak's.
  t.after(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
  });
  // Only the tail is kept, for error messages: the relay logs every request.
  let tail = '';
  const keep = (chunk: Buffer): void => {
    tail = (tail + chunk.toString()).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const url = await new Promise<string>((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`relay not listening after ${START_TIMEOUT_MS} ms:\n${tail}`)), START_TIMEOUT_MS);
    const look = (): void => {
      const found = LISTENING.exec(tail)?.[1];
      if (!found) return;
      clearTimeout(timer);
      child.stdout?.off('data', look);
      ok(found);
    };
    child.stdout?.on('data', look);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      fail(new Error(`relay exited (${code ?? signal}) before listening:\n${tail}`));
    });
  });
  return {
    url,
    async memory() {
      child.send('memory');
      const [answer] = (await Promise.race([
        once(child, 'message'),
        new Promise<never>((_, fail) => setTimeout(() => fail(new Error(`no memory answer in ${PROBE_TIMEOUT_MS} ms:\n${tail}`)), PROBE_TIMEOUT_MS).unref()),
      ])) as unknown[];
      if (!isMemory(answer)) throw new Error(`unexpected answer from the memory probe: ${JSON.stringify(answer)}`);
      return answer;
    },
  };
}
