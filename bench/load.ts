// The two load generators: autocannon (closed loop, many connections) for throughput, and an undici Pool driven at
// a fixed pace (open loop) for latency, timed with performance.now() because autocannon's histogram keeps whole ms.
import autocannon from 'autocannon';
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'undici';
import type { Body } from './payloads.js';

export interface ThroughputRun {
  rps: number;
  ok: number;
  non2xx: number;
  errors: number;
}

export interface ThroughputOptions {
  connections: number;
  /** Seconds; or `amount` requests, whichever is given (`amount` wins). */
  durationS?: number;
  amount?: number;
}

export async function throughput(url: string, path: string, make: (n: number) => Body, opts: ThroughputOptions): Promise<ThroughputRun> {
  let n = 0;
  const started = performance.now();
  let lastAnswer = started;
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url,
        connections: opts.connections,
        ...(opts.amount !== undefined ? { amount: opts.amount } : { duration: opts.durationS ?? 5 }),
        timeout: 30,
        // autocannon notices the end of an `amount` run only at its next sample: every 1 s by default.
        sampleInt: 100,
        requests: [
          {
            method: 'POST',
            path,
            setupRequest: (request) => {
              const { body, contentType } = make(n++);
              return { ...request, body, headers: { 'content-type': contentType } };
            },
          },
        ],
      },
      (err: unknown, done: autocannon.Result) => (err ? reject(err) : resolve(done)),
    );
    instance.on('response', () => {
      lastAnswer = performance.now();
    });
  });
  // From the first request to the last answer: autocannon's own duration is whole seconds and includes its wait
  // for the next sample.
  const elapsedS = (lastAnswer - started) / 1000;
  const ok = result['2xx'];
  return { rps: ok / elapsedS, ok, non2xx: result.non2xx, errors: result.errors + result.timeouts };
}

export interface PacedOptions {
  /** Requests per second, spaced evenly. */
  rate: number;
  count: number;
  connections: number;
}

export interface PacedRun {
  /** Milliseconds from sending each request to having read all of its answer. */
  latencies: number[];
  failed: number;
}

export async function paced(url: string, path: string, make: (n: number) => Body, opts: PacedOptions): Promise<PacedRun> {
  const pool = new Pool(url, { connections: opts.connections, pipelining: 1 });
  const latencies: number[] = [];
  let failed = 0;
  const inflight: Promise<void>[] = [];
  const one = async (n: number): Promise<void> => {
    const { body, contentType } = make(n);
    const started = performance.now();
    try {
      const response = await pool.request({ method: 'POST', path, headers: { 'content-type': contentType }, body, headersTimeout: 30_000, bodyTimeout: 30_000 });
      await response.body.dump();
      if (response.statusCode === 200) latencies.push(performance.now() - started);
      else failed++;
    } catch {
      failed++;
    }
  };
  const interval = 1000 / opts.rate;
  const start = performance.now();
  for (let n = 0; n < opts.count; n++) {
    const wait = start + n * interval - performance.now();
    if (wait > 0.5) await sleep(wait);
    inflight.push(one(n));
  }
  await Promise.all(inflight);
  await pool.close();
  return { latencies, failed };
}
