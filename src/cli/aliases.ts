import type { AliasView } from '../admin/listing.js';
import { hasLeaked } from '../admin/listing.js';
import type { InventorySize } from '../store/inventory.js';
import type { CliIO, Command } from './io.js';
import { callAdmin } from './admin-client.js';
import { commandSpec, parseCommand, usageError } from './command-spec.js';
import { ADMIN_ENV, RELAY_URL_OPTION } from './common-options.js';

export const ALIASES = commandSpec({
  name: 'aliases',
  args: '',
  summary: 'the alias inventory of a running relay: messages, sender domains, new senders (leaks)',
  options: {
    leaks: { type: 'boolean', default: false, help: 'only the aliases a new sender domain wrote to' },
    json: { type: 'boolean', default: false, help: "the admin API's answer, for jq" },
    url: RELAY_URL_OPTION,
  },
  env: ADMIN_ENV,
  examples: ['plus-relay aliases --leaks --url https://<app>.fly.dev'],
});

/**
 * The inventory of a running relay, most recent first: a table (alias, messages, sender domains, new
 * senders, failed forwards) and how full the inventory is, or with --json the API's own answer. --leaks keeps the aliases a
 * new sender domain wrote to.
 */
export const aliases: Command = async (args, io) => {
  const parsed = parseCommand(ALIASES, args, io);
  if (!parsed.ok) return parsed.exit;
  if (parsed.positionals.length > 0) return usageError(io, ALIASES, `aliases takes no address (${JSON.stringify(parsed.positionals[0])}): --json and jq pick one out`);
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
  `inventory: ${count(size.learned)} of ${count(size.learnedMax)} learned, ${count(size.operator)} of ${count(size.operatorMax)} added or blocked` +
  (size.imported > 0 ? `, ${count(size.imported)} of ${count(size.importedMax)} imported` : '');

/** Forwards Mailgun reported as failed, and the last one: its code or reason, and the id `plus-relay resend` takes. */
function failures(v: AliasView): string {
  const last = v.lastFailure;
  if (!v.failed || !last) return '-';
  return `${v.failed} (last: ${last.code ?? last.reason}, id ${last.id}${last.resent ? ', resent' : ''})`;
}

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
      failures(v),
    ];
  });
  const table = [['ALIAS', 'MESSAGES', 'SENDER DOMAINS', 'NEW SENDERS', 'FAILED'], ...rows];
  const widths = table[0]!.map((_, i) => Math.max(...table.map((r) => (r[i] ?? '').length)));
  for (const row of table) io.out(row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  '));
  const leaked = views.filter(hasLeaked).length;
  const blocked = views.filter((v) => v.blocked).length;
  io.out(`${views.length} alias${views.length === 1 ? '' : 'es'}, ${leaked} with a new sender domain, ${blocked} blocked`);
}
