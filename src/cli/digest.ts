import { parseArgs } from 'node:util';
import type { CliIO, Command } from './io.js';
import { callAdmin } from './admin-client.js';

const USAGE = 'usage: plus-relay digest [--dry-run] [--url http://127.0.0.1:8080]';

interface DigestAnswer {
  date?: string;
  timezone?: string;
  since?: string;
  until?: string;
  digests?: Array<{ user: string; to: string | null; status: string; reason?: string; subject?: string; text?: string }>;
}

const STATUS: Record<string, string> = {
  'would-send': 'would send',
  sent: 'sent',
  'already-sent': 'already sent today',
  'in-progress': 'being sent by another instance',
  nothing: 'nothing happened: no digest',
  skipped: 'not sent',
  failed: 'send failed (the next run retries)',
};

/**
 * The daily digest of a running relay, through its admin API (ADMIN_TOKEN), which reads the relay's own store
 * whatever it is (SQLite or Redis) while it runs. --dry-run prints, per user, what would be sent now and to whom
 * (GET /admin/digest: nothing is sent or claimed); without it, the digest is sent now (POST /admin/digest), still
 * at most once per user and target per day.
 */
export const digest: Command = async (args, io) => {
  let parsed;
  try {
    parsed = parseArgs({ args, options: { 'dry-run': { type: 'boolean', default: false }, url: { type: 'string' } } });
  } catch (err) {
    io.err(`plus-relay: ${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  const dryRun = parsed.values['dry-run'];
  const answer = await callAdmin(io, parsed.values.url, dryRun ? 'GET' : 'POST', 'digest');
  if (!answer.ok) return answer.exit;
  print(io, (answer.body ?? {}) as DigestAnswer);
  return 0;
};

function print(io: CliIO, body: DigestAnswer): void {
  io.out(`digest of ${body.date ?? '?'} (${body.timezone ?? '?'}), covering ${body.since ?? '?'} to ${body.until ?? '?'}`);
  for (const d of body.digests ?? []) {
    io.out('');
    io.out(`${d.user}${d.to ? ` → ${d.to}` : ''}: ${STATUS[d.status] ?? d.status}${d.reason ? ` (${d.reason})` : ''}`);
    if (d.subject) io.out(`  Subject: ${d.subject}`);
    if (d.text) for (const line of d.text.trimEnd().split('\n')) io.out(`  ${line}`.trimEnd());
  }
}
