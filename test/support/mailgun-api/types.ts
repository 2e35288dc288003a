// Data shapes shared by the Mailgun API stand-in's parts. Everything a test asserts on is plain data.
import type { ApiFile, ApiForm } from './form.js';

export type { ApiFile, ApiForm };

/** One request as the stand-in saw it, after its body was read; what fault predicates look at. */
export interface ApiRequest {
  method: string;
  /** Path without the query string, e.g. `/v3/mg.example.com/messages.mime`. */
  path: string;
  /** The `:domain` of `/v3/:domain/...` and `/v3/domains/:domain/...`, else null. */
  domain: string | null;
  /** The Accept header (message storage answers the raw MIME only for `message/rfc2822`). */
  accept: string | null;
  form: ApiForm;
}

/** A message in Mailgun's storage, served at `/v3/domains/<domain>/messages/<key>`. */
export interface StoredMessage {
  domain: string;
  key: string;
  mime: Buffer;
}

/** What the handler answers; `body` is sent as JSON unless it is a string (then text/plain). */
export interface ApiReply {
  status: number;
  body: unknown;
}

/** A message accepted by `/v3/:domain/messages` ('parsed') or `/v3/:domain/messages.mime` ('mime'). */
export interface SentMessage {
  /** The id answered to the client, `<YYYYMMDDhhmmss.N.HEX@domain>`. */
  id: string;
  domain: string;
  endpoint: 'mime' | 'parsed';
  /** The `to` values exactly as posted (repeated fields in order; a value may itself hold a comma list). */
  to: string[];
  /** All text fields, multi-valued kept: `from`, `subject`, `text`, `h:*`, `o:*`, `v:*`, ... */
  fields: Record<string, string[]>;
  /** All file parts: `attachment`, `inline`, and for 'mime' the `message` part. */
  files: ApiFile[];
  /** The raw message for 'mime' (the `message` file part, or a `message` text field as UTF-8); null for 'parsed'. */
  mime: Buffer | null;
}

/** A route as Mailgun's Routes API returns it (the shape mailgun.js types as `Route`). */
export interface Route {
  id: string;
  priority: number;
  description: string;
  expression: string;
  actions: string[];
  created_at: string;
}

/** One SMTP credential, as stored (the stand-in keeps the password so tests can check what was set). */
export interface Credential {
  domain: string;
  /** A full address on `domain`, lowercase. */
  login: string;
  password: string;
  created_at: string;
}

export interface TrackingSettings {
  click: { active: boolean | 'htmlonly' };
  open: { active: boolean };
  unsubscribe: { active: boolean; html_footer: string; text_footer: string };
}

/** Domain → webhook id (`permanent_fail`, …) → its URLs. */
export type Webhooks = Record<string, Record<string, string[]>>;

export type SuppressionListName = 'bounces' | 'complaints' | 'unsubscribes';

/** One address on a sending domain's suppression list; `code` and `error` only on bounces (code as the API sends it, a string). */
export interface Suppression {
  domain: string;
  list: SuppressionListName;
  address: string;
  code?: string;
  error?: string;
  created_at: string;
}

/**
 * A misbehaviour to inject instead of the normal answer. The body has always been read first, so the client sees
 * the fault only after it finished uploading (as with the real API).
 * - status: answer this status; `body` string → text/plain, object → JSON, default `{message: <reason phrase>}`.
 *   Nothing is recorded.
 * - delay: handle normally (a send IS recorded, like a slow API that did accept it), answer `ms` later.
 * - hang: never answer; destroy the socket after `ms` (default: when the stand-in closes). Nothing is recorded.
 * - reset: send a TCP RST at once (mailgun.js: status 400, message 'ECONNRESET', details 'read ECONNRESET').
 *   Nothing is recorded.
 */
export type Fault =
  | { kind: 'status'; status: number; body?: unknown }
  | { kind: 'delay'; ms: number }
  | { kind: 'hang'; ms?: number }
  | { kind: 'reset' };

/** One line of the request log: what came in and how it was answered. */
export interface ApiCall {
  method: string;
  path: string;
  domain: string | null;
  outcome: number | 'hang' | 'reset';
}
