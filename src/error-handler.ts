import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';

/**
 * The one place errors become HTTP. Client errors keep their status but are normalised for
 * Mailgun: a body Fastify cannot parse (unknown content type, too large, malformed) can never
 * succeed, so it is a 406, never a 5xx. 5xx details stay in the log, not in the answer.
 */
export function errorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const status = error.statusCode ?? 500;
  if (status >= 500) {
    request.log.error({ err: error }, 'request failed');
    void reply.code(status).send({ status: 'error', message: 'internal error; Mailgun will retry' });
    return;
  }
  const refused = status === 413 || status === 415 || status === 400 || status === 406;
  request.log.warn({ code: error.code, status: refused ? 406 : status, message: error.message }, 'request refused');
  void reply.code(refused ? 406 : status).send({ status: 'rejected', code: error.code, message: error.message });
}
