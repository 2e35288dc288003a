// The relay as production runs it (`node --expose-gc`, LOG_LEVEL=info) in a process of its own, so a test can
// measure the relay's memory apart from its own (load generator, Mailgun stand-in, bookkeeping). memory-probe.ts,
// preloaded, answers over the IPC channel with what is left after a full collection.
import { once } from 'node:events';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { pathToFileURL } from 'node:url';
import { startRelay } from './relay-process.js';

const PROBE = pathToFileURL(join(import.meta.dirname, 'memory-probe.ts')).href;
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
  // Only the tail of the output is kept, for error messages: the relay logs every request.
  const { child, url, output } = await startRelay(
    { LOG_LEVEL: 'info', ...env },
    { nodeArgs: ['--expose-gc'], preload: [PROBE], ipc: true, keepBytes: 4000, startTimeoutMs: START_TIMEOUT_MS },
  );
  // Killed outright: how the relay stops is test/process's business, not a soak's.
  t.after(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
  });
  return {
    url,
    async memory() {
      child.send('memory');
      const [answer] = (await Promise.race([
        once(child, 'message'),
        new Promise<never>((_, fail) => setTimeout(() => fail(new Error(`no memory answer in ${PROBE_TIMEOUT_MS} ms:\n${output()}`)), PROBE_TIMEOUT_MS).unref()),
      ])) as unknown[];
      if (!isMemory(answer)) throw new Error(`unexpected answer from the memory probe: ${JSON.stringify(answer)}`);
      return answer;
    },
  };
}
