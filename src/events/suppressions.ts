import Mailgun from 'mailgun.js';
import FormData from 'form-data';

/** One entry of the sending domain's bounce list: why Mailgun stopped sending to the address. */
export interface StoredBounce {
  address: string;
  code: number | null;
  /** The refusal text Mailgun stored, e.g. `550 5.7.26 This mail has been blocked …`. */
  error: string;
  createdAt: string;
}

/** The part of Mailgun's suppressions API the relay uses, on its sending domain; a test passes its own. */
export interface Suppressions {
  /** null when the address is not on the bounce list. */
  getBounce(address: string): Promise<StoredBounce | null>;
  deleteBounce(address: string): Promise<void>;
}

export interface MailgunSuppressionsOptions {
  apiKey: string;
  url: string;
  domain: string;
  timeoutMs: number;
}

const status = (err: unknown): unknown => (err && typeof err === 'object' ? (err as { status?: unknown }).status : undefined);

/** Suppressions through mailgun.js (`GET` / `DELETE /v3/<domain>/bounces/<address>`). */
export function mailgunSuppressions(options: MailgunSuppressionsOptions): Suppressions {
  const client = new Mailgun(FormData).client({ username: 'api', key: options.apiKey, url: options.url, timeout: options.timeoutMs });
  return {
    async getBounce(address) {
      try {
        const found = await client.suppressions.get(options.domain, 'bounces', address);
        const { code, error, created_at } = found as { code?: unknown; error?: unknown; created_at?: unknown };
        return {
          address,
          code: typeof code === 'number' && Number.isInteger(code) ? code : null,
          error: typeof error === 'string' ? error : '',
          createdAt: created_at instanceof Date && !Number.isNaN(created_at.getTime()) ? created_at.toISOString() : '',
        };
      } catch (err) {
        if (status(err) === 404) return null;
        throw err;
      }
    },
    async deleteBounce(address) {
      try {
        await client.suppressions.destroy(options.domain, 'bounces', address);
      } catch (err) {
        // Gone already (removed by hand, or by another instance): what we wanted.
        if (status(err) !== 404) throw err;
      }
    },
  };
}
