// Sizes of a full run (about 4 minutes on 2 cores) and of the CI smoke run (well under a minute; no timing asserted).
import type { ThroughputSettings } from './part-throughput.js';

export interface Settings {
  limitS: number;
  throughput: ThroughputSettings;
  latency: { rate: number; count: number; loadShare: number; seconds: number; connections: number; rounds: number };
  memory: { bytes: number; rounds: number };
  route: { batches: number; perBatch: number };
}

export const SETTINGS: Record<'full' | 'smoke', Settings> = {
  full: {
    limitS: 900,
    // Five alternating rounds of 6 s per side: on a shared machine more, shorter runs give steadier medians.
    throughput: { rounds: 5, warmup: { connections: 10, durationS: 3 }, run: { connections: 10, durationS: 6 } },
    // Moderate load: a quarter of the relay's measured throughput, evenly spaced, for 10 s per run.
    latency: { rate: 0, count: 0, loadShare: 0.25, seconds: 10, connections: 16, rounds: 2 },
    memory: { bytes: 25 * 1024 * 1024, rounds: 2 },
    route: { batches: 10, perBatch: 20_000 },
  },
  smoke: {
    limitS: 120,
    throughput: { rounds: 2, warmup: { connections: 4, amount: 40 }, run: { connections: 4, amount: 200 } },
    latency: { rate: 100, count: 100, loadShare: 0, seconds: 0, connections: 4, rounds: 1 },
    memory: { bytes: 2 * 1024 * 1024, rounds: 1 },
    route: { batches: 2, perBatch: 1_000 },
  },
};
