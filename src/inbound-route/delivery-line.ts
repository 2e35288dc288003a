import type { FastifyBaseLogger } from 'fastify';
import type { DeliveryResult } from '../deliver.js';
import type { InboundMessage } from '../inbound/message.js';

/** The one log line of each message, `"msg":"delivery"` (docs/operations.md, Logs): what operators read per address. */
export function deliveryLine(result: DeliveryResult, message: Pick<InboundMessage, 'sender' | 'from'>, durationMs: number) {
  return {
    recipient: result.recipient,
    // Who mailed this address: with `recipient`, the per-address view ("which service leaked it").
    sender: message.sender,
    from: message.from,
    targets: result.targets,
    rule: result.rule,
    outcome: result.outcome,
    status: result.status,
    reason: result.reason,
    mailgunIds: result.ids,
    // Raw mode: { action: keep | rewrite, reason, domain, policy } — a rewritten From, or a DNS failure, shows here.
    dmarc: result.dmarc,
    // With `replies: true`: { action: add | rewrite | parsed, reason } — how the forward carries its reply address.
    ...(result.replyTo ? { replyTo: result.replyTo } : {}),
    // Mail to a reply address: sent, or why it was refused.
    ...(result.reply ? { reply: result.reply } : {}),
    ms: Math.round(durationMs),
    // The leak signal: a sender domain this alias had not heard from after its learning period.
    ...(result.newSender ? { newSender: result.newSender } : {}),
    ...(result.policy?.reason ? { policy: `${result.policy.outcome}:${result.policy.reason}` } : {}),
  };
}

export type DeliveryLine = ReturnType<typeof deliveryLine>;

/**
 * A 5xx (Mailgun retries) is an error; a leak signal (a new sender domain for the alias) a warning someone should
 * look at, whatever the policy then did; everything else information.
 */
export function logDelivery(log: FastifyBaseLogger, line: DeliveryLine, status: number): void {
  // A message the flood guard holds back is the guard at work, not a fault: it warns once a minute (app.ts).
  if (status >= 500 && line.outcome !== 'over-limit') log.error(line, 'delivery');
  else if ('newSender' in line) log.warn(line, 'delivery');
  else log.info(line, 'delivery');
}
