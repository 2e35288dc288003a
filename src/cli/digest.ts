import type { CliIO, Command } from './io.js';
import { callAdmin } from './admin-client.js';
import { commandSpec, parseCommand, usageError } from './command-spec.js';
import { ADMIN_ENV, DRY_RUN_OPTION, RELAY_URL_OPTION } from './common-options.js';

export const DIGEST = commandSpec({
  name: 'digest',
  args: '',
  summary: 'the daily digest now: print what would be sent (--dry-run), or send it (still once per user a day)',
  options: {
    'dry-run': { ...DRY_RUN_OPTION, help: 'print, per user, what would be sent now and to whom; send and claim nothing' },
    url: RELAY_URL_OPTION,
  },
  env: ADMIN_ENV,
  examples: ['plus-relay digest --dry-run', 'plus-relay digest --url https://<app>.fly.dev'],
});

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
  const parsed = parseCommand(DIGEST, args, io);
  if (!parsed.ok) return parsed.exit;
  if (parsed.positionals.length > 0) return usageError(io, DIGEST, `digest takes no arguments but options (${JSON.stringify(parsed.positionals[0])})`);
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
