// A listening relay with `replies: true`, spoken to over HTTP as Mailgun speaks to it in raw mode, and the mail of
// its two users: Alice (Gmail) and Bob (Fastmail), each signing with DKIM for their provider's domain.
import type { TestContext } from 'node:test';
import { build, SIGNING_KEY, type Built, type BuildOptions } from './build.js';
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
  const built = await build(t, { rules: REPLY_RULES, ...options });
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
