import { parseArgs } from 'node:util';
import type { CliIO } from './io.js';

/** Where the CLI finds the relay when no --url is given: the relay's default port, on this machine. */
export const DEFAULT_RELAY_URL = 'http://127.0.0.1:8080';

/** The result of one admin call: the JSON answer, or the exit code after the problem was printed. */
export type AdminAnswer = { ok: true; body: unknown } | { ok: false; exit: number };

/**
 * One request to a running relay's /admin API with `Authorization: Bearer $ADMIN_TOKEN`. Every way it can
 * fail is printed as what to do about it: no token here, no relay there, no admin API on it, the wrong token.
 */
export async function callAdmin(io: CliIO, url: string | undefined, method: 'GET' | 'POST', path: string, payload?: Record<string, string>): Promise<AdminAnswer> {
  const token = io.env.ADMIN_TOKEN?.trim();
  if (!token) {
    io.err("plus-relay: ADMIN_TOKEN is not set: export the relay's ADMIN_TOKEN to use its admin API");
    return { ok: false, exit: 2 };
  }
  let base: URL;
  try {
    base = new URL((url ?? DEFAULT_RELAY_URL).replace(/\/+$/, '') + '/');
  } catch {
    io.err(`plus-relay: --url ${JSON.stringify(url)} is not a URL`);
    return { ok: false, exit: 2 };
  }
  const target = new URL(`admin/${path}`, base);
  let response: Response;
  try {
    const headers = { authorization: `Bearer ${token}`, accept: 'application/json', ...(payload ? { 'content-type': 'application/json' } : {}) };
    response = await fetch(target, { method, headers, ...(payload ? { body: JSON.stringify(payload) } : {}), signal: AbortSignal.timeout(30_000) });
  } catch (err) {
    const cause = (err as Error & { cause?: Error }).cause?.message ?? (err as Error).message;
    io.err(`plus-relay: cannot reach the relay at ${base.origin}: ${cause} (is it running? pass --url)`);
    return { ok: false, exit: 1 };
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
    io.err(`plus-relay: ${message}`);
  }
  return { ok: false, exit: 1 };
}

/**
 * `alias add`, `block`, `unblock`: one address, one POST, one line saying what changed. `alias add` also
 * takes `--description` (the relay checks it: one line, at most 200 characters).
 */
export async function aliasAction(io: CliIO, args: string[], usage: string, action: 'add' | 'block' | 'unblock'): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args, allowPositionals: true, options: { url: { type: 'string' }, description: { type: 'string' } } });
  } catch (err) {
    io.err(`plus-relay: ${(err as Error).message}\n${usage}`);
    return 2;
  }
  const [address, ...extra] = parsed.positionals;
  if (address === undefined || extra.length > 0) {
    io.err(`plus-relay: expected exactly one address\n${usage}`);
    return 2;
  }
  const { description } = parsed.values;
  if (description !== undefined && action !== 'add') {
    io.err(`plus-relay: --description is for alias add\n${usage}`);
    return 2;
  }
  const path = `aliases/${encodeURIComponent(address)}${action === 'add' ? '' : `/${action}`}`;
  const answer = await callAdmin(io, parsed.values.url, 'POST', path, description === undefined ? undefined : { description });
  if (!answer.ok) return answer.exit;
  const alias = (answer.body as { alias?: { address?: string } } | null)?.alias?.address ?? address;
  io.out(
    action === 'add'
      ? `added ${alias}: it receives mail even with new_aliases: reject`
      : action === 'block'
        ? `blocked ${alias}: its mail is refused (406, nothing sent) from the next message on`
        : `unblocked ${alias}: it receives mail again`,
  );
  return 0;
}
