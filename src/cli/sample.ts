import { randomBytes } from 'node:crypto';
import { signBlock } from '../inbound/signature.js';
import { splitFrom } from '../mail/address.js';

/** What `plus-relay simulate` varies in its sample message. */
export interface Sample {
  recipient: string;
  /** The From header, e.g. `Shop <news@shop.example>`; its address is also the envelope sender. */
  from: string;
  subject: string;
  /** Mailgun's spam marking (spam filter "mark"), or null: the filter is off, Mailgun's default. */
  spam: { flag: boolean; score: number } | null;
}

export const DEFAULT_SAMPLE = { from: 'Sample Sender <sender@example.net>', subject: 'Hello from plus-relay simulate' } as const;

/** A realistic message of the kind Mailgun posts, for `plus-relay simulate`. */
export function sampleMime(sample: Sample, now: Date): Buffer {
  const id = `${randomBytes(8).toString('hex')}@example.net`;
  // Mailgun puts its spam headers above everything else, as the relay's policy expects (src/policy/facts.ts).
  const spam = sample.spam ? [`X-Mailgun-Sflag: ${sample.spam.flag ? 'Yes' : 'No'}`, `X-Mailgun-Sscore: ${sample.spam.score}`] : [];
  return Buffer.from(
    [
      ...spam,
      `Received: from mail.example.net (mail.example.net [192.0.2.10]) by mxa.mailgun.org with ESMTP; ${now.toUTCString()}`,
      `From: ${sample.from}`,
      `To: ${sample.recipient}`,
      `Subject: ${sample.subject}`,
      `Date: ${now.toUTCString()}`,
      `Message-Id: <${id}>`,
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=utf-8',
      'Content-Transfer-Encoding: 8bit',
      '',
      `This is a sample message for ${sample.recipient}, sent by plus-relay simulate.`,
      'Caf\u00e9 cr\u00e8me: non-ASCII text survives the trip.',
      '',
    ].join('\r\n'),
  );
}

/** Percent-encodes every byte that is not unreserved, so raw bytes travel exactly. */
export function formEncode(fields: Array<[string, string | Buffer]>): Buffer {
  const encode = (value: string | Buffer): string => {
    let out = '';
    for (const byte of typeof value === 'string' ? Buffer.from(value) : value) {
      out += /[A-Za-z0-9._~-]/.test(String.fromCharCode(byte)) ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
    }
    return out;
  };
  return Buffer.from(fields.map(([k, v]) => `${encode(k)}=${encode(v)}`).join('&'), 'latin1');
}

export function signedFields(key: string, now: Date): Array<[string, string]> {
  const timestamp = String(Math.floor(now.getTime() / 1000));
  const token = randomBytes(25).toString('hex');
  return [['timestamp', timestamp], ['token', token], ['signature', signBlock(key, timestamp, token)]];
}

/** Raw mode's form for `raw`: the envelope fields, `body-mime`, and a webhook signature made with `key`. */
export function rawPayload(sample: Sample, raw: Buffer, key: string, now = new Date()): Buffer {
  return formEncode([
    ['recipient', sample.recipient],
    ['sender', splitFrom(sample.from).address],
    ['from', sample.from],
    ['subject', sample.subject],
    ['body-mime', raw],
    ...signedFields(key, now),
  ]);
}

export function samplePayload(sample: Sample, key: string, mime: boolean, now = new Date()): Buffer {
  const raw = sampleMime(sample, now);
  const common: Array<[string, string]> = [
    ['recipient', sample.recipient],
    ['sender', splitFrom(sample.from).address],
    ['from', sample.from],
    ['subject', sample.subject],
  ];
  if (mime) return rawPayload(sample, raw, key, now);
  const text = raw.toString('utf8').split('\r\n\r\n').slice(1).join('\r\n\r\n');
  const headers = raw.toString('utf8').split('\r\n\r\n')[0]?.split('\r\n').map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 2)]);
  return formEncode([...common, ['body-plain', text], ['stripped-text', text], ['message-headers', JSON.stringify(headers)], ...signedFields(key, now)]);
}
