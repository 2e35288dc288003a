import { parseArgs } from 'node:util';
import type { Command } from './io.js';
import { DEVELOPMENT_SIGNING_KEY } from '../config.js';
import { samplePayload } from './sample.js';

const USAGE = 'usage: plus-relay simulate <address> [--url http://127.0.0.1:8080] [--mime]';

/** Posts a signed sample message to a running relay, exactly as Mailgun's route would. */
export const simulate: Command = async (args, io) => {
  let parsed;
  try {
    parsed = parseArgs({ args, allowPositionals: true, options: { url: { type: 'string' }, mime: { type: 'boolean' } } });
  } catch (err) {
    io.err(`${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  const address = parsed.positionals[0];
  if (!address || parsed.positionals.length > 1) {
    io.err(USAGE);
    return 2;
  }
  const base = (parsed.values.url ?? `http://127.0.0.1:${io.env.PORT ?? 8080}`).replace(/\/+$/, '');
  const key = io.env.MAILGUN_WEBHOOK_SIGNING_KEY?.split(',')[0]?.trim() || DEVELOPMENT_SIGNING_KEY;
  const mime = parsed.values.mime ?? false;
  const url = `${base}/mailgun/inbound${mime ? '/mime' : ''}`;
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: samplePayload(address, key, mime),
    });
  } catch (err) {
    io.err(`cannot reach the relay at ${url}: ${(err as Error & { cause?: Error }).cause?.message ?? (err as Error).message}`);
    return 1;
  }
  const text = await response.text();
  (response.status === 200 ? io.out : io.err)(`${response.status} ${text}`);
  if (response.status === 401) io.err('hint: the relay and this command must use the same MAILGUN_WEBHOOK_SIGNING_KEY');
  return response.status === 200 ? 0 : 1;
};
