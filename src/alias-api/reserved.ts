/**
 * Local parts the alias API never hands out, whatever the rules say: the role mailboxes that RFC 2142 and mail
 * providers reserve (certificate authorities send domain validation to admin@, administrator@, hostmaster@,
 * postmaster@ and webmaster@; abuse reports go to abuse@; bounces come from mailer-daemon@), and the ones that read
 * as the domain's own. Whoever holds a token must not get the mail a domain's owner receives in that role.
 */
export const RESERVED_LOCAL_PARTS: ReadonlySet<string> = new Set([
  'postmaster',
  'abuse',
  'hostmaster',
  'webmaster',
  'security',
  'noc',
  'admin',
  'administrator',
  'root',
  'mailer-daemon',
  'noreply',
  'no-reply',
]);
