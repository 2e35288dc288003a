/**
 * How a resend can end, with the admin API's answer for each, stated once (the route, the CLI's exit and the
 * table in docs/operations.md follow it). Nothing that can never succeed is a 5xx; an outage of Mailgun is 503, and the
 * failure's claim is released so the same resend can be asked again.
 */
export const RESEND_OUTCOMES = {
  resent: { status: 200, when: 'the stored message was sent again to the same target' },
  unknown: { status: 404, when: 'no recorded failure has this id (the failure log keeps 30 days; ids change when a pair fails again)' },
  'already-resent': { status: 409, when: 'this failure was resent before: once per failure, whoever asks' },
  busy: { status: 409, when: 'this failure is being resent right now (another click, instance or the CLI)' },
  'not-a-target': { status: 409, when: 'the rules no longer forward the alias to that target' },
  'no-api-key': { status: 409, when: 'the relay has no MAILGUN_API_KEY (outbox mode): it cannot fetch stored messages' },
  'no-storage': { status: 422, when: 'the failure has no storage URL (the event carried none, or it was recorded before the relay kept them)' },
  'host-refused': { status: 422, when: 'the storage URL is not on a Mailgun host: refused, never fetched (the API key is not sent)' },
  'send-refused': { status: 422, when: 'the Mailgun API refused the message for good' },
  expired: { status: 410, when: 'Mailgun no longer has the stored message (404: it keeps them about 3 days)' },
  unavailable: { status: 503, when: 'Mailgun or the network to it failed while fetching or sending: try again' },
} as const satisfies Record<string, { status: number; when: string }>;

export type ResendOutcome = keyof typeof RESEND_OUTCOMES;
