import type { FastifyReply, FastifyRequest } from 'fastify';
import type { RawForm } from './form.js';
import type { BodyBudget } from './budget.js';
import { bodyRegion } from './region.js';
import { chunkReclaimer } from './reclaim.js';
import { readMultipart, type MultipartLimits } from './multipart.js';
import { readUrlencoded } from './urlencoded.js';
import { PayloadTooLarge } from './errors.js';

export type FormKind = 'urlencoded' | 'multipart';

/** Which of the two forms Mailgun posts a Content-Type names, or null for anything else. */
export function formKind(contentType: string | undefined): FormKind | null {
  const type = (contentType ?? '').split(';', 1)[0]?.trim().toLowerCase();
  if (type === 'application/x-www-form-urlencoded') return 'urlencoded';
  if (type === 'multipart/form-data') return 'multipart';
  return null;
}

/**
 * Reads the posted form as bytes, within the body budget. A body declared over MAX_BODY_BYTES is refused
 * for good (406) and one the budget cannot take now gets 503 (Mailgun retries), both before a byte of it
 * is read; a body without a Content-Length reserves as it arrives.
 */
export async function readForm(request: FastifyRequest, reply: FastifyReply, budget: BodyBudget, limits: MultipartLimits): Promise<RawForm> {
  const declared = Number(request.headers['content-length'] ?? NaN);
  if (declared > limits.maxBytes) throw new PayloadTooLarge(limits.maxBytes);
  const allowance = budget.open(Number.isFinite(declared) ? declared : 0, reply.raw);
  const region = bodyRegion(declared, limits.maxBytes, allowance);
  const reclaim = chunkReclaimer(declared);
  try {
    if (formKind(request.headers['content-type']) === 'multipart') return await readMultipart(request, limits, region, reclaim);
    return await readUrlencoded(request.raw, limits, region, reclaim);
  } catch (err) {
    // Refused mid-body: let Node read and drop the rest (never held) so the answer arrives and the
    // connection ends normally. Left paused, nobody would notice its client leave until the request timeout.
    request.raw.resume();
    throw err;
  }
}
