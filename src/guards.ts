import type { InboundMessage } from './inbound/message.js';
import { RELAY_HEADER } from './mail/header-view.js';

/** More hops than any real path has: RFC 5321 suggests 100, real mail rarely passes 15. */
export const MAX_RECEIVED = 25;

/**
 * Mail-loop guards, as a verdict: null when the message may go on, else why it is refused.
 * Checked on the headers the message arrived with (parsed mode: `message-headers`; raw mode:
 * the MIME header block), before anything is claimed or sent.
 */
export function loopVerdict(message: Pick<InboundMessage, 'header'>, relayId: string): string | null {
  const { received: hops, relayMarks } = message.header.loop;
  if (hops > MAX_RECEIVED) return `mail loop: ${hops} Received headers (more than ${MAX_RECEIVED})`;
  if (relayMarks.includes(relayId.toLowerCase())) return `mail loop: already relayed by ${relayId} (${RELAY_HEADER})`;
  return null;
}
