import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { isRelayError } from './inbound/errors.js';
import { statusOf } from './retry-contract.js';

/**
 * The one place errors become HTTP. The relay's own errors (PLUS_RELAY_*) carry their status from the
 * retry contract, and their message: a declared 5xx (a full body budget) is expected under load, said
 * plainly and logged as a warning. Fastify's own client errors (a body it cannot parse, too large) are
 * input that can never succeed: 'bad-input', never a status Mailgun would retry for hours. Anything else
 * is a bug: 500, details in the log, not in the answer.
 */
export function errorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const status = error.statusCode ?? statusOf('internal');
  if (status >= 500 && !isRelayError(error)) {
    request.log.error({ err: error }, 'request failed');
    void reply.code(status).send({ status: 'error', message: 'internal error; Mailgun will retry' });
    return;
  }
  const answer = isRelayError(error) ? status : statusOf('bad-input');
  request.log.warn({ code: error.code, status: answer, message: error.message }, 'request refused');
  void reply.code(answer).send({ status: answer >= 500 ? 'busy' : 'rejected', code: error.code, message: error.message });
}
