import type { InboundMessage } from './inbound/message.js';
import { headerValues } from './mail/headers.js';
import { RELAY_HEADER } from './forward/types.js';

/** More hops than any real path has: RFC 5321 suggests 100, real mail rarely passes 15. */
export const MAX_RECEIVED = 25;

/**
 * Mail-loop guards, as a verdict: null when the message may go on, else why it is refused.
 * Checked on the headers the message arrived with (parsed mode: `message-headers`; raw mode:
 * the MIME header block), before anything is claimed or sent.
 */
export function loopVerdict(message: InboundMessage, relayId: string): string | null {
  const hops = headerValues(message.headers, 'received').length;
  if (hops > MAX_RECEIVED) return `mail loop: ${hops} Received headers (more than ${MAX_RECEIVED})`;
  const marks = headerValues(message.headers, RELAY_HEADER).map((v) => v.trim().toLowerCase());
  if (marks.includes(relayId.toLowerCase())) return `mail loop: already relayed by ${relayId} (${RELAY_HEADER})`;
  return null;
}
