import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { CliIO } from './io.js';
import { callAdmin } from './admin-client.js';
import { readAliasFile } from './alias-file.js';
import { MAX_IMPORT_ALIASES } from '../admin/import-route.js';
import type { ImportResult, InventorySize } from '../store/inventory.js';

// An export of a few thousand aliases with their notes is well under this; anything larger is not an alias list.
const MAX_FILE_BYTES = 16 * 1024 * 1024;

/**
 * `plus-relay alias import FILE`: reads the file, says which line is wrong before anything is sent, then makes every
 * address known in one call to the relay (POST /admin/aliases/import). The relay imports all or none, so a file with
 * one wrong line imports nothing, and the corrected file can be sent again as a whole.
 */
export async function importAliases(io: CliIO, file: string, url: string | undefined): Promise<number> {
  const path = resolve(io.cwd, file);
  let text: string;
  try {
    if ((await stat(path)).size > MAX_FILE_BYTES) {
      io.err(`plus-relay: ${file} is larger than ${MAX_FILE_BYTES / 1024 / 1024} MiB: not a list of aliases`);
      return 1;
    }
    text = await readFile(path, 'utf8');
  } catch (err) {
    io.err(`plus-relay: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    return 1;
  }
  const read = readAliasFile(text);
  if (!read.ok) {
    io.err(`${file}:${read.line}: ${read.message}`);
    io.err('plus-relay: nothing was imported');
    return 1;
  }
  const { aliases } = read;
  if (aliases.length === 0) {
    io.err(`plus-relay: ${file} holds no address (one per line, or a CSV with an "email" column)`);
    return 1;
  }
  if (aliases.length > MAX_IMPORT_ALIASES) {
    io.err(`plus-relay: ${file} holds ${aliases.length} addresses; the relay imports at most ${MAX_IMPORT_ALIASES}: nothing was imported`);
    return 1;
  }
  // The relay names a refused entry by its place in the batch (`aliases[i]: …`): said again as the file's line.
  const explain = (message: string): string => {
    const entry = /^aliases\[(\d+)\]: /.exec(message);
    const line = entry ? aliases[Number(entry[1])]?.line : undefined;
    return `${line === undefined ? message : `${file}:${line}: ${message.slice(entry?.[0].length ?? 0)}`}; nothing was imported`;
  };
  const answer = await callAdmin(io, url, 'POST', 'aliases/import', { aliases: aliases.map((a) => a.address) }, explain);
  if (!answer.ok) return answer.exit;
  const body = answer.body as (ImportResult & { inventory?: InventorySize }) | null;
  const already = body?.alreadyOperator ?? 0;
  io.out(
    `imported ${body?.imported ?? 0} aliases from ${file}${already > 0 ? ` (${already} already added or blocked, left as they were)` : ''}: they receive mail even with new_aliases: reject`,
  );
  if (body?.inventory) io.out(`inventory: ${body.inventory.imported} of ${body.inventory.importedMax} imported`);
  return 0;
}
