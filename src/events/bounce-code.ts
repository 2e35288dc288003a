/**
 * What a refusal says about the target, from its SMTP code and text. A missing mailbox will refuse every
 * later forward too, so Mailgun's bounce is right and stays; a policy refusal (DMARC, spam, reputation:
 * 5.7.x) is about one message, and must not cut the owner off from their own mailbox for good.
 */
export type BounceKind = 'missing-mailbox' | 'policy' | 'other';

export interface SmtpStatus {
  code: number | null;
  /** An RFC 3463 enhanced code such as `5.7.26`, when the event names one. */
  enhanced?: string | null;
  message: string;
}

const ENHANCED = /\b([245])\.(\d{1,3})\.(\d{1,3})\b/;
// Servers that give no enhanced code still say it in words (Mailgun stores the server's text as the bounce's `error`).
const NO_MAILBOX = /does not exist|no such user|user unknown|unknown user|mailbox not found|no mailbox/i;

export function bounceKind(status: SmtpStatus): BounceKind {
  const enhanced = ENHANCED.exec(status.enhanced ?? '') ?? ENHANCED.exec(status.message);
  if (enhanced?.[1] === '5' && enhanced[2] === '1') return 'missing-mailbox';
  if (enhanced?.[1] === '5' && enhanced[2] === '7') return 'policy';
  const permanent = status.code === null || (status.code >= 500 && status.code < 600);
  if (!enhanced && permanent && NO_MAILBOX.test(status.message)) return 'missing-mailbox';
  return 'other';
}
