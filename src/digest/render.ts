import { html, type SafeHtml } from '../admin/html.js';
import type { DigestContent } from './collect.js';

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
  const refused: string[] = [];
  if (c.refused.aliases > 0) refused.push(`${plural(c.refused.aliases, 'new alias', 'new aliases')} refused (${plural(c.refused.messages, 'message')}; your rules' policies said no)`);
  if (c.blocked.aliases > 0) refused.push(`${plural(c.blocked.aliases, 'blocked alias', 'blocked aliases')} still mailed (refused)`);
  if (refused.length > 0) out.push({ head: 'Refused', lines: refused });
  if (c.flood.length > 0) {
    out.push({
      head: 'Flood guard',
      lines: c.flood.map((f) =>
        `${f.limit === 'new_aliases_per_hour' ? 'mail to new aliases held back (Mailgun retries it)' : 'mail held back (Mailgun retries it)'} for ${f.mailbox}: ${plural(f.count, 'time')}, ${utc(f.first)} to ${utc(f.last)}`,
      ),
    });
  }
  return out;
}

function subject(date: string, c: DigestContent): string {
  const parts = [
    c.leaks.length > 0 ? plural(c.leaks.length, 'leak') : '',
    c.failures.length > 0 ? plural(c.failures.length, 'failed forward') : '',
    c.refused.aliases + c.blocked.aliases > 0 ? 'refused mail' : '',
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
