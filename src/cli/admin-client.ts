import type { CliIO } from './io.js';
import { parseCommand, usageError, type CommandSpec, type Options } from './command-spec.js';
import { RELAY_URL_OPTION } from './common-options.js';
import { nearest } from './suggest.js';

/**
 * The relay a command talks to: --url, else this machine at $PORT, 8080 unless set (the relay's own default, so
 * `PORT=3000 npm start` and `PORT=3000 plus-relay …` meet). Null after printing why --url is not a URL.
 */
export function relayBase(io: CliIO, url: string | undefined): URL | null {
  const text = url ?? `http://127.0.0.1:${io.env.PORT?.trim() || 8080}`;
  try {
    return new URL(text.replace(/\/+$/, '') + '/');
  } catch {
    io.err(`plus-relay: --url ${JSON.stringify(url)} is not a URL`);
    return null;
  }
}

/** A relay that does not answer at all: one line to act on, then the cause. Exit code 1. */
export function unreachable(io: CliIO, base: URL, err: unknown): number {
  const cause = (err as Error & { cause?: Error }).cause?.message ?? (err as Error).message;
  io.err(`plus-relay: cannot reach the relay at ${base.origin}: is it running?`);
  io.err(`  (${cause}; start it with npm start, or pass --url)`);
  return 1;
}

/** The result of one admin call: the JSON answer, or the exit code after the problem was printed. */
export type AdminAnswer = { ok: true; body: unknown } | { ok: false; exit: number };

/**
 * One request to a running relay's /admin API with `Authorization: Bearer $ADMIN_TOKEN`. Every way it can
 * fail is printed as what to do about it: no token here, no relay there, no admin API on it, the wrong token.
 * `explain` rewords the relay's own refusal in the caller's terms (an entry of a batch as a line of its file).
 */
export async function callAdmin(
  io: CliIO,
  url: string | undefined,
  method: 'GET' | 'POST',
  path: string,
  payload?: Record<string, unknown>,
  explain: (message: string) => string = (message) => message,
): Promise<AdminAnswer> {
  const token = io.env.ADMIN_TOKEN?.trim();
  if (!token) {
    io.err("plus-relay: ADMIN_TOKEN is not set: export the relay's ADMIN_TOKEN to use its admin API");
    return { ok: false, exit: 2 };
  }
  const base = relayBase(io, url);
  if (base === null) return { ok: false, exit: 2 };
  const target = new URL(`admin/${path}`, base);
  let response: Response;
  try {
    const headers = { authorization: `Bearer ${token}`, accept: 'application/json', ...(payload ? { 'content-type': 'application/json' } : {}) };
    response = await fetch(target, { method, headers, ...(payload ? { body: JSON.stringify(payload) } : {}), signal: AbortSignal.timeout(30_000) });
  } catch (err) {
    return { ok: false, exit: unreachable(io, base, err) };
  }
  const body: unknown = await response.json().catch(() => null);
  if (response.ok) return { ok: true, body };
  const message = body !== null && typeof body === 'object' && 'message' in body ? String(body.message) : `HTTP ${response.status}`;
  // The relay's own answers carry a PLUS_RELAY_ code (a 404 for an unknown failure id is one); Fastify's 404 for
  // a path it does not have is the relay without an admin API.
  const own = body !== null && typeof body === 'object' && 'code' in body && String(body.code).startsWith('PLUS_RELAY_');
  if (response.status === 404 && !own) {
    io.err(`plus-relay: the relay at ${base.origin} has no admin API: set ADMIN_TOKEN (16+ characters) on the relay and restart it`);
  } else if (response.status === 401) {
    io.err(`plus-relay: the relay at ${base.origin} refused the token: ADMIN_TOKEN here must be the relay's`);
  } else {
    io.err(`plus-relay: ${explain(message)}`);
  }
  return { ok: false, exit: 1 };
}

/** The option of `block` and `unblock`; `alias add` also takes a description. */
export const ALIAS_ACTION_OPTIONS = { url: RELAY_URL_OPTION } as const;
export const ALIAS_ADD_OPTIONS = {
  ...ALIAS_ACTION_OPTIONS,
  description: { type: 'string', value: 'TEXT', help: 'a note stored with the alias (one line, at most 200 characters; the relay checks it)' },
} as const satisfies Options;

// `import` is alias.ts's own (a file, not an address); here only for the did-you-mean.
const ALIAS_SUBCOMMANDS = ['add', 'import', 'forget'] as const;

/** `alias add`, `alias forget`, `block`, `unblock`: one address, one POST, one line saying what changed. */
export async function aliasAction(
  io: CliIO,
  args: string[],
  spec: CommandSpec<typeof ALIAS_ADD_OPTIONS> | CommandSpec<typeof ALIAS_ACTION_OPTIONS>,
  command: 'alias' | 'block' | 'unblock',
): Promise<number> {
  const parsed = parseCommand(spec, args, io);
  if (!parsed.ok) return parsed.exit;
  // `alias add <address>`, `alias forget <address>`: the subcommand is the first positional.
  const [sub, ...rest] = parsed.positionals;
  let action: 'add' | 'forget' | 'block' | 'unblock';
  if (command === 'alias') {
    if (sub !== 'add' && sub !== 'forget') {
      const near = sub === undefined ? null : nearest(sub, [...ALIAS_SUBCOMMANDS]);
      return usageError(io, spec, sub === undefined ? 'expected a subcommand (add, import or forget)' : `unknown subcommand ${JSON.stringify(sub)}${near ? `: did you mean ${near}?` : ''}`);
    }
    action = sub;
  } else action = command;
  const [address, ...extra] = command === 'alias' ? rest : parsed.positionals;
  if (address === undefined || extra.length > 0) return usageError(io, spec, 'expected exactly one address');
  // Only `alias`'s table has --description, so parseArgs has refused it for block and unblock already.
  const { description } = parsed.values as { description?: string };
  if (action === 'forget' && description !== undefined) return usageError(io, spec, '--description is for alias add');
  const path = `aliases/${encodeURIComponent(address)}${action === 'add' ? '' : `/${action}`}`;
  const answer = await callAdmin(io, parsed.values.url, 'POST', path, description === undefined ? undefined : { description });
  if (!answer.ok) return answer.exit;
  const body = answer.body as { alias?: { address?: string }; address?: string; forgotten?: boolean } | null;
  const alias = body?.alias?.address ?? body?.address ?? address;
  const lines = {
    add: `added ${alias}: it receives mail even with new_aliases: reject`,
    block: `blocked ${alias}: its mail is refused (406, nothing sent) from the next message on`,
    unblock: `unblocked ${alias}: it receives mail again`,
    forget: body?.forgotten === false ? `${alias} was not in the inventory: nothing to forget` : `forgot ${alias}: nothing about it is kept, and its place is free`,
  };
  io.out(lines[action]);
  return 0;
}
