// Sizes of a full run (about 10 minutes on 2 cores: the build, 5 start-up rounds per side, 7 rounds of each kind of
// post per side — the relay, the stateless and the durable minimal forwarder —, the route() loop, 2 × 2 large-message
// relays, 2 latency rounds) and of the CI smoke run (under a minute, build included; one round of everything, tiny,
// no figure judged). `limitS` stops a run that hangs.
import type { KindSettings } from './part-cpu.js';
import type { StartupSettings } from './part-startup.js';
import type { Kind } from './kinds.js';

export interface Settings {
  limitS: number;
  startup: StartupSettings;
  /** Each kind: a warm-up per side, then `rounds` alternating measured runs per side. */
  cpu: { rounds: number; kinds: Record<Kind, KindSettings> };
  latency: { rate: number; count: number; loadShare: number; seconds: number; connections: number; rounds: number };
  memory: { bytes: number; rounds: number };
  route: { batches: number; perBatch: number };
}

export const SETTINGS: Record<'full' | 'smoke', Settings> = {
  full: {
    limitS: 1200,
    startup: { rounds: 5, idleMs: 2000 },
    // Runs of about 5 s (sized from the slowest side's warm-up rate): on a shared machine more, shorter runs give
    // steadier medians (single runs of one side vary by ±20% here). Enough connections that neither side waits on the client; fewer for the 2 MB posts, which
    // would otherwise only queue in the kernel.
    cpu: {
      rounds: 7,
      kinds: {
        notification: { connections: 10, warmup: { durationS: 3 }, run: { seconds: 5 } },
        newsletter: { connections: 8, warmup: { durationS: 3 }, run: { seconds: 5 } },
        attachment: { connections: 4, warmup: { durationS: 3 }, run: { seconds: 5 } },
        raw: { connections: 10, warmup: { durationS: 3 }, run: { seconds: 5 } },
      },
    },
    // Moderate load: a quarter of the relay's notification rate, evenly spaced, for 10 s per run.
    latency: { rate: 0, count: 0, loadShare: 0.25, seconds: 10, connections: 16, rounds: 2 },
    memory: { bytes: 25 * 1024 * 1024, rounds: 2 },
    route: { batches: 10, perBatch: 20_000 },
  },
  smoke: {
    limitS: 150,
    startup: { rounds: 1, idleMs: 300 },
    cpu: {
      rounds: 1,
      kinds: {
        notification: { connections: 4, warmup: { amount: 20 }, run: { amount: 60 } },
        newsletter: { connections: 4, warmup: { amount: 8 }, run: { amount: 20 } },
        attachment: { connections: 2, warmup: { amount: 4 }, run: { amount: 8 } },
        raw: { connections: 4, warmup: { amount: 20 }, run: { amount: 40 } },
      },
    },
    latency: { rate: 100, count: 100, loadShare: 0, seconds: 0, connections: 4, rounds: 1 },
    memory: { bytes: 2 * 1024 * 1024, rounds: 1 },
    route: { batches: 2, perBatch: 1_000 },
  },
};
