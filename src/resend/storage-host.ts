/** Whether the API key may be sent to a storage URL: the verdict, as data. */
export type StorageHostVerdict = { ok: true; url: URL } | { ok: false; reason: string };

/**
 * The storage URL comes from a webhook body, and fetching it sends MAILGUN_API_KEY (HTTP Basic). Anyone who
 * could put a URL of theirs there would receive the key, so it goes only to Mailgun: https and a host that is
 * `mailgun.net` or ends with `.mailgun.net` (storage-us-east4.api.mailgun.net, storage-europe-west1.…), or the
 * exact origin of MAILGUN_API_URL (the operator's own choice, e.g. the EU API or a test's loopback stand-in).
 * Compared on the parsed URL's hostname, so `https://mailgun.net@evil.example/` or `…mailgun.net.evil.example`
 * are what they are: other hosts.
 */
export function checkStorageHost(raw: string, apiUrl: string): StorageHostVerdict {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: 'the storage URL is not a URL' };
  }
  if (url.username || url.password) return { ok: false, reason: `the storage URL carries credentials of its own (host ${url.host})` };
  const host = url.hostname.toLowerCase();
  const mailgun = host === 'mailgun.net' || host.endsWith('.mailgun.net');
  if (url.protocol === 'https:' && mailgun) return { ok: true, url };
  if (url.origin === new URL(apiUrl).origin) return { ok: true, url };
  return { ok: false, reason: `the storage URL's host ${url.host} (${url.protocol.replace(':', '')}) is not Mailgun's: the API key is only sent over https to mailgun.net or a host under it, or to MAILGUN_API_URL` };
}
