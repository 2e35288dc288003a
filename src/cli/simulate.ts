import type { Command } from './io.js';
import { DEVELOPMENT_SIGNING_KEY } from '../config.js';
import { senderAddress } from '../policy/facts.js';
import { commandSpec, parseCommand, usageError } from './command-spec.js';
import { RELAY_URL_OPTION } from './common-options.js';
import { relayBase, unreachable } from './admin-client.js';
import { DEFAULT_SAMPLE, rawPayload, sampleMime, samplePayload, type Sample } from './sample.js';
import { replyTokenOf } from '../store/reply-addresses.js';
import { developmentSigned } from './development-signed.js';

// The owner's mailbox in the shipped rules.yaml: the default sender of a simulated reply.
const DEFAULT_OWNER = 'You <you@gmail.com>';

// Mailgun flags a message as spam at about 5.0: --spam without --score gives a score well above that.
const SPAM_SCORE = 9.9;

export const SIMULATE = commandSpec({
  name: 'simulate',
  args: '<address>',
  summary: "post a signed sample message to a running relay, exactly as Mailgun's route would (to a reply address: the owner's reply)",
  options: {
    url: RELAY_URL_OPTION,
    mime: { type: 'boolean', default: false, help: 'raw mode (forward(".../mailgun/inbound/mime")) instead of parsed mode' },
    from: { type: 'string', value: 'SENDER', help: `the From header and envelope sender, e.g. "Shop <news@shop.example>" (default ${DEFAULT_SAMPLE.from}; to a reply address ${DEFAULT_OWNER})` },
    subject: { type: 'string', value: 'TEXT', help: `the subject (default "${DEFAULT_SAMPLE.subject}")` },
    spam: { type: 'boolean', default: false, help: `marked as spam, as Mailgun's spam filter "mark" does: X-Mailgun-Sflag: Yes, X-Mailgun-Sscore: ${SPAM_SCORE}` },
    score: { type: 'string', value: 'N', help: 'X-Mailgun-Sscore: N (with X-Mailgun-Sflag: No unless --spam), for spam.score_above' },
  },
  env: {
    MAILGUN_WEBHOOK_SIGNING_KEY: "signs the sample (the relay's key; default: the public development key)",
    PORT: "the local relay's port when --url is not given (default 8080)",
  },
  examples: [
    'plus-relay simulate github@example.com',
    'plus-relay simulate github@example.com --mime --from "Pills <offers@cheap-pills.example>" --spam',
    'plus-relay simulate r=<26 characters>@example.com --from "You <you@gmail.com>"   (the owner replying: raw mode, DKIM-signed with the development key)',
  ],
});

/** Posts a signed sample message to a running relay, exactly as Mailgun's route would. */
export const simulate: Command = async (args, io) => {
  const parsed = parseCommand(SIMULATE, args, io);
  if (!parsed.ok) return parsed.exit;
  const { values, positionals } = parsed;
  const [address, ...extra] = positionals;
  if (address === undefined || extra.length > 0) return usageError(io, SIMULATE, 'expected exactly one address');
  // Each becomes one header line of the sample: a line break would start a header of its own.
  const broken = (['from', 'subject'] as const).find((name) => /[\r\n]/.test(values[name] ?? ''));
  if (broken) return usageError(io, SIMULATE, `--${broken} must be one line`);
  // A reply address: the owner's reply, in raw mode (the only mode replies are checked in), DKIM-signed by the From
  // domain with the public development key, which only a relay in outbox mode accepts.
  const reply = replyTokenOf(address.slice(0, address.lastIndexOf('@'))) !== null;
  const from = values.from ?? (reply ? DEFAULT_OWNER : DEFAULT_SAMPLE.from);
  if (senderAddress(from) === null) return usageError(io, SIMULATE, `--from ${JSON.stringify(from)} holds no address like news@shop.example`);
  const score = values.score === undefined ? null : Number(values.score);
  if (score !== null && !(values.score?.trim() && Number.isFinite(score))) return usageError(io, SIMULATE, `--score must be a number like 5.5, not ${JSON.stringify(values.score)}`);
  const sample: Sample = {
    recipient: address,
    from,
    subject: values.subject ?? DEFAULT_SAMPLE.subject,
    spam: values.spam || score !== null ? { flag: values.spam, score: score ?? SPAM_SCORE } : null,
  };
  const base = relayBase(io, values.url);
  if (base === null) return 2;
  const key = io.env.MAILGUN_WEBHOOK_SIGNING_KEY?.split(',')[0]?.trim() || DEVELOPMENT_SIGNING_KEY;
  const url = new URL(`mailgun/inbound${values.mime || reply ? '/mime' : ''}`, base);
  const now = new Date();
  const body = reply ? rawPayload(sample, await developmentSigned(sampleMime(sample, now), from), key, now) : samplePayload(sample, key, values.mime, now);
  let response: Response;
  try {
    response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
  } catch (err) {
    return unreachable(io, base, err);
  }
  const text = await response.text();
  (response.status === 200 ? io.out : io.err)(`${response.status} ${text}`);
  if (response.status === 401) io.err('hint: the relay and this command must use the same MAILGUN_WEBHOOK_SIGNING_KEY');
  return response.status === 200 ? 0 : 1;
};
