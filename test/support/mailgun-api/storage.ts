// Message storage: Mailgun keeps each message it sent (about 3 days) and names it in events as
// `storage: {url, key}`. `GET /v3/domains/:domain/messages/:key` with `Accept: message/rfc2822` answers JSON whose
// `body-mime` is the message; without that header, the parsed fields only (as Mailgun does). Unknown → 404.
import type { ApiReply, ApiRequest, StoredMessage } from './types.js';

export function getStoredMessage(all: StoredMessage[], req: ApiRequest, key: string): ApiReply {
  const found = all.find((m) => m.domain === req.domain && m.key === key);
  if (!found) return { status: 404, body: { message: 'Message not found' } };
  const text = found.mime.toString('utf8');
  const header = (name: string) => new RegExp(`^${name}:[ \\t]*(.*)$`, 'im').exec(text)?.[1]?.trim() ?? '';
  const parsed = { recipients: header('To'), sender: header('From'), from: header('From'), subject: header('Subject'), 'Content-Type': header('Content-Type') };
  return { status: 200, body: req.accept?.includes('message/rfc2822') ? { ...parsed, 'body-mime': text } : parsed };
}
