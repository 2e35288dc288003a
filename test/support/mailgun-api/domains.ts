// The account's domains (Domains API) and their tracking settings, with the response shapes mailgun.js unwraps:
// domains.list → body.items (mailgun.js 14 asks /v4/domains; /v3/domains answers the same list),
// domains.domainTracking.getTracking → body.tracking.
import { paged } from './list.js';
import type { ApiReply, TrackingSettings } from './types.js';

/** One domain as the listing shows it; only `name` varies, the rest is what a verified custom domain looks like. */
function listed(name: string, index: number) {
  return {
    id: `6${String(index).padStart(23, '0')}`,
    name,
    state: 'active',
    type: 'custom',
    created_at: 'Mon, 01 Jan 2024 00:00:00 GMT',
    is_disabled: false,
    require_tls: false,
    skip_verification: false,
    spam_action: 'disabled',
    wildcard: false,
    web_prefix: 'email',
    web_scheme: 'https',
    smtp_login: `postmaster@${name}`,
    use_automatic_sender_security: true,
  };
}

export function listDomains(names: readonly string[], query: Record<string, string | undefined>): ApiReply {
  return paged(names.map(listed), query);
}

export function getTracking(tracking: TrackingSettings): ApiReply {
  return { status: 200, body: { tracking } };
}

export function defaultTracking(): TrackingSettings {
  return {
    click: { active: false },
    open: { active: false },
    unsubscribe: {
      active: false,
      html_footer: '\n<br>\n<p><a href="%unsubscribe_url%">unsubscribe</a></p>\n',
      text_footer: '\n\nTo unsubscribe click: <%unsubscribe_url%>\n\n',
    },
  };
}
