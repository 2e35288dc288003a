import type { RawForm } from './form.js';
import { textField } from './form.js';
import { MAX_HEADER_BYTES, headerValues } from '../mail/headers.js';
import { readMessageHeaders, readRawHeader, type HeaderView } from '../mail/header-view.js';
import type { SignatureBlock } from './signature.js';
import { checkFieldCaps } from './caps.js';
import { HeaderTooLarge } from './errors.js';

export interface Attachment {
  filename: string;
  contentType: string;
  data: Buffer;
  /** Content-ID without angle brackets, for inline parts referenced as `cid:` in the HTML. */
  contentId: string | null;
}

/** One incoming message, whichever of Mailgun's shapes (parsed or raw, urlencoded or multipart) it came in. */
export interface InboundMessage {
  signature: Partial<SignatureBlock>;
  recipient: string | null;
  sender: string | null;
  from: string | null;
  subject: string;
  /** The header section, read once here (raw mode: `body-mime`'s; parsed mode: `message-headers`). */
  header: HeaderView;
  /** The original message bytes in raw mode; null in parsed mode. */
  raw: Buffer | null;
  text: string | null;
  html: string | null;
  attachments: Attachment[];
  inline: Attachment[];
}

function parseContentIdMap(json: string | null): Map<string, string> {
  const byField = new Map<string, string>();
  if (!json) return byField;
  try {
    const parsed: unknown = JSON.parse(json);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
      for (const [cid, field] of Object.entries(parsed)) {
        const bare = cid.trim().replace(/^<|>$/g, '');
        // Seen in the wild: duplicate and empty keys. The first usable one wins.
        if (typeof field === 'string' && bare && !byField.has(field)) byField.set(field, bare);
      }
    }
  } catch {
    // A broken map only costs the inline placement; the parts still travel as attachments.
  }
  return byField;
}

/** Reads a signed form into a message; the only step that parses its JSON and header fields (see caps.ts). */
export function readInbound(form: RawForm): InboundMessage {
  checkFieldCaps(form);
  const rawFile = form.files.find((f) => f.field === 'body-mime');
  const raw = form.fields.get('body-mime')?.[0] ?? rawFile?.data ?? null;
  // Before anything else is read: an oversized section costs headerBlockEnd()'s bounded scan and nothing more.
  const header = raw ? readRawHeader(raw) : readMessageHeaders(textField(form, 'message-headers'));
  if (header === null) throw new HeaderTooLarge(MAX_HEADER_BYTES);
  const cidByField = parseContentIdMap(textField(form, 'content-id-map'));
  const attachments: Attachment[] = [];
  const inline: Attachment[] = [];
  for (const file of form.files) {
    if (file === rawFile) continue;
    const contentId = cidByField.get(file.field) ?? null;
    const part = { filename: file.filename, contentType: file.contentType || 'application/octet-stream', data: file.data, contentId };
    (contentId ? inline : attachments).push(part);
  }
  return {
    signature: {
      timestamp: textField(form, 'timestamp') ?? undefined,
      token: textField(form, 'token') ?? undefined,
      signature: textField(form, 'signature') ?? undefined,
    },
    recipient: textField(form, 'recipient')?.trim() || null,
    sender: textField(form, 'sender')?.trim() || null,
    from: textField(form, 'from') ?? header.from,
    subject: textField(form, 'subject') ?? headerValues(header.fields, 'subject')[0] ?? '',
    header,
    raw,
    text: textField(form, 'body-plain'),
    html: textField(form, 'body-html'),
    attachments,
    inline,
  };
}
