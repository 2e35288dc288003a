import { html, type SafeHtml } from '../admin/html.js';
import { refusedAliases, type DigestContent, type DigestFloodEvent } from './collect.js';

export interface DigestText {
  subject: string;
  text: string;
  html: string;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
const utc = (ms: number) => `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;

/** One section per kind of event, each a heading and its lines; a section with nothing is left out. */
function sections(c: DigestContent): Array<{ head: string; lines: string[] }> {
  const out: Array<{ head: string; lines: string[] }> = [];
  if (c.leaks.length > 0) {
    out.push({
      head: `Leaks: ${plural(c.leaks.length, 'alias', 'aliases')} heard from a new sender domain`,
      lines: c.leaks.map((l) => `${l.alias}: ${l.domains.join(', ')}`),
    });
  }
  if (c.failures.length > 0) {
    out.push({
      head: `Failed forwards: ${plural(c.failures.length, 'alias', 'aliases')}`,
      lines: c.failures.map(({ alias, target, count, last }) =>
        `${alias} → ${target}: ${last.severity} ${last.reason}${last.code === null ? '' : ` ${last.code}`}${last.message ? ` "${last.message}"` : ''} (${plural(count, 'time')}, last ${utc(last.at)})`,
      ),
    });
  }
  // Refused mail is gone for good (406: Mailgun never retries it), so each line says why, in the rules' own words.
  const refused: string[] = [];
  const { blocked, 'new-aliases': newAliases, policy } = c.refused;
  if (blocked.aliases > 0) refused.push(`refused: blocked — ${plural(blocked.aliases, 'blocked alias', 'blocked aliases')} still mailed`);
  if (newAliases.aliases > 0) {
    refused.push(
      `refused: \`new_aliases: reject\` — ${plural(newAliases.aliases, 'alias', 'aliases')} the relay did not know (${plural(newAliases.messages, 'message')}); if one is yours, plus-relay alias add (or alias import) it`,
    );
  }
  if (policy.aliases > 0) refused.push(`refused: your sender or spam policies — ${plural(policy.aliases, 'new alias', 'new aliases')} (${plural(policy.messages, 'message')})`);
  if (refused.length > 0) out.push({ head: 'Refused', lines: refused });
  if (c.flood.length > 0) out.push({ head: 'Flood guard', lines: floodLines(c.flood) });
  return out;
}

/** One line per mailbox: how often the guard held its mail, under which limits, from when to when. */
function floodLines(holds: readonly DigestFloodEvent[]): string[] {
  const byMailbox = new Map<string, DigestFloodEvent[]>();
  for (const h of holds) byMailbox.set(h.mailbox, [...(byMailbox.get(h.mailbox) ?? []), h]);
  return [...byMailbox].map(([mailbox, list]) => {
    const count = list.reduce((n, h) => n + h.count, 0);
    const limits = list.map((h) => `${h.limit} ${h.count}`).join(', ');
    const first = Math.min(...list.map((h) => h.first));
    const last = Math.max(...list.map((h) => h.last));
    return `held by the flood guard for ${mailbox} (Mailgun retries it): ${plural(count, 'time')} (${limits}), ${utc(first)} to ${utc(last)}`;
  });
}

function subject(date: string, c: DigestContent): string {
  const parts = [
    c.leaks.length > 0 ? plural(c.leaks.length, 'leak') : '',
    c.failures.length > 0 ? plural(c.failures.length, 'failed forward') : '',
    refusedAliases(c) > 0 ? 'refused mail' : '',
    c.flood.length > 0 ? 'flood guard' : '',
  ].filter(Boolean);
  return `plus-relay digest ${date}: ${parts.join(', ')}`;
}

/** The digest of one user's day, as plain text and as a simple HTML part of the same lines. */
export function renderDigest(user: string, date: string, window: string, c: DigestContent): DigestText {
  const intro = `What happened to ${user}'s aliases in ${window}.`;
  const outro = 'The relay\'s admin page (/admin) lists every alias; block a leaked one there or with plus-relay block <alias>.';
  const parts = sections(c);
  const text = [intro, '', ...parts.flatMap((s) => [s.head, ...s.lines.map((l) => `  ${l}`), '']), outro, ''].join('\n');
  const body: SafeHtml = html`<p>${intro}</p>
${parts.map((s) => html`<h3>${s.head}</h3>
<ul>${s.lines.map((l) => html`<li>${l}</li>`)}</ul>
`)}<p>${outro}</p>`;
  return { subject: subject(date, c), text, html: `<!doctype html><html><body>${body.text}</body></html>` };
}
