import createError, { type FastifyErrorConstructor } from '@fastify/error';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { RESEND_OUTCOMES, type ResendOutcome } from '../resend/outcomes.js';
import { resendFailure, type ResendDeps } from '../resend/resend.js';
import { FAILURE_ID } from '../store/failures.js';
import { AdminBadInput } from './errors.js';
import { isFormPost } from './routes.js';
import { ADMIN_SCHEMAS } from './schemas.js';

// One error per outcome, its status from RESEND_OUTCOMES: the admin plugin's handler answers JSON or a page.
const ERRORS = Object.fromEntries(
  Object.entries(RESEND_OUTCOMES).map(([outcome, { status }]) => [outcome, createError<[string]>(`PLUS_RELAY_RESEND_${outcome.toUpperCase().replace(/-/g, '_')}`, '%s', status)]),
) as Record<ResendOutcome, FastifyErrorConstructor<{ code: string }, [string]>>;

/**
 * POST /admin/failures/<id>/resend: a failed forward's stored message sent again to its target (resend/), for
 * the CLI (`plus-relay resend <id>`, Bearer) and the page's Resend button (a form with the csrf token).
 */
export function resendRoute(app: FastifyInstance, deps: ResendDeps): void {
  app.post('/failures/:id/resend', { schema: ADMIN_SCHEMAS.resend }, async (request: FastifyRequest, reply) => {
    const id = (request.params as { id: string }).id.trim().toLowerCase();
    if (!FAILURE_ID.test(id)) throw new AdminBadInput('a failure id is 12 hex characters, as plus-relay doctor and the admin page show it');
    const result = await resendFailure(id, deps, request.id);
    const { outcome, message, failure, resentAt, sendId } = result;
    request.log.info({ failure: id, alias: failure?.alias, target: failure?.target, outcome }, 'resend');
    if (outcome !== 'resent') throw new ERRORS[outcome](message);
    if (isFormPost(request)) return reply.redirect(`/admin?done=resend&address=${encodeURIComponent(failure?.alias ?? '')}`, 303);
    return { status: outcome, message, failure, resentAt: resentAt === null ? null : new Date(resentAt).toISOString(), mailgunId: sendId };
  });
}
