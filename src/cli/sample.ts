import { randomBytes } from 'node:crypto';
import { signBlock } from '../inbound/signature.js';

/** A realistic message of the kind Mailgun posts, for `plus-relay simulate`. */
export function sampleMime(recipient: string, from: string, now: Date): Buffer {
  const id = `${randomBytes(8).toString('hex')}@example.net`;
  return Buffer.from(
    [
      `Received: from mail.example.net (mail.example.net [192.0.2.10]) by mxa.mailgun.org with ESMTP; ${now.toUTCString()}`,
      `From: ${from}`,
      `To: ${recipient}`,
      `Subject: Hello from plus-relay simulate`,
      `Date: ${now.toUTCString()}`,
      `Message-Id: <${id}>`,
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=utf-8',
      'Content-Transfer-Encoding: 8bit',
      '',
      `This is a sample message for ${recipient}, sent by plus-relay simulate.`,
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

export function samplePayload(recipient: string, key: string, mime: boolean, now = new Date()): Buffer {
  const from = 'Sample Sender <sender@example.net>';
  const raw = sampleMime(recipient, from, now);
  const common: Array<[string, string]> = [
    ['recipient', recipient],
    ['sender', 'sender@example.net'],
    ['from', from],
    ['subject', 'Hello from plus-relay simulate'],
  ];
  if (mime) return formEncode([...common, ['body-mime', raw], ...signedFields(key, now)]);
  const text = raw.toString('utf8').split('\r\n\r\n').slice(1).join('\r\n\r\n');
  const headers = raw.toString('utf8').split('\r\n\r\n')[0]?.split('\r\n').map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 2)]);
  return formEncode([...common, ['body-plain', text], ['stripped-text', text], ['message-headers', JSON.stringify(headers)], ...signedFields(key, now)]);
}
