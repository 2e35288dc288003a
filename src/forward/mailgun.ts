import Mailgun from 'mailgun.js';
import FormData from 'form-data';
import { RELAY_HEADER } from '../mail/header-view.js';
import { ALIAS_VARIABLE, type Outbound, type SendResult, type Transport } from './types.js';
import { classifySendError } from './classify.js';

export interface MailgunTransportOptions {
  apiKey: string;
  url: string;
  domain: string;
  timeoutMs: number;
}

// On the .mime path mailgun.js drops falsy values and does not convert booleans: strings only.
// Tracking off keeps Mailgun from rewriting links and adding pixels, which would break the
// sender's DKIM body hash and leak the reader to a tracker.
const NO_TRACKING = { 'o:tracking': 'no', 'o:tracking-clicks': 'no', 'o:tracking-opens': 'no' } as const;

function files(parts: Outbound & { kind: 'parsed' }, which: 'attachments' | 'inline') {
  return parts[which].map((a) => ({ data: a.data, filename: which === 'inline' && a.contentId ? a.contentId : a.filename, contentType: a.contentType }));
}

// The Messages API needs a text or an html part (mailgun.js types say the same).
function content(message: Outbound & { kind: 'parsed' }): { text: string; html?: string } | { html: string } {
  if (message.text) return message.html ? { text: message.text, html: message.html } : { text: message.text };
  return { html: message.html ?? ' ' };
}

export function createMailgunTransport(options: MailgunTransportOptions): Transport {
  const client = new Mailgun(FormData).client({ username: 'api', key: options.apiKey, url: options.url, timeout: options.timeoutMs });
  return {
    name: 'mailgun',
    async send(message: Outbound): Promise<SendResult> {
      // Mailgun adds h: headers to the message; one the sender's DKIM does not sign leaves it valid. Besides our loop
      // mark, the two Google's guidelines ask forwarders for: where it goes, and for whom (the alias, then the target).
      // The v: variable is not part of the message at all: Mailgun hands it back in the events about this send.
      const forwarding = {
        'h:X-Forwarded-To': message.to,
        'h:X-Forwarded-For': message.alias ? `${message.alias} ${message.to}` : message.to,
      };
      const mark = {
        [`h:${RELAY_HEADER}`]: message.relayId,
        ...(message.kind === 'mime' && message.reply ? {} : forwarding),
        [`v:${ALIAS_VARIABLE}`]: message.alias,
      };
      try {
        const result =
          message.kind === 'mime'
            ? await client.messages.create(options.domain, { to: [message.to], message: message.mime, ...mark, ...NO_TRACKING })
            : await client.messages.create(options.domain, {
                from: message.from,
                to: [message.to],
                subject: message.subject,
                ...content(message),
                ...(message.replyTo ? { 'h:Reply-To': message.replyTo } : {}),
                ...(message.attachments.length ? { attachment: files(message, 'attachments') } : {}),
                ...(message.inline.length ? { inline: files(message, 'inline') } : {}),
                ...mark,
                ...NO_TRACKING,
              });
        return { id: result.id ?? '' };
      } catch (err) {
        throw classifySendError(err);
      }
    },
  };
}
