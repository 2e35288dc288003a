// The four kinds of post the CPU part measures, and the mix of them a relay's day is judged on.
import { randomBytes } from 'node:crypto';
import { NEWSLETTER, NOTIFICATION, MIME_CONTENT_TYPE, mimeMessage } from './messages.js';
import { MARKERS, attachmentPost, parsedPost, rawPost, stampedPosts, type Body } from './payloads.js';
import type { DkimSigner } from './dkim.js';

export type Kind = 'notification' | 'newsletter' | 'attachment' | 'raw';
export const KINDS: readonly Kind[] = ['notification', 'newsletter', 'attachment', 'raw'];

/** Each kind's share of the mail a relay forwards, for the "mix" figure (stated in docs/performance.md). */
export const MIX: Record<Kind, number> = { notification: 0.7, newsletter: 0.2, attachment: 0.05, raw: 0.05 };

export const ATTACHMENT_BYTES = 2 * 1024 * 1024;
export const RAW_BYTES = 16 * 1024;

export const DESCRIPTION: Record<Kind, string> = {
  notification: '5 KB message, parsed mode, urlencoded',
  newsletter: '200 KB HTML, parsed mode, urlencoded',
  attachment: '2 MB attachment, parsed mode, multipart',
  raw: '16 KB DKIM-signed MIME, raw mode, urlencoded body-mime',
};

export const pathOf = (kind: Kind): string => (kind === 'raw' ? '/mailgun/inbound/mime' : '/mailgun/inbound');

/** Signed notifications to `<localPart(n)>@<domain>`, each with its own signature block and Message-Id. */
export function notificationPosts(key: string, domain: string, localPart: (n: number) => string): (n: number) => Body {
  return stampedPosts(key, localPart, parsedPost(NOTIFICATION, `${MARKERS.local}@${domain}`, MARKERS));
}

/** The same for any kind. Async: the raw kind's template is DKIM-signed once. */
export async function postsOf(kind: Kind, key: string, domain: string, localPart: (n: number) => string, dkim: DkimSigner): Promise<(n: number) => Body> {
  const recipient = `${MARKERS.local}@${domain}`;
  switch (kind) {
    case 'notification':
      return notificationPosts(key, domain, localPart);
    case 'newsletter':
      return stampedPosts(key, localPart, parsedPost(NEWSLETTER, recipient, MARKERS));
    case 'attachment':
      return stampedPosts(key, localPart, attachmentPost(NOTIFICATION, recipient, MARKERS, randomBytes(ATTACHMENT_BYTES)));
    case 'raw': {
      // Signed with the markers in place: they sit only in headers the signature leaves out.
      const mime = await dkim.sign(mimeMessage(recipient, MARKERS, RAW_BYTES));
      return stampedPosts(key, localPart, rawPost(mime, recipient, MARKERS, MIME_CONTENT_TYPE));
    }
  }
}
