import { parseArgs } from 'node:util';
import type { AliasView } from '../admin/listing.js';
import { hasLeaked } from '../admin/listing.js';
import type { InventorySize } from '../store/inventory.js';
import type { CliIO, Command } from './io.js';
import { callAdmin } from './admin-client.js';

const USAGE = 'usage: plus-relay aliases [--json] [--leaks] [--url http://127.0.0.1:8080]';

/**
 * The inventory of a running relay, most recent first: a table (alias, messages, sender domains, new
 * senders) and how full the inventory is, or with --json the API's own answer. --leaks keeps the aliases a
 * new sender domain wrote to.
 */
export const aliases: Command = async (args, io) => {
  let parsed;
  try {
    parsed = parseArgs({ args, options: { json: { type: 'boolean', default: false }, leaks: { type: 'boolean', default: false }, url: { type: 'string' } } });
  } catch (err) {
    io.err(`plus-relay: ${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  const answer = await callAdmin(io, parsed.values.url, 'GET', 'aliases');
  if (!answer.ok) return answer.exit;
  const body = answer.body as { aliases?: AliasView[]; inventory?: InventorySize } | null;
  const all = body?.aliases ?? [];
  const shown = parsed.values.leaks ? all.filter(hasLeaked) : all;
  if (parsed.values.json) {
    io.out(JSON.stringify({ aliases: shown, ...(body?.inventory ? { inventory: body.inventory } : {}) }));
    return 0;
  }
  printTable(io, shown, parsed.values.leaks);
  if (body?.inventory && body.inventory.learned + body.inventory.operator > 0) io.out(fullness(body.inventory));
  return 0;
};

const count = (n: number) => n.toLocaleString('en-US');

/** How full each part of the inventory is (store/inventory.ts): the learned part gives way, the operator's does not. */
const fullness = (size: InventorySize) =>
  `inventory: ${count(size.learned)} of ${count(size.learnedMax)} learned, ${count(size.operator)} of ${count(size.operatorMax)} added or blocked`;

const withCounts = (senders: AliasView['senders']) => senders.map((s) => `${s.domain} (${s.count})`);

function printTable(io: CliIO, views: readonly AliasView[], leaksOnly: boolean): void {
  if (views.length === 0) {
    io.out(leaksOnly ? 'no alias has heard from a new sender domain' : 'no aliases yet: the relay records each address when mail to it arrives');
    return;
  }
  const rows = views.map((v) => {
    const known = v.senders.filter((s) => !s.new);
    const listed = withCounts(known.slice(0, 3)).join(', ') + (known.length > 3 ? ` +${known.length - 3} more` : '');
    return [
      v.blocked ? `${v.address} (blocked)` : v.address,
      `${v.forwarded + v.refused}${v.refused > 0 ? ` (${v.refused} refused)` : ''}`,
      listed || '-',
      withCounts(v.senders.filter((s) => s.new)).join(', ') || '-',
    ];
  });
  const table = [['ALIAS', 'MESSAGES', 'SENDER DOMAINS', 'NEW SENDERS'], ...rows];
  const widths = table[0]!.map((_, i) => Math.max(...table.map((r) => (r[i] ?? '').length)));
  for (const row of table) io.out(row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  '));
  const leaked = views.filter(hasLeaked).length;
  const blocked = views.filter((v) => v.blocked).length;
  io.out(`${views.length} alias${views.length === 1 ? '' : 'es'}, ${leaked} with a new sender domain, ${blocked} blocked`);
}
