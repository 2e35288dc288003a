// What a run must show whatever the timings: every accepted post produced exactly one send at the stand-in.
import type { Child } from './process.js';
import { settledSends } from './sides.js';

export interface Ledger {
  /** Problems found so far; the bench fails (exit 1) if there are any. */
  readonly problems: string[];
  sends: number;
  /** Runs `load` against one side and checks the stand-in saw one send per accepted post. */
  measure<T extends { ok: number; non2xx?: number; errors?: number; failed?: number }>(
    label: string,
    api: Child,
    domain: string,
    load: () => Promise<T>,
    inflight: number,
    exact?: number,
  ): Promise<T>;
}

export function createLedger(): Ledger {
  const ledger: Ledger = {
    problems: [],
    sends: 0,
    async measure(label, api, domain, load, inflight, exact) {
      const before = await settledSends(api, domain);
      const run = await load();
      const sent = (await settledSends(api, domain)) - before;
      ledger.sends += sent;
      const refused = (run.non2xx ?? 0) + (run.errors ?? 0) + (run.failed ?? 0);
      if (refused > 0) ledger.problems.push(`${label}: ${refused} posts not answered 200`);
      if (exact !== undefined && run.ok !== exact) ledger.problems.push(`${label}: ${run.ok} of ${exact} posts answered 200`);
      // A run that stops on time leaves up to one post per connection sent but unanswered.
      if (sent < run.ok || sent > run.ok + inflight) ledger.problems.push(`${label}: ${run.ok} posts accepted but ${sent} sends reached the API`);
      if (run.ok === 0) ledger.problems.push(`${label}: no post was accepted`);
      return run;
    },
  };
  return ledger;
}
