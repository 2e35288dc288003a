// Builders for what Mailgun POSTs to the relay's forward() URLs, from the facts in /work/shared/MAILGUN.md:
// signatures, parsed-mode fields, raw MIME (CRLF/LF, 8-bit non-UTF-8 bodies, attachments), the four body
// encodings, DKIM-signed MIME with a DNS stand-in, and event webhook posts. Each part lives in ./fixtures/.
export { sign, freshSignatureBlock, type SignatureBlock } from './fixtures/signature.js';
export {
  parsedUrlencoded,
  parsedMultipart,
  rawUrlencoded,
  rawMultipart,
  multipartOf,
  formEncodeBytes,
  type FormFields,
  type FilePart,
  type PartSpec,
  type Payload,
} from './fixtures/encode.js';
export {
  sampleMessage,
  parsedPayload,
  rawModeFields,
  type FieldPair,
  type SampleMessage,
  type SampleMessageOptions,
} from './fixtures/sample-message.js';
export { failedEvent, deliveredEvent, eventPost, DMARC_REFUSAL, MISSING_MAILBOX, SUPPRESSED, GREYLISTED, type DeliveryStatus, type FailedEventOptions } from './fixtures/events.js';
export { sampleMime, LATIN1_TEXT, type SampleMimeOptions } from './fixtures/sample-mime.js';
export { dkimSignedMime, verifyDkim, fakeResolver, type DkimSignedMime, type DkimStatus, type DkimVerdict, type FakeResolver } from './fixtures/dkim.js';
