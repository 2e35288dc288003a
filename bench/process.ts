// Child processes of the benchmark: compiled JavaScript on plain node (the forwarders, see build.ts) or TypeScript
// through tsx (the stand-in, whose cost is never measured), ready when a line on stdout gives the port, stopped
// with SIGTERM (then SIGKILL if it hangs).
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';

export interface Child {
  readonly name: string;
  readonly pid: number;
  readonly url: string;
  /** Lines written to stdout so far (the relay logs one per delivery). */
  readonly lines: number;
  stop(): Promise<void>;
}

export interface StartOptions {
  name: string;
  /** The entry file, relative to the repository root. */
  entry: string;
  /** Run a TypeScript entry through tsx; without it the entry is JavaScript and node runs it as it is. */
  tsx?: boolean;
  env: Record<string, string>;
  /** Node flags before the entry, as production passes them (the relay: --expose-gc). */
  nodeArgs?: string[];
  /** Finds the port in one stdout line. */
  ready: RegExp;
  timeoutMs: number;
}

// Every child still running, so a run stopped by its time limit leaves none behind.
const running = new Set<ChildProcess>();

export async function stopAll(): Promise<void> {
  await Promise.allSettled([...running].map(stop));
}

export async function startChild(root: string, opts: StartOptions): Promise<Child> {
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), ...(opts.tsx ? ['--import', 'tsx'] : []), opts.entry], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production', ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  child.once('exit', () => running.delete(child));
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (s: string) => {
    stderr = (stderr + s).slice(-4000);
  });
  let lines = 0;
  let partial = '';
  const port = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${opts.name} not ready after ${opts.timeoutMs} ms: ${stderr}`)), opts.timeoutMs);
    child.once('exit', (code) => reject(new Error(`${opts.name} exited (${code}) before it was ready: ${stderr}`)));
    child.stdout?.setEncoding('utf8').on('data', (s: string) => {
      const text = partial + s;
      const split = text.split('\n');
      partial = split.pop() ?? '';
      lines += split.length;
      if (partial.length > 1_000_000) partial = '';
      for (const line of split) {
        const found = opts.ready.exec(line)?.[1];
        if (found) {
          clearTimeout(timer);
          resolve(found);
        }
      }
    });
  });
  const found = await port.catch(async (err: unknown) => {
    await stop(child);
    throw err;
  });
  return {
    name: opts.name,
    pid: child.pid ?? 0,
    url: `http://127.0.0.1:${found}`,
    get lines() {
      return lines;
    },
    stop: () => stop(child),
  };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}
