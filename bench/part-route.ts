// Part 2, in process: the cost of one route() decision with 5 users and with 10,000 (same rules, same addresses
// spread over the table), alternating batches. CPU-bound and in one process, so much steadier than req/s.
import { loadRules } from '../src/rules/index.js';
import { RECEIVING_DOMAIN } from './rules-file.js';
import { median } from './stats.js';

export async function measureRoute(rules5: string, rules10k: string, batches: number, perBatch: number): Promise<{ users5Us: number; users10kUs: number }> {
  const sets = [
    { users: 5, rules: await loadRules(rules5), times: [] as number[] },
    { users: 10_000, rules: await loadRules(rules10k), times: [] as number[] },
  ];
  for (let b = 0; b < batches; b++) {
    for (const set of sets) {
      const started = performance.now();
      for (let n = 0; n < perBatch; n++) {
        const decision = set.rules.route(`u${(n * 7919) % set.users}+shop${n % 97}@${RECEIVING_DOMAIN}`);
        if (decision.action !== 'forward') throw new Error(`route: ${decision.reason}`);
      }
      set.times.push(((performance.now() - started) * 1000) / perBatch);
    }
  }
  const [five, tenK] = sets as [(typeof sets)[0], (typeof sets)[0]];
  return { users5Us: median(five.times), users10kUs: median(tenK.times) };
}
