import { headerFields } from './header-fields.js';

/**
 * Rewrites the text of a MIME message: `edit` is given every text/* part's decoded content (as latin1, one character
 * per byte, so any ASCII-compatible charset passes through) and returns it changed or not. A changed part is
 * re-encoded as base64 (its Content-Transfer-Encoding header says so); every other byte, multipart structure and
 * non-text parts included, is kept. `entity`: a whole message or part, header section and body, as latin1.
 */
export function editMimeText(entity: string, edit: (text: string) => string): string {
  const blank = /\r?\n\r?\n/.exec(entity);
  if (!blank) return entity;
  const headEnd = blank.index + blank[0].length;
  const head = entity.slice(0, headEnd);
  const body = entity.slice(headEnd);
  const fields = headerFields(head);
  const contentType = fieldValue(fields, 'content-type') ?? 'text/plain';
  const type = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  if (type.startsWith('multipart/')) {
    const boundary = /boundary\s*=\s*(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
    const name = boundary?.[1] ?? boundary?.[2];
    return name ? head + editParts(body, name, edit) : entity;
  }
  if (!type.startsWith('text/')) return entity;
  const encoding = (fieldValue(fields, 'content-transfer-encoding') ?? '7bit').trim().toLowerCase();
  const decoded = decode(body, encoding);
  const edited = edit(decoded);
  if (edited === decoded) return entity;
  const eol = /\r\n/.test(blank[0]) ? '\r\n' : '\n';
  const kept = fields.filter((f) => f.name !== 'content-transfer-encoding' && f.name !== '').map((f) => f.text);
  const base64 = (Buffer.from(edited, 'latin1').toString('base64').match(/.{1,76}/g) ?? []).join(eol);
  return `${kept.join('')}Content-Transfer-Encoding: base64${eol}${eol}${base64}${eol}`;
}

function fieldValue(fields: ReadonlyArray<{ name: string; text: string }>, name: string): string | undefined {
  const text = fields.find((f) => f.name === name)?.text;
  return text?.slice(text.indexOf(':') + 1).replace(/\r?\n[ \t]/g, ' ').trim();
}

function decode(body: string, encoding: string): string {
  if (encoding === 'base64') return Buffer.from(body.replace(/[^A-Za-z0-9+/=]/g, ''), 'base64').toString('latin1');
  if (encoding === 'quoted-printable') return body.replace(/=\r?\n/g, '').replace(/=([0-9A-Fa-f]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  return body;
}

/** Each part between the boundary's delimiter lines, edited; the delimiters, preamble and epilogue as they were. */
function editParts(body: string, boundary: string, edit: (text: string) => string): string {
  const escaped = boundary.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const delimiter = new RegExp(`(?:^|\\r?\\n)--${escaped}(?:--)?[ \\t]*(?:\\r?\\n|$)`, 'g');
  const marks = [...body.matchAll(delimiter)];
  if (marks.length < 2) return body;
  let out = body.slice(0, (marks[0]?.index ?? 0) + (marks[0]?.[0].length ?? 0));
  for (let i = 0; i + 1 < marks.length; i++) {
    const start = (marks[i]?.index ?? 0) + (marks[i]?.[0].length ?? 0);
    const end = marks[i + 1]?.index ?? body.length;
    out += editMimeText(body.slice(start, end), edit) + (marks[i + 1]?.[0] ?? '');
  }
  const last = marks[marks.length - 1];
  return out + body.slice((last?.index ?? 0) + (last?.[0].length ?? 0));
}
