// What Mailgun posts to the relay, built fast enough to give every request its own signature block and Message-Id
// (a replayed token or a Message-Id already forwarded would skip the send and flatter the numbers).
import { createHmac, randomBytes } from 'node:crypto';
import FormData from 'form-data';

export interface Body {
  body: Buffer;
  contentType: string;
}

export interface SignatureFields {
  timestamp: string;
  token: string;
  signature: string;
}

export function signatureFields(key: string): SignatureFields {
  const timestamp = String(Math.floor(Date.now() / 1000));
  const token = randomBytes(25).toString('hex');
  return { timestamp, token, signature: createHmac('sha256', key).update(timestamp + token).digest('hex') };
}

// WHATWG urlencoding of bytes: unreserved kept, space → '+', the rest %XX. Table-driven: 25 MB in well under a second.
const KEEP = new Uint8Array(256);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789*-._') KEEP[c.charCodeAt(0)] = 1;
const HEX = Buffer.from('0123456789ABCDEF', 'latin1');

export function formEncode(bytes: Buffer): Buffer {
  const out = Buffer.allocUnsafe(bytes.length * 3);
  let o = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] as number;
    if (KEEP[b]) out[o++] = b;
    else if (b === 0x20) out[o++] = 0x2b;
    else {
      out[o++] = 0x25;
      out[o++] = HEX[b >> 4] as number;
      out[o++] = HEX[b & 15] as number;
    }
  }
  return out.subarray(0, o);
}

function urlencoded(fields: ReadonlyArray<readonly [string, string | Buffer]>): Buffer {
  const parts: Buffer[] = [];
  fields.forEach(([name, value], i) => {
    if (i > 0) parts.push(Buffer.from('&'));
    parts.push(formEncode(Buffer.from(name)), Buffer.from('='), formEncode(typeof value === 'string' ? Buffer.from(value) : value));
  });
  return Buffer.concat(parts);
}

const paragraph = 'Your order has shipped. Track it from your account page; reply to this message if anything looks wrong. ';
const TEXT = `Hi,\r\n\r\n${paragraph.repeat(16)}\r\n\r\n-- \r\nThe Shop\r\n`;
const HTML = `<html><body>${`<p style="margin:0 0 12px;font-family:sans-serif">${paragraph}</p>`.repeat(40)}</body></html>`;

function headerList(recipient: string, messageId: string, contentType: string): Array<[string, string]> {
  return [
    ['Received', 'from mail-wr1-f41.shop.example (mail-wr1-f41.shop.example [209.85.221.41]) by mxa.mailgun.org with ESMTP id 65cc1a2b; Wed, 14 Feb 2026 09:30:12 +0000'],
    ['Received', 'by mail-wr1-f41.shop.example with SMTP id 4fb4d7f45d1cf-55f3; Wed, 14 Feb 2026 01:30:11 -0800 (PST)'],
    ['Mime-Version', '1.0'],
    ['From', 'The Shop <orders@shop.example>'],
    ['Date', 'Wed, 14 Feb 2026 10:30:11 +0100'],
    ['Message-Id', messageId],
    ['Subject', 'Your order #1234 has shipped'],
    ['To', recipient],
    ['Content-Type', contentType],
  ];
}

function parsedFields(recipient: string, messageId: string, contentType: string, attachments: number): Array<[string, string]> {
  const headers = headerList(recipient, messageId, contentType);
  return [
    ['recipient', recipient],
    ['sender', 'bounces+1234@shop.example'],
    ['from', 'The Shop <orders@shop.example>'],
    ['subject', 'Your order #1234 has shipped'],
    ['body-plain', TEXT],
    ['body-html', HTML],
    ['stripped-text', TEXT.slice(0, 200)],
    ['stripped-signature', '-- \r\nThe Shop'],
    ['stripped-html', HTML.slice(0, 400)],
    ['attachment-count', String(attachments)],
    ['message-headers', JSON.stringify(headers)],
    ...headers,
  ];
}

// Markers made of unreserved characters only, so they come through urlencoding unchanged and can be swapped
// for each request's values by splitting the encoded template once.
const MARK = { local: 'ZZLOCALZZ', id: 'ZZMSGIDZZ', timestamp: 'ZZTSZZ', token: 'ZZTOKENZZ', signature: 'ZZSIGZZ' } as const;
type MarkName = keyof typeof MARK;
const MARK_BY_TEXT = new Map<string, MarkName>(Object.entries(MARK).map(([name, text]) => [text, name as MarkName]));

/**
 * Signed parsed-mode urlencoded posts (no attachments, as Mailgun sends them), each with a fresh signature block
 * and Message-Id. `localPart(n)` picks the recipient's local part for the n-th request.
 */
