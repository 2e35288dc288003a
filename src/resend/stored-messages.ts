import { checkStorageHost } from './storage-host.js';

/** What fetching a stored message came to, as data. */
export type StoredFetch =
  | { kind: 'found'; mime: Buffer }
  /** Mailgun no longer has it (404: it keeps stored messages about 3 days). */
  | { kind: 'expired' }
  /** Not a Mailgun storage host (storage-host.ts): nothing was fetched, the key went nowhere. */
  | { kind: 'host-refused'; reason: string }
  /** Mailgun or the network to it failed, or answered something that is not a stored message: try again later. */
  | { kind: 'unavailable'; detail: string };

/** Mailgun's message storage, as the resend uses it; a test passes its own or points this one at a stand-in. */
export interface StoredMessages {
  fetch(storageUrl: string): Promise<StoredFetch>;
}

export interface MailgunStoredMessagesOptions {
  apiKey: string;
  /** MAILGUN_API_URL: its origin is trusted besides Mailgun's own hosts. */
  apiUrl: string;
  timeoutMs: number;
  /** A stored message is at most Mailgun's 25 MB, JSON-escaped: a larger answer is not one. */
  maxBytes: number;
  fetch?: typeof fetch;
}

async function readCapped(response: Response, maxBytes: number): Promise<string | null> {
  const declared = Number(response.headers.get('content-length') ?? 0);
  if (declared > maxBytes || !response.body) return declared > maxBytes ? null : '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of response.body) {
    size += chunk.byteLength;
    if (size > maxBytes) return null;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * GET <storage url> with `Accept: message/rfc2822` and HTTP Basic `api:<key>`: Mailgun answers JSON whose
 * `body-mime` is the message as it arrived. Redirects are not followed (the key would go along to wherever
 * they point).
 */
export function mailgunStoredMessages(options: MailgunStoredMessagesOptions): StoredMessages {
  const get = options.fetch ?? fetch;
  const authorization = `Basic ${Buffer.from(`api:${options.apiKey}`).toString('base64')}`;
  return {
    async fetch(storageUrl) {
      const host = checkStorageHost(storageUrl, options.apiUrl);
      if (!host.ok) return { kind: 'host-refused', reason: host.reason };
      let response: Response;
      try {
        response = await get(host.url, { headers: { authorization, accept: 'message/rfc2822' }, redirect: 'manual', signal: AbortSignal.timeout(options.timeoutMs) });
      } catch (err) {
        const cause = (err as Error & { cause?: Error }).cause?.message ?? (err as Error).message;
        return { kind: 'unavailable', detail: `fetching the stored message failed: ${cause}` };
      }
      if (response.status === 404 || response.status === 410) {
        await response.body?.cancel();
        return { kind: 'expired' };
      }
      if (response.status !== 200) {
        await response.body?.cancel();
        return { kind: 'unavailable', detail: `Mailgun answered ${response.status} to the stored message's URL` };
      }
      const text = await readCapped(response, options.maxBytes).catch(() => null);
      let mime: unknown;
      try {
        mime = text === null ? undefined : (JSON.parse(text) as Record<string, unknown>)['body-mime'];
      } catch {
        mime = undefined;
      }
      if (typeof mime !== 'string' || mime.length === 0) return { kind: 'unavailable', detail: 'Mailgun answered without the stored message (no body-mime)' };
      return { kind: 'found', mime: Buffer.from(mime, 'utf8') };
    },
  };
}
