// The messages the bench forwards: a shipping notification (≈5 KB), a 200 KB HTML newsletter, and raw MIME of a
// chosen size; plus the send mailgun.js makes for a notification (the latency part's baseline).
import { randomBytes } from 'node:crypto';
import FormData from 'form-data';
import { headerList, type Body, type Content, type Stamp } from './payloads.js';

const paragraph = 'Your order has shipped. Track it from your account page; reply to this message if anything looks wrong. ';
const TEXT = `Hi,\r\n\r\n${paragraph.repeat(12)}\r\n\r\n-- \r\nThe Shop\r\n`;
const HTML = `<html><body>${`<p style="margin:0 0 12px;font-family:sans-serif">${paragraph}</p>`.repeat(20)}</body></html>`;

/** ≈1.3 KB of text and ≈3.5 KB of html: with its headers, a 5 KB message. */
export const NOTIFICATION: Content = { text: TEXT, html: HTML, strippedHtml: HTML };

function article(n: number): string {
  const link = `https://news.shop.example/articles/${n}?utm_source=newsletter&amp;utm_medium=email&amp;utm_campaign=2026-02`;
  return (
    `<tr><td style="padding:16px 24px;font-family:Helvetica,Arial,sans-serif;font-size:15px;line-height:22px;color:#333333">` +
    `<a href="${link}" style="color:#0b5cad;text-decoration:none"><img src="https://cdn.shop.example/img/${n}.jpg" width="552" height="276" alt="" style="display:block;border:0;width:100%;height:auto"></a>` +
    `<h2 style="margin:16px 0 8px;font-size:20px;line-height:26px;color:#111111">This week's pick no. ${n}</h2>` +
    `<p style="margin:0 0 12px">${paragraph}${paragraph}</p>` +
    `<a href="${link}" style="display:inline-block;padding:10px 18px;background:#0b5cad;color:#ffffff;border-radius:4px;text-decoration:none">Read more</a></td></tr>\n`
  );
}

function newsletter(bytes: number): Content {
  const rows: string[] = [];
  let size = 0;
  for (let n = 1; size < bytes; n++) {
    rows.push(article(n));
    size += rows[rows.length - 1]?.length ?? 0;
  }
  const html = `<!DOCTYPE html><html><head><meta charset="utf-8"></head><body style="margin:0;background:#f4f4f4"><table role="presentation" width="600" align="center" cellpadding="0" cellspacing="0" style="background:#ffffff">\n${rows.join('')}</table></body></html>`;
  const text = rows.map((_, n) => `This week's pick no. ${n + 1}\r\n${paragraph}${paragraph}\r\nRead more: https://news.shop.example/articles/${n + 1}\r\n\r\n`).join('');
  // Mailgun's stripped-html of a newsletter nobody replied to is the whole html again.
  return { text, html, strippedHtml: html };
}

/** ≈200 KB of html (and its text version, ≈30 KB), posted twice over as Mailgun does: body-html and stripped-html. */
export const NEWSLETTER: Content = newsletter(200 * 1024);

const BOUNDARY = '000000000000f1e2d3c4b5a6';
export const MIME_CONTENT_TYPE = `multipart/mixed; boundary="${BOUNDARY}"`;

/**
 * A MIME message of `size` bytes (CRLF): the notification as text and html parts, and a base64 attachment filling
 * the rest (a small logo for a raw-mode notification; 25 MB for the memory part).
 */
export function mimeMessage(recipient: string, stamp: Stamp, size: number): Buffer {
  const head = Buffer.from(
    `${headerList(recipient, stamp, MIME_CONTENT_TYPE).map(([n, v]) => `${n}: ${v}`).join('\r\n')}\r\n\r\n` +
      `--${BOUNDARY}\r\nContent-Type: text/plain; charset="UTF-8"\r\n\r\n${TEXT}\r\n` +
      `--${BOUNDARY}\r\nContent-Type: text/html; charset="UTF-8"\r\n\r\n${HTML}\r\n` +
      `--${BOUNDARY}\r\nContent-Type: image/png; name="logo.png"\r\nContent-Disposition: attachment; filename="logo.png"\r\nContent-Transfer-Encoding: base64\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${BOUNDARY}--\r\n`);
  const room = size - head.length - tail.length;
  if (room < 78) throw new RangeError(`a ${size}-byte message cannot hold the notification and an attachment`);
  // base64 lines of 76 characters + CRLF, cut to fill the message to exactly `size` bytes.
  const encoded = Buffer.from(randomBytes(Math.ceil(room * 0.75) + 57).toString('base64'), 'latin1');
  const body = Buffer.allocUnsafe(room);
  for (let o = 0, i = 0; o < room; o += 78, i += 76) {
    encoded.copy(body, o, i, i + Math.min(76, room - o));
    if (o + 76 < room) body.write('\r\n', o + 76, 'latin1');
  }
  return Buffer.concat([head, body, tail]);
}

/** The multipart form mailgun.js posts to /v3/<domain>/messages for a notification. */
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
