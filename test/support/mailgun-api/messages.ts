// The two sending endpoints. Validation mirrors the real API's 400 answers for missing parameters, so a client that
// forgets `to` or sends the MIME as the wrong field fails here as it would in production.
import { first } from './form.js';
import type { ApiReply, ApiRequest, SentMessage } from './types.js';

export function sendMessage(req: ApiRequest, endpoint: SentMessage['endpoint'], sent: SentMessage[]): ApiReply {
  const { form } = req;
  const domain = req.domain ?? '';
  const missing = endpoint === 'mime' ? missingForMime(req) : missingForParsed(req);
  if (missing) return { status: 400, body: { message: missing } };

  const messagePart = form.files.find((f) => f.field === 'message');
  const messageField = first(form, 'message');
  const mime = endpoint === 'parsed' ? null : (messagePart?.data ?? Buffer.from(messageField ?? '', 'utf8'));
  const id = messageId(sent.length + 1, domain);
  sent.push({ id, domain, endpoint, to: form.fields.to ?? [], fields: form.fields, files: form.files, mime });
  return { status: 200, body: { id, message: 'Queued. Thank you.' } };
}

function missingForMime({ form }: ApiRequest): string | undefined {
  if (!form.fields.to?.length) return "'to' parameter is missing";
  const hasMessage = form.files.some((f) => f.field === 'message') || first(form, 'message') !== undefined;
  if (!hasMessage) return "'message' parameter is missing";
  return undefined;
}

function missingForParsed({ form }: ApiRequest): string | undefined {
  if (!first(form, 'from')) return "'from' parameter is missing";
  if (!form.fields.to?.length) return "'to' parameter is missing";
  const hasBody = ['text', 'html', 'template', 'amp-html'].some((name) => first(form, name) !== undefined);
  if (!hasBody) return "Need at least one of 'text', 'html' or 'template' parameters specified";
  return undefined;
}

/** Mailgun's id shape, e.g. `<20260214093012.1.5F3A9C0B1D2E4F60@mg.example.com>`. */
function messageId(n: number, domain: string): string {
  const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
  const hex = (n * 0x9e3779b1).toString(16).toUpperCase().padStart(16, '0');
  return `<${stamp}.${n}.${hex}@${domain}>`;
}

/**
 * A `messages.mime` send as Mailgun delivers it: its `h:` options added as header lines on top, in the message's own
 * line ending. Verify the sender's DKIM on this, not on `mime` alone, to know the added headers broke nothing.
 */
export function deliveredMime(sent: SentMessage): Buffer {
  if (!sent.mime) throw new TypeError(`send ${sent.id} was not a messages.mime send`);
  const eol = sent.mime.includes('\r\n') ? '\r\n' : '\n';
  const added = Object.entries(sent.fields).flatMap(([name, values]) => (name.startsWith('h:') ? values.map((v) => `${name.slice(2)}: ${v}${eol}`) : []));
  return Buffer.concat([Buffer.from(added.join(''), 'utf8'), sent.mime]);
}
