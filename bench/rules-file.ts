// rules.yaml files for the benchmark: the same rules, with 5 or 10,000 users (u0 … u<n-1>), so the only
// difference between two relays is the size of the user table.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const RECEIVING_DOMAIN = 'bench.example';
export const TARGET_DOMAIN = 'inbox.example';

export async function writeRulesFile(dir: string, users: number): Promise<string> {
  // Every post goes to u0's mailbox, thousands a minute: the flood guard's limits are lifted (its counting still runs,
  // and is measured), since the bench measures what a post costs, not the guard holding posts back.
  const limits = ['limits:', '  per_target: {per_minute: 1000000, per_hour: 1000000}', '  new_aliases_per_hour: 1000000'];
  const lines = [`domains:`, `  - ${RECEIVING_DOMAIN}`, ...limits, `users:`];
  for (let i = 0; i < users; i++) lines.push(`  u${i}: "u${i}+{service}@${TARGET_DOMAIN}"`);
  lines.push(
    'rules:',
    '  - match: "postmaster"',
    '    reject: true',
    '  - match: "bounce-*"',
    '    reject: true',
    '  - match: "{user}+{service}"',
    '  - match: "{user}.{service}"',
    '  - match: "{user}"',
    '  - match: "{service}"',
    '    user: u0',
  );
  const file = join(dir, `rules-${users}.yaml`);
  await writeFile(file, `${lines.join('\n')}\n`);
  return file;
}
