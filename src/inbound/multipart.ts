import type { FastifyRequest } from 'fastify';
import type {} from '@fastify/multipart';
import { addField, emptyForm, type RawForm } from './form.js';
import { isRelayError, MalformedPayload, PayloadTooLarge, RequestAborted, TooManyParts } from './errors.js';
import { safeFilename } from './filename.js';
import type { Reclaim } from './reclaim.js';
import type { Region } from './region.js';

export interface MultipartLimits {
  maxBytes: number;
  maxFields: number;
  maxFiles: number;
}

const LIMIT_CODES: Record<string, string> = {
  FST_PARTS_LIMIT: 'parts',
  FST_FILES_LIMIT: 'files',
  FST_FIELDS_LIMIT: 'fields',
};

/** Where one part's bytes landed in the region, and what it is. */
interface Span {
  field: string;
  /** Null for a text field. */
  file: { filename: string; contentType: string } | null;
  start: number;
  end: number;
}

/**
 * busboy's own rule for which parts are files (a filename, or an octet-stream type); the rest are text fields.
 * Both are read the same way, as bytes: only where they land in the form differs.
 */
function isFilePart(filename: string | undefined, contentType: string): boolean {
  return filename !== undefined || contentType === 'application/octet-stream';
}

function codeOf(err: unknown): string | undefined {
  const code = err instanceof Error ? (err as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : undefined;
}

/**
 * Reads a multipart form into bytes. Every part is taken as a file stream (busboy's `isPartAFile`), so its
 * bytes arrive exactly as sent: busboy decodes text fields by their declared charset (a `charset=utf-8`
 * part came back re-encoded as latin1, `€` lost), and @fastify/multipart parses `application/json` parts
 * into objects. Field and file counts are limited here, since busboy now sees only files. All parts go
 * into the request's one region (see region.ts): a 25 MB attachment costs its size once, not toBuffer()'s
 * chunks plus their concatenation.
 */
export async function readMultipart(request: FastifyRequest, limits: MultipartLimits, region: Region, reclaim: Reclaim): Promise<RawForm> {
  const spans: Span[] = [];
  let used = 0;
  let fields = 0;
  let files = 0;
  try {
    const parts = request.parts({
      isPartAFile: () => true,
      limits: {
        fieldNameSize: 256,
        fileSize: limits.maxBytes,
        files: limits.maxFields + limits.maxFiles,
        parts: limits.maxFields + limits.maxFiles,
        headerPairs: 200,
      },
    });
    for await (const part of parts) {
      if (part.type !== 'file') throw new MalformedPayload(`part ${part.fieldname} was not read as bytes`);
      const start = used;
      for await (const chunk of part.file as AsyncIterable<Buffer>) {
        chunk.copy(region.room(used, chunk.length), used);
        used += chunk.length;
        reclaim(chunk.length);
      }
      if (part.file.truncated) throw new PayloadTooLarge(limits.maxBytes);
      // busboy passes no filename at all (not an empty one) for a part without one; the types say string.
      const filename: string | undefined = part.filename;
      if (!isFilePart(filename, part.mimetype)) {
        if (++fields > limits.maxFields) throw new TooManyParts('fields');
        spans.push({ field: part.fieldname, file: null, start, end: used });
      } else {
        if (++files > limits.maxFiles) throw new TooManyParts('files');
        spans.push({ field: part.fieldname, file: { filename: safeFilename(filename, part.fieldname), contentType: part.mimetype }, start, end: used });
      }
    }
  } catch (err) {
    // Whatever busboy throws (truncated parts, bad boundaries: often without a code) is the
    // sender's malformed input, never a reason for Mailgun to retry.
    if (isRelayError(err)) throw err;
    const code = codeOf(err);
    if (code === 'FST_REQ_FILE_TOO_LARGE') throw new PayloadTooLarge(limits.maxBytes);
    if (code === 'FST_MP_PREMATURE_CLOSE' || request.raw.destroyed) throw new RequestAborted();
    const limit = code ? LIMIT_CODES[code] : undefined;
    if (limit) throw new TooManyParts(limit);
    throw new MalformedPayload(err instanceof Error ? err.message : String(err));
  }
  const bytes = region.room(used, 0);
  const form = emptyForm();
  for (const { field, file, start, end } of spans) {
    if (file) form.files.push({ field, ...file, data: bytes.subarray(start, end) });
    else addField(form, field, bytes.subarray(start, end));
  }
  return form;
}
