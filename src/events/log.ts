import type { FastifyBaseLogger } from 'fastify';
import type { EventResult } from './handle-event.js';
import type { BounceOutcome } from './unsuppress.js';

type Level = 'error' | 'warn' | 'info';

function eventLevel(result: EventResult): Level {
  if (result.outcome === 'recorded') return result.failure?.severity === 'permanent' ? 'error' : 'warn';
  if (result.outcome === 'store-unavailable') return 'error';
  return result.outcome === 'bad-signature' || result.outcome === 'busy' ? 'warn' : 'info';
}

// Said so that the log line alone tells the owner what happened and what to do.
const BOUNCE_LINES: Record<BounceOutcome['action'], [Level, string]> = {
  removed: ['warn', "bounce removed: the target was on Mailgun's bounce list for a refusal that was not a missing mailbox; Mailgun delivers to it again"],
  'removed-again': [
    'error',
    "bounce removed again within 24 h: another refused message put the target back on Mailgun's bounce list; someone may be sending mail meant to bounce (see the admin page or plus-relay doctor); it is freed at most once an hour",
  ],
  'kept-missing-mailbox': ['error', "target mailbox does not exist: Mailgun's bounce is left in place and drops every forward to it; fix the target in rules.yaml"],
  'not-listed': ['info', 'target is not on the bounce list'],
  'recently-handled': ['warn', 'bounce of this target already handled within the hour: left alone until the hour is over'],
  error: ['error', 'bounce check failed: the next failure to this target tries again'],
};

/**
 * One line per event post ("event"; a permanent failure at error, a temporary one at warn) and one for
 * what was done about the target's bounce. Addresses and Mailgun's refusal text, never the signature.
 */
export function logEvent(log: FastifyBaseLogger, result: EventResult, status: number, ms: number): void {
  const { failure } = result;
  const line = {
    outcome: result.outcome,
    status,
    reason: result.reason,
    event: result.event,
    ...(failure && {
      alias: failure.alias,
      target: failure.target,
      severity: failure.severity,
      failure: failure.reason,
      code: failure.status.code,
      enhancedCode: failure.status.enhanced,
      message: failure.status.message,
      eventId: failure.id,
      messageId: failure.messageId,
    }),
    ...(result.error && { error: result.error }),
    ms: Math.round(ms),
  };
  log[eventLevel(result)](line, 'event');
  if (result.bounce && failure) {
    const [level, msg] = BOUNCE_LINES[result.bounce.action];
    const { bounce, error } = result.bounce;
    log[level]({ action: result.bounce.action, alias: failure.alias, target: failure.target, ...(bounce && { bounceCode: bounce.code, bounceError: bounce.error, bouncedAt: bounce.createdAt }), ...(error && { error }) }, msg);
  }
}

/**
 * The "event" line as a person at a terminal reads it (LOG_FORMAT=pretty), one line:
 * `recorded permanent bounce of github@example.com → you+github@gmail.com (550 5.1.1 no such user, 3 ms)`.
 */
export function eventSummary(line: Record<string, unknown>): string {
  const text = (key: string) => (line[key] === undefined || line[key] === null || line[key] === '' ? '' : String(line[key]));
  const failure = line.alias !== undefined ? ` ${text('severity')} ${text('failure')} of ${text('alias')} → ${text('target')}` : '';
  // Mailgun's message often starts with the enhanced code already.
  const enhanced = text('message').startsWith(text('enhancedCode')) ? '' : text('enhancedCode');
  const refusal = [text('code'), enhanced, text('message')].filter(Boolean).join(' ');
  const details = [refusal, failure ? '' : text('reason'), text('error'), `${text('ms')} ms`].filter(Boolean);
  return `event ${text('outcome')}${failure} (${details.join(', ')})`;
}
