import { UpstreamRefused, UpstreamUnavailable } from './types.js';

// Statuses after which the same request can never succeed. 401/403/404 are not here: they mean
// a wrong key or domain, which the operator fixes while Mailgun keeps retrying.
const PERMANENT = new Set([400, 413, 422]);

function field(err: unknown, name: string): unknown {
  return err && typeof err === 'object' ? (err as Record<string, unknown>)[name] : undefined;
}

/**
 * Turns whatever mailgun.js threw into one of our two errors. mailgun.js reports network
 * failures and timeouts as status 400 with an `E…` code or a timeout text as the message:
 * those are transient, not the API refusing the message.
 */
export function classifySendError(err: unknown): InstanceType<typeof UpstreamRefused> | InstanceType<typeof UpstreamUnavailable> {
  if (err instanceof UpstreamRefused || err instanceof UpstreamUnavailable) return err;
  const status = field(err, 'status');
  const message = String(field(err, 'message') ?? err);
  const details = String(field(err, 'details') ?? '');
  const network = /^E[A-Z_]+\b|timeout|socket hang up|network/i.test(message);
  const summary = `${typeof status === 'number' ? status : 'no status'} ${message}${details ? `: ${details}` : ''}`.slice(0, 300);
  if (typeof status === 'number' && PERMANENT.has(status) && !network) return new UpstreamRefused(summary);
  return new UpstreamUnavailable(summary);
}
