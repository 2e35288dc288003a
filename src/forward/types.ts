import createError from '@fastify/error';
import { statusOf } from '../retry-contract.js';
import type { Attachment } from '../inbound/message.js';

/**
/**
 * The Mailgun user variable every forward carries (value: the alias, lower-cased). Mailgun returns it in the
 * `user-variables` of every event about that send, which is how a bounce is tied back to its alias.
 */
export const ALIAS_VARIABLE = 'plus-relay-alias';

/**
 * One send to one target. Targets never share a send, so no target sees another. `alias`: the address it was sent
 * for, lower-cased (the forwarding headers and the alias variable name it).
 */
export type Outbound =
  /** `reply`: the owner's reply leaving as the alias (no forwarding headers: it is not a forward). */
  | { kind: 'mime'; to: string; mime: Buffer; relayId: string; alias: string; reply?: true }
  | {
      kind: 'parsed';
      to: string;
      relayId: string;
      alias: string;
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
