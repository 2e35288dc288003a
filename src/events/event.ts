import { ALIAS_VARIABLE } from '../forward/types.js';
import type { SignatureBlock } from '../inbound/signature.js';
import { parseAddress } from '../rules/address.js';
import type { FailureSeverity } from '../store/types.js';
import type { SmtpStatus } from './bounce-code.js';

/** A webhook post as Mailgun sends it: `{"signature": {timestamp, token, signature}, "event-data": {...}}`. */
export interface EventPost {
  signature: Partial<SignatureBlock>;
  /** `event-data`, or null when it is missing or not an object (only worth saying once the signature holds). */
  data: Record<string, unknown> | null;
}

/** A `failed` event, reduced to what the relay records and acts on; every string bounded. */
export interface FailedEvent {
  /** `user-variables.plus-relay-alias`: set on every forward; null for a send the relay did not make. */
  alias: string | null;
  /** `recipient`: the target the forward went to. */
  target: string | null;
  /** Anything but `permanent` is a failure Mailgun may still retry. */
  severity: FailureSeverity;
  /** Mailgun's `reason` (`bounce`, `suppress-bounce`, `old`, …). */
  reason: string;
  status: SmtpStatus & { message: string };
  /** Mailgun's event id and the forward's Message-Id, for the log line. */
  id: string | null;
  messageId: string | null;
  /** `storage.url`: where Mailgun keeps the message, for a resend. Unchecked here: resend/ decides whom to trust. */
  storageUrl: string | null;
}

// A sender's server writes the refusal text: one line, and short enough for a log line and a store row.
const MAX_TEXT = 300;
const MAX_REASON = 64;
// Mailgun's are about 150 characters; anything far longer is not one.
const MAX_URL = 1000;

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const text = (v: unknown, max: number): string => (typeof v === 'string' ? v.replace(/[\r\n\t]+/g, ' ').trim().slice(0, max) : '');
// Mailgun sends the timestamp as a string; a number is read the same way rather than refused.
const field = (v: unknown): string | undefined => (typeof v === 'string' ? v : typeof v === 'number' && Number.isInteger(v) ? String(v) : undefined);

/** The outer shape; null when the body is not a JSON object (a body that can never be read). */
export function readEventPost(body: unknown): EventPost | null {
  if (!isObject(body)) return null;
  const block = isObject(body.signature) ? body.signature : {};
  const signature: Partial<SignatureBlock> = {};
  for (const name of ['timestamp', 'token', 'signature'] as const) {
    const value = field(block[name]);
    if (value !== undefined) signature[name] = value;
  }
  const data = body['event-data'];
  return { signature, data: isObject(data) ? data : null };
}

function address(v: unknown): string | null {
  const parsed = typeof v === 'string' ? parseAddress(v) : null;
  return parsed ? `${parsed.local}@${parsed.domain}` : null;
}

function smtpCode(v: unknown): number | null {
  const n = typeof v === 'string' && /^\d{1,3}$/.test(v.trim()) ? Number(v) : v;
  return typeof n === 'number' && Number.isInteger(n) && n >= 0 && n < 1000 ? n : null;
}

/** The failure in `event-data`, or null for any other event (delivered, opened, …). */
export function readFailedEvent(data: Json): FailedEvent | null {
  if (data.event !== 'failed') return null;
  const status = isObject(data['delivery-status']) ? data['delivery-status'] : {};
  const variables = isObject(data['user-variables']) ? data['user-variables'] : {};
  const headers = isObject(data.message) && isObject(data.message.headers) ? data.message.headers : {};
  return {
    alias: address(variables[ALIAS_VARIABLE]),
    target: address(data.recipient),
    severity: data.severity === 'permanent' ? 'permanent' : 'temporary',
    reason: text(data.reason, MAX_REASON) || 'unknown',
    status: {
      code: smtpCode(status.code),
      enhanced: text(status['enhanced-code'], 16) || null,
      message: text(status.message, MAX_TEXT) || text(status.description, MAX_TEXT),
    },
    id: text(data.id, 100) || null,
    messageId: text(headers['message-id'], 200) || null,
    storageUrl: isObject(data.storage) && typeof data.storage.url === 'string' && data.storage.url.length <= MAX_URL ? data.storage.url : null,
  };
}
