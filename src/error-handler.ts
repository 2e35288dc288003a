import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { isRelayError } from './inbound/errors.js';

/**
 * The one place errors become HTTP. Client errors keep their status but are normalised for
 * Mailgun: a body that cannot be parsed (too large, malformed) can never succeed, so it is a 406,
 * never a 5xx. A content type other than the two forms stays 415: Mailgun never sends one.
 * 5xx details stay in the log, not in the answer, except for the relay's own declared refusals
 * (a full body budget): those are expected under load, said plainly and logged as warnings.
 */
export function errorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const status = error.statusCode ?? 500;
  if (status >= 500 && !isRelayError(error)) {
    request.log.error({ err: error }, 'request failed');
    void reply.code(status).send({ status: 'error', message: 'internal error; Mailgun will retry' });
    return;
  }
  const refused = status === 413 || status === 400 || status === 406;
  const answer = refused ? 406 : status;
  request.log.warn({ code: error.code, status: answer, message: error.message }, 'request refused');
  void reply.code(answer).send({ status: answer >= 500 ? 'busy' : 'rejected', code: error.code, message: error.message });
}
