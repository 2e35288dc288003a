// SMTP credentials per domain, with the shapes mailgun.js unwraps: domainCredentials.list → body.items and
// body.total_count, create/update → body.message. Passwords are limited to 5–32 characters, as the real API does; a
// login without `@` gets the domain appended; creating a login that exists is refused.
import { first } from './form.js';
import type { ApiReply, ApiRequest, Credential } from './types.js';

export function listCredentials(credentials: Credential[], domain: string, query: Record<string, string | undefined>): ApiReply {
  const skip = Number(query.skip ?? 0);
  const limit = Number(query.limit ?? 100);
  const items = credentials
    .filter((c) => c.domain === domain)
    .map((c) => ({ created_at: c.created_at, login: c.login, mailbox: c.login, size_bytes: null }));
  return { status: 200, body: { total_count: items.length, items: items.slice(skip, skip + limit) } };
}

export function createCredential(credentials: Credential[], req: ApiRequest): ApiReply {
  const domain = req.domain ?? '';
  const given = first(req.form, 'login');
  if (!given) return { status: 400, body: { message: "'login' parameter is missing" } };
  const login = (given.includes('@') ? given : `${given}@${domain}`).toLowerCase();
  if (!login.endsWith(`@${domain}`)) return { status: 400, body: { message: `Login must be an address on ${domain}` } };
  const problem = passwordProblem(first(req.form, 'password'));
  if (problem) return { status: 400, body: { message: problem } };
  if (find(credentials, domain, login)) return { status: 400, body: { message: `Credentials for ${login} already exist` } };
  credentials.push({ domain, login, password: first(req.form, 'password') ?? '', created_at: new Date().toUTCString() });
  return { status: 200, body: { message: 'Created 1 credentials pair(s)' } };
}

export function updateCredential(credentials: Credential[], req: ApiRequest, login: string): ApiReply {
  const credential = find(credentials, req.domain ?? '', login.toLowerCase());
  if (!credential) return { status: 404, body: { message: 'Credentials not found' } };
  const problem = passwordProblem(first(req.form, 'password'));
  if (problem) return { status: 400, body: { message: problem } };
  credential.password = first(req.form, 'password') ?? '';
  return { status: 200, body: { message: 'Password changed' } };
}

function find(credentials: Credential[], domain: string, login: string): Credential | undefined {
  return credentials.find((c) => c.domain === domain && c.login === login);
}

function passwordProblem(password: string | undefined): string | null {
  if (password === undefined) return "'password' parameter is missing";
  if (password.length < 5 || password.length > 32) return 'Password length must be between 5 and 32 characters';
  return null;
}