export function parsedPosts(key: string, domain: string, localPart: (n: number) => string): (n: number) => Body {
  const recipient = `${MARK.local}@${domain}`;
  const fields = parsedFields(recipient, `<${MARK.id}@mail.shop.example>`, 'multipart/alternative; boundary="000000000000a1b2c3d4e5f6"', 0);
  fields.push(['timestamp', MARK.timestamp], ['token', MARK.token], ['signature', MARK.signature]);
  const pieces = urlencoded(fields).toString('latin1').split(/(ZZ(?:LOCAL|MSGID|TS|TOKEN|SIG)ZZ)/);
  const prefix = randomBytes(4).toString('hex');
  return (n) => {
    const values: Record<MarkName, string> = { ...signatureFields(key), local: localPart(n), id: `bench.${prefix}.${n}.${randomBytes(6).toString('hex')}` };
    let text = '';
    for (const piece of pieces) {
      const mark = MARK_BY_TEXT.get(piece);
      text += mark ? formEncode(Buffer.from(values[mark])).toString('latin1') : piece;
    }
    return { body: Buffer.from(text, 'latin1'), contentType: 'application/x-www-form-urlencoded' };
  };
}

/** Parsed mode with one attachment of `size` bytes: multipart, the attachment as a binary file part. */
export function parsedWithAttachment(key: string, recipient: string, size: number): Body {
  const form = new FormData();
  const id = `<bench.attachment.${randomBytes(6).toString('hex')}@mail.shop.example>`;
  for (const [name, value] of parsedFields(recipient, id, 'multipart/mixed; boundary="000000000000a1b2c3d4e5f6"', 1)) form.append(name, value);
  const signature = signatureFields(key);
  for (const [name, value] of Object.entries(signature)) form.append(name, value);
  form.append('attachment-1', randomBytes(size), { filename: 'scan.pdf', contentType: 'application/pdf' });
  return { body: form.getBuffer(), contentType: String(form.getHeaders()['content-type']) };
}

/**
 * A MIME message of `size` bytes (CRLF, a text part and a base64 attachment filling the rest), as raw mode
 * posts it: urlencoded, the whole message in `body-mime`, with the envelope, header copies and signature fields.
 */
export function rawPost(key: string, recipient: string, size: number): Body {
  const id = `<bench.raw.${randomBytes(6).toString('hex')}@mail.shop.example>`;
  const boundary = '000000000000f1e2d3c4b5a6';
  const head = Buffer.from(
    `${headerList(recipient, id, `multipart/mixed; boundary="${boundary}"`).map(([n, v]) => `${n}: ${v}`).join('\r\n')}\r\n\r\n` +
      `--${boundary}\r\nContent-Type: text/plain; charset="UTF-8"\r\n\r\n${TEXT}\r\n` +
      `--${boundary}\r\nContent-Type: application/pdf; name="scan.pdf"\r\nContent-Disposition: attachment; filename="scan.pdf"\r\nContent-Transfer-Encoding: base64\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const room = size - head.length - tail.length;
  // base64 lines of 76 characters + CRLF, cut to fill the message to exactly `size` bytes.
  const encoded = Buffer.from(randomBytes(Math.ceil(room * 0.75) + 57).toString('base64'), 'latin1');
  const body = Buffer.allocUnsafe(room);
  for (let o = 0, i = 0; o < room; o += 78, i += 76) {
    encoded.copy(body, o, i, i + Math.min(76, room - o));
    if (o + 76 < room) body.write('\r\n', o + 76, 'latin1');
  }
  const mime = Buffer.concat([head, body, tail]);
  const fields = parsedFields(recipient, id, `multipart/mixed; boundary="${boundary}"`, 0).filter(([name]) => !/^(body-|stripped-|attachment-count)/.test(name));
  const signature = signatureFields(key);
  return { body: urlencoded([...fields, ...Object.entries(signature), ['body-mime', mime]]), contentType: 'application/x-www-form-urlencoded' };
}

/** The multipart form mailgun.js posts to /v3/<domain>/messages for one of `parsedPosts`' messages. */
export function outboundSend(to: string): Body {
  const form = new FormData();
  const fields: Array<[string, string]> = [
    ['from', '"The Shop (orders@shop.example) via plus-relay" <relay@bench.example>'],
    ['to', to],
    ['subject', 'Your order #1234 has shipped'],
    ['text', TEXT],
    ['html', HTML],
    ['h:Reply-To', 'The Shop <orders@shop.example>'],
    ['o:tracking', 'no'],
    ['o:tracking-clicks', 'no'],
    ['o:tracking-opens', 'no'],
  ];
  for (const [name, value] of fields) form.append(name, value);
  return { body: form.getBuffer(), contentType: String(form.getHeaders()['content-type']) };
}
