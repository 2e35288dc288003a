// A listening relay with `replies: true`, spoken to over HTTP as Mailgun speaks to it in raw mode, and the mail of
// its two users: Alice (Gmail) and Bob (Fastmail), each signing with DKIM for their provider's domain.
import type { TestContext } from 'node:test';
import { build, SIGNING_KEY, type Built, type BuildOptions } from './build.js';
import assert from 'node:assert/strict';
import { dkimSignedMime, freshSignatureBlock, sign, rawUrlencoded, sampleMime, type SampleMimeOptions } from '../support/fixtures.js';
import type { TxtRecords } from '../support/dns-server.js';

export const REPLY_RULES = `
domains: [alice.dev]
users:
  alice: {to: "alice+{service}@gmail.com"}
  bob: {to: "bob+{service}@fastmail.com"}
replies: true
rules:
  - match: "{user}.{service}"
  - match: "*"
    user: alice
`;

export interface ReplyRelay extends Built {
  url: string;
  /** POSTs `mime` to /mailgun/inbound/mime for `recipient`, signed with a fresh Mailgun signature block. */
  post(mime: Buffer, recipient: string, token?: string): Promise<{ status: number; body: { status: string; message: string } }>;
}

export async function replyRelay(t: TestContext, options: BuildOptions = {}): Promise<ReplyRelay> {
  return listening(await build(t, { rules: REPLY_RULES, ...options }));
}

/** A built relay, listening on a loopback port, with `post` speaking to it. */
export async function listening(built: Built): Promise<ReplyRelay> {
  const url = await built.app.listen({ host: '127.0.0.1', port: 0 });
  const post: ReplyRelay['post'] = async (mime, recipient, token) => {
    // A given token replays a delivery (Mailgun's retry); its signature is made anew over it.
    const fresh = freshSignatureBlock(SIGNING_KEY);
    const block = token ? { timestamp: fresh.timestamp, token, signature: sign(SIGNING_KEY, fresh.timestamp, token) } : fresh;
    const from = /^From: (.*)$/im.exec(mime.toString('latin1'))?.[1]?.trim() ?? '';
    const fields: Array<[string, string]> = [
      ['recipient', recipient],
      ['sender', from.replace(/^.*</, '').replace(/>.*$/, '')],
      ['from', from],
      ['timestamp', block.timestamp],
      ['token', block.token],
      ['signature', block.signature],
    ];
    const body = rawUrlencoded(mime, fields);
    const res = await fetch(`${url}/mailgun/inbound/mime`, { method: 'POST', body: body.payload, headers: body.headers });
    return { status: res.status, body: (await res.json()) as { status: string; message: string } };
  };
  return { ...built, url, post };
}

/** A message signed with DKIM by `domain` (the keys go into the relay's DNS through `records`). */
export async function signed(options: SampleMimeOptions, domain: string): Promise<{ mime: Buffer; records: TxtRecords }> {
  const { mime, records } = await dkimSignedMime(sampleMime(options), { domain });
  return { mime, records };
}

export const SHOP_ID = '<order.1234@shop.example>';

/** Shop writes to shop@alice.dev; the forward's Reply-To is the reply address. */
export async function forwardFromShop(relay: ReplyRelay): Promise<string> {
  const message = await signed({ from: 'Shop <support@shop.example>', messageId: SHOP_ID }, 'shop.example');
  Object.assign(relay.dns.txt, message.records);
  assert.equal((await relay.post(message.mime, 'shop@alice.dev')).status, 200);
  const address = /^Reply-To: (.*)\r$/m.exec(relay.api.sent.at(-1)?.mime?.toString('latin1') ?? '')?.[1];
  assert.ok(address);
  return address;
}

/** Alice's reply as Gmail writes it: trace and Google headers, a quoted original, text (quoted-printable) and HTML (base64). */
export function gmailReply(replyAddress: string, from = 'Alice Example <alice@gmail.com>'): Buffer {
  const b = '000000000000b2c3d4e5f6a7b8c9';
  const text = `Thanks, that works.\r\n\r\nOn Wed, 14 Feb 2026 Shop <${replyAddress}> wrote:\r\n> Your order #1234 ships to alice+shop@gmail.com.\r\n> Reply to ${replyAddress.toUpperCase()} =\r\nwith questions.\r\n`;
  const html = `<div>Thanks, that works.</div><blockquote>Shop &lt;<a href="mailto:${replyAddress}">${replyAddress}</a>&gt; wrote: sent to Alice@Gmail.com</blockquote>`;
  return Buffer.from(
    [
      'Received: by mail-lj1-f170.google.com with SMTP id 38308e7fff4ca-2d0f3a1; Wed, 14 Feb 2026 10:31:00 -0800 (PST)',
      'X-Received: by 2002:a05:6512:3b8d with SMTP id g13mr; Wed, 14 Feb 2026 10:31:00 -0800 (PST)',
      'ARC-Seal: i=1; a=rsa-sha256; t=1707934260; cv=none; d=google.com; s=arc-20160816; b=abc',
      'ARC-Authentication-Results: i=1; mx.google.com; dkim=pass header.i=@gmail.com; smtp.mailfrom=alice@gmail.com',
      'X-Gm-Message-State: AOJu0YzAlice',
      'X-Google-Smtp-Source: AGHT+IFalice',
      'X-Originating-IP: [203.0.113.7]',
      'X-Envelope-From: <alice@gmail.com>',
      'MIME-Version: 1.0',
      `From: ${from}`,
      `To: Shop <${replyAddress}>`,
      'Date: Wed, 14 Feb 2026 10:31:00 -0800',
      'Message-ID: <CAGalice123@mail.gmail.com>',
      `In-Reply-To: ${SHOP_ID}`,
      `References: ${SHOP_ID}`,
      'Subject: Re: Your order #1234',
      `Content-Type: multipart/alternative; boundary="${b}"`,
      '',
      `--${b}`,
      'Content-Type: text/plain; charset="UTF-8"',
      'Content-Transfer-Encoding: quoted-printable',
      '',
      text.replace(/=(?!\r\n)/g, '=3D'),
      `--${b}`,
      'Content-Type: text/html; charset="UTF-8"',
      'Content-Transfer-Encoding: base64',
      '',
      Buffer.from(html).toString('base64'),
      `--${b}--`,
      '',
    ].join('\r\n'),
  );
}

export async function gmailSigned(replyAddress: string, relay: ReplyRelay, from?: string, domain = 'gmail.com'): Promise<Buffer> {
  const { mime, records } = await dkimSignedMime(gmailReply(replyAddress, from), { domain, selector: 'g20230601' });
  Object.assign(relay.dns.txt, records);
  return mime;
}

