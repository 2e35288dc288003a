import { parseAddress } from '../rules/address.js';

/** One address of an import file, with the line it starts on (for `file:line` in what the CLI prints). */
export interface FileAlias {
  address: string;
  line: number;
}

export type AliasFile = { ok: true; aliases: FileAlias[]; format: 'lines' | 'csv' } | { ok: false; line: number; message: string };

// The header names an export's address column may have, in order of preference: addy.io's and SimpleLogin's have
// `email`; `alias` is what other lists call the same column.
const ADDRESS_COLUMNS = ['email', 'alias'];

/**
 * The aliases of an import file: one address per line (blank lines and `#` comments ignored), or a CSV as RFC 4180
 * has it whose header row names an `email` column, anywhere, in any case. The first line that is not blank or a
 * comment decides: a CSV header when it has a comma or a quote, else the first address.
 */
export function readAliasFile(text: string): AliasFile {
  const body = text.replace(/^\uFEFF/, '');
  const lines = body.split(/\r\n|\n|\r/);
  const first = lines.findIndex((l) => l.trim() !== '' && !l.trim().startsWith('#'));
  if (first >= 0 && /[,"]/.test(lines[first] ?? '')) return csvAliases(body);
  const aliases: FileAlias[] = [];
  for (const [i, raw] of lines.entries()) {
    const text = raw.trim();
    if (text === '' || text.startsWith('#')) continue;
    const checked = checkAddress(text, i + 1);
    if (!checked.ok) return checked;
    aliases.push(checked.alias);
  }
  return { ok: true, aliases, format: 'lines' };
}

function checkAddress(text: string, line: number): { ok: true; alias: FileAlias } | { ok: false; line: number; message: string } {
  const address = parseAddress(text);
  if (address === null) return { ok: false, line, message: `${JSON.stringify(text.slice(0, 100))} is not one plain address (local@domain)` };
  return { ok: true, alias: { address: `${address.local}@${address.domain}`, line } };
}

function csvAliases(text: string): AliasFile {
  const records = csvRecords(text);
  if (!Array.isArray(records)) return { ok: false, ...records };
  const [header, ...rows] = records;
  const names = header?.fields.map((f) => f.trim().toLowerCase()) ?? [];
  const column = ADDRESS_COLUMNS.map((c) => names.indexOf(c)).find((i) => i >= 0);
  if (header === undefined || column === undefined) {
    return { ok: false, line: header?.line ?? 1, message: `a CSV needs an "email" column in its header row (found: ${names.join(', ').slice(0, 200)})` };
  }
  const aliases: FileAlias[] = [];
  for (const row of rows) {
    if (row.fields.every((f) => f.trim() === '')) continue; // a blank line, or a trailing one
    const checked = checkAddress((row.fields[column] ?? '').trim(), row.line);
    if (!checked.ok) return checked;
    aliases.push(checked.alias);
  }
  return { ok: true, aliases, format: 'csv' };
}

interface CsvRecord {
  fields: string[];
  /** The line the record starts on: a quoted field may span several. */
  line: number;
}

/**
 * RFC 4180: fields separated by commas, records by CRLF (a bare LF or CR is taken too); a field in double quotes may
 * hold commas, line breaks and doubled quotes (`""`). A quote that opens mid-field, or one never closed, is an error.
 */
export function csvRecords(text: string): CsvRecord[] | { line: number; message: string } {
  const records: CsvRecord[] = [];
  let fields: string[] = [];
  let field = '';
  let line = 1;
  let start = 1;
  let quoted = false;
  let wasQuoted = false;
  const endField = () => {
    fields.push(field);
    field = '';
    wasQuoted = false;
  };
  const endRecord = () => {
    endField();
    records.push({ fields, line: start });
    fields = [];
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') {
        quoted = false;
      } else {
        if (c === '\n' || (c === '\r' && text[i + 1] !== '\n')) line++;
        field += c;
      }
      continue;
    }
    if (c === '"') {
      if (field !== '' || wasQuoted) return { line, message: 'a quote inside an unquoted CSV field (RFC 4180 wants the whole field in quotes, "" for a quote)' };
      quoted = true;
      wasQuoted = true;
      continue;
    }
    if (c === ',') {
      endField();
    } else if (c === '\r' || c === '\n') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      endRecord();
      line++;
      start = line;
    } else {
      if (wasQuoted) return { line, message: 'text after the closing quote of a CSV field' };
      field += c;
    }
  }
  if (quoted) return { line: start, message: 'a quoted CSV field is never closed' };
  if (field !== '' || fields.length > 0 || wasQuoted) endRecord();
  return records;
}
