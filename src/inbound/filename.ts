/**
 * A safe base name for an attachment. Mailgun passes through what the sender's client wrote:
 * Windows paths (`\share\mail\x.msg`), empty names, `.` and `..`, and UTF-8 that busboy read
 * as latin1 when it came raw in `filename=` (rather than RFC 2231 `filename*=`).
 */
export function safeFilename(raw: string | undefined, fallback: string): string {
  let name = raw ?? '';
  if (/[\u0080-\u00ff]/.test(name) && !/[^\u0000-\u00ff]/.test(name)) {
    const bytes = Buffer.from(name, 'latin1');
    const utf8 = bytes.toString('utf8');
    // Only re-decode when the bytes really are UTF-8; genuine latin1 names stay as they are.
    if (!utf8.includes('\ufffd')) name = utf8;
  }
  name = name.split(/[\\/]/).pop() ?? '';
  name = name.replace(/[\u0000-\u001f\u007f"]/g, '').trim();
  if (name === '' || name === '.' || name === '..') return fallback;
  return name.length > 255 ? name.slice(-255) : name;
}
