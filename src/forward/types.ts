import createError from '@fastify/error';
import { statusOf } from '../retry-contract.js';
import type { Attachment } from '../inbound/message.js';

/** The header every forward carries (value: RELAY_ID), so a message that loops back is recognised. */
export const RELAY_HEADER = 'X-Plus-Relay';

/**
 * One send to one target. Targets never share a send, so no target sees another. `recipient` is the address the
 * message came to (the alias), for the forwarding headers.
 */
export type Outbound =
  | { kind: 'mime'; to: string; recipient: string | null; mime: Buffer; relayId: string }
  | {
      kind: 'parsed';
      to: string;
      recipient: string | null;
      relayId: string;
      from: string;
      replyTo: string | null;
      subject: string;
      text: string | null;
      html: string | null;
      attachments: Attachment[];
      inline: Attachment[];
    };

export interface SendResult {
  id: string;
}

export interface Transport {
  readonly name: 'mailgun' | 'outbox';
  send(message: Outbound): Promise<SendResult>;
}

/** The API (or the network to it) failed in a way a later retry can fix: Mailgun should retry us. */
export const UpstreamUnavailable = createError<[string]>('PLUS_RELAY_UPSTREAM_UNAVAILABLE', 'Mailgun API unavailable: %s', statusOf('failed'));
/** The API refused this message for good (bad request, too large): retrying cannot help. */
export const UpstreamRefused = createError<[string]>('PLUS_RELAY_UPSTREAM_REFUSED', 'Mailgun API refused the message: %s', statusOf('rejected'));
