import type { FastifyPluginAsync } from 'fastify';
import { EVENT_CONTRACT } from '../retry-contract.js';
import { eventResult, handleEvent, type EventDeps, type EventResult } from './handle-event.js';
import { logEvent } from './log.js';

/** Where Mailgun posts the sending domain's event webhooks (`plus-relay setup-route` registers it). */
export const EVENTS_PATH = '/mailgun/events';

// An event is a few KiB of JSON. The body is read before its signature can be checked, so anyone can send
// one: a small limit keeps what a stranger costs small (MAX_BODY_BYTES is sized for 25 MB messages).
export const EVENT_BODY_LIMIT = 1024 * 1024;

export interface EventRoutesOptions {
  deps: EventDeps;
  onEvent?: ((result: EventResult, durationMs: number) => void) | undefined;
}

/**
 * POST /mailgun/events: Mailgun's event webhooks. JSON only, in a context of its own so the relay's form
 * parsers (sized for messages) never see these posts; any other body is refused with 406 by the error
 * handler. Keys such as `__proto__` are dropped, not refused: an event is never worth losing over them.
 */
export const eventRoutes: FastifyPluginAsync<EventRoutesOptions> = async (app, { deps, onEvent }) => {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: EVENT_BODY_LIMIT }, app.getDefaultJsonParser('remove', 'remove'));
  // A body refused before the handler (not JSON, over the limit) is answered 406 by the error handler: counted too.
  app.addHook('onError', async (_request, _reply, error) => {
    if ((error.statusCode ?? 500) < 500) onEvent?.(eventResult('bad-input', error.message), 0);
  });
  app.post(EVENTS_PATH, { bodyLimit: EVENT_BODY_LIMIT }, async (request, reply) => {
    const started = performance.now();
    const result = await handleEvent(request.body, deps, request.id);
    const ms = performance.now() - started;
    const { status } = EVENT_CONTRACT[result.outcome];
    onEvent?.(result, ms);
    logEvent(request.log, result, status, ms);
    return reply.code(status).send({ status: result.outcome, message: result.reason });
  });
};
