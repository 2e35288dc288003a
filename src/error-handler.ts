import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { statusOf } from './retry-contract.js';

/**
 * The one place errors become HTTP. The relay's own errors (PLUS_RELAY_*) carry their status from the
 * retry contract. Fastify's own client errors (a body it cannot parse, an unknown content type, too
 * large) are input that can never succeed: 'bad-input', never a status Mailgun would retry for hours.
 * Anything else is a bug: 500, details in the log, not in the answer.
 */
export function errorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const status = error.statusCode ?? statusOf('internal');
  if (status >= 500) {
    request.log.error({ err: error }, 'request failed');
    void reply.code(status).send({ status: 'error', message: 'internal error; Mailgun will retry' });
    return;
  }
  const ours = typeof error.code === 'string' && error.code.startsWith('PLUS_RELAY_');
  const answer = ours ? status : statusOf('bad-input');
  request.log.warn({ code: error.code, status: answer, message: error.message }, 'request refused');
  void reply.code(answer).send({ status: 'rejected', code: error.code, message: error.message });
}
