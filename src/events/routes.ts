import type { FastifyError, FastifyPluginAsync } from 'fastify';
import { errorHandler } from '../error-handler.js';
import { EVENT_CONTRACT, type EventOutcome } from '../retry-contract.js';
import { EVENT_BODY_LIMIT, readEventBody } from './body.js';
import { eventResult, handleEvent, type EventDeps, type EventResult } from './handle-event.js';
import { logEvent } from './log.js';

/** Where Mailgun posts the sending domain's event webhooks (`plus-relay setup-route` registers it). */
export const EVENTS_PATH = '/mailgun/events';

export interface EventRoutesOptions {
  deps: EventDeps;
  onEvent?: ((result: EventResult, durationMs: number) => void) | undefined;
}

/**
 * POST /mailgun/events: Mailgun's event webhooks. JSON only, in a context of its own so the relay's form
 * parsers (sized for messages) never see these posts. One post, in order: its size (413 over 64 KiB, from
 * its Content-Length before a byte is read), its nesting (406, a scan of the bytes before any parse), the
 * JSON (406), the signature (401), and only then the event.
 */
export const eventRoutes: FastifyPluginAsync<EventRoutesOptions> = async (app, { deps, onEvent }) => {
  app.removeAllContentTypeParsers();
  // Fastify only collects the bytes (and enforces the limit); the handler reads them, so a refusal is an
  // answer like any other and keeps the connection (a parser error would close it).
  app.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit: EVENT_BODY_LIMIT }, (_request, body, done) => done(null, body));

  const answer = (result: EventResult, ms: number, log: Parameters<typeof logEvent>[0]) => {
    const { status } = EVENT_CONTRACT[result.outcome];
    onEvent?.(result, ms);
    logEvent(log, result, status, ms);
    return status;
  };
  // A body refused before the handler (over the limit, not JSON at all) is answered from the events contract,
  // counted and logged like any other event post; a 5xx is the relay's own, answered by the app's handler.
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if ((error.statusCode ?? 500) >= 500) return errorHandler(error, request, reply);
    const outcome: EventOutcome = error.code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? 'too-large' : 'bad-input';
    const reason = outcome === 'too-large' ? `body over ${EVENT_BODY_LIMIT} bytes` : error.message.slice(0, 200);
    return reply.code(answer(eventResult(outcome, reason), 0, request.log)).send({ status: outcome, message: reason });
  });
  app.post(EVENTS_PATH, { bodyLimit: EVENT_BODY_LIMIT }, async (request, reply) => {
    const started = performance.now();
    const body = readEventBody(request.body as Buffer);
    const result = body.ok ? await handleEvent(body.json, deps, request.id) : eventResult('bad-input', body.reason);
    const status = answer(result, performance.now() - started, request.log);
    return reply.code(status).send({ status: result.outcome, message: result.reason });
  });
};
