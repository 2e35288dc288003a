import type { RawForm } from './form.js';
import { FieldTooLarge } from './errors.js';

const KiB = 1024;
const MiB = 1024 * KiB;

/**
 * Caps on the fields read beside the message body (which only MAX_BODY_BYTES bounds). Real values are far
 * smaller: a header block is tens of KiB, an address a few hundred bytes. The caps bound what the JSON and
 * header parsing of a signed post can cost; over a cap the post is refused for good (406), never retried.
 */
export const FIELD_CAPS: Readonly<Record<string, number>> = {
  'message-headers': 4 * MiB,
  'content-id-map': 1 * MiB,
  recipient: 4 * KiB,
  sender: 4 * KiB,
  from: 64 * KiB,
  subject: 64 * KiB,
};

export function checkFieldCaps(form: RawForm): void {
  for (const [name, cap] of Object.entries(FIELD_CAPS)) {
    for (const value of form.fields.get(name) ?? []) if (value.length > cap) throw new FieldTooLarge(name, cap);
  }
}
