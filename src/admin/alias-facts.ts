import type { AliasFactsSource } from './listing.js';
import { failureId } from '../store/failures.js';
import type { FailureLog } from '../store/types.js';

/**
 * The alias inventory's view of Mailgun's failure events: per alias, how many forwards failed and the last
 * failure (reason, severity, code, message, target, when; its id, whether Mailgun stored its message, when it
 * was resent: the page's Resend button). Every listed alias gets both fields, zero and
 * null when nothing failed, so a reader never has to tell "no failures" from "not asked".
 */
export function failureFacts(failures: FailureLog): AliasFactsSource {
  return async (addresses) => {
    const summary = await failures.summary(addresses);
    return new Map(
      addresses.map((address) => {
        const found = summary.get(address);
        const last = found?.last;
        const resentAt = found?.resentAt ?? null;
        return [
          address,
          {
            failed: found?.failed ?? 0,
            lastFailure: last
              ? {
                  id: failureId(last),
                  reason: last.reason,
                  severity: last.severity,
                  code: last.code,
                  message: last.message,
                  target: last.target,
                  at: new Date(last.at).toISOString(),
                  stored: last.storageUrl !== null,
                  resent: resentAt === null ? null : new Date(resentAt).toISOString(),
                }
              : null,
          },
        ];
      }),
    );
  };
}
