import type { FastifyRequest } from 'fastify';
import type {} from '@fastify/multipart';
import { addField, emptyForm, type RawForm } from './form.js';
import { MalformedPayload, PayloadTooLarge, TooManyParts } from './errors.js';
import { safeFilename } from './filename.js';
import { chunkReclaimer } from './reclaim.js';

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

/**
 * Reads every file of one request into a single region sized by its Content-Length (together they can
 * never be larger), each file a view into it: a 25 MB attachment costs its size once. @fastify/multipart's
 * toBuffer() holds every chunk and then concatenates them, twice the size at its peak. Without a
 * Content-Length, each file is collected and joined.
 */
function fileReader(declared: number) {
  const reclaim = chunkReclaimer();
  let region: Buffer | null = null;
  let used = 0;
  return async (file: AsyncIterable<Buffer>): Promise<Buffer> => {
    if (!Number.isFinite(declared)) {
      const chunks: Buffer[] = [];
      for await (const chunk of file) chunks.push(chunk);
      return Buffer.concat(chunks);
    }
    region ??= Buffer.allocUnsafe(declared);
    const start = used;
    for await (const chunk of file) {
      if (used + chunk.length > region.length) throw new MalformedPayload('multipart files longer than the request');
      chunk.copy(region, used);
      used += chunk.length;
      reclaim(chunk.length);
    }
    return region.subarray(start, used);
  };
}

function hasCode(err: unknown): err is Error & { code: string } {
  return err instanceof Error && typeof (err as { code?: unknown }).code === 'string';
}

/**
 * busboy's own rule for which parts are files (a filename, or an octet-stream type); the rest are text fields.
 * Both are read the same way, as bytes: only where they land in the form differs.
 */
function isFilePart(filename: string | undefined, contentType: string): boolean {
  return filename !== undefined || contentType === 'application/octet-stream';
}

/**
 * Reads a multipart form into bytes. Every part is taken as a file stream (busboy's `isPartAFile`), so its
 * bytes arrive exactly as sent: busboy decodes text fields by their declared charset (a `charset=utf-8`
 * part came back re-encoded as latin1, `€` lost), and @fastify/multipart parses `application/json` parts
 * into objects. Field and file counts are limited here, since busboy now sees only files.
 */
export async function readMultipart(request: FastifyRequest, limits: MultipartLimits): Promise<RawForm> {
  const declared = Number(request.headers['content-length'] ?? NaN);
  if (declared > limits.maxBytes) throw new PayloadTooLarge(limits.maxBytes);
  const form = emptyForm();
  let total = 0;
  const count = (bytes: number): void => {
    total += bytes;
    if (total > limits.maxBytes) throw new PayloadTooLarge(limits.maxBytes);
  };
  const readFile = fileReader(declared);
  let fields = 0;
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
      const data = await readFile(part.file);
      if (part.file.truncated) throw new PayloadTooLarge(limits.maxBytes);
      count(data.length);
      // busboy passes no filename at all (not an empty one) for a part without one; the types say string.
      const filename: string | undefined = part.filename;
      if (isFilePart(filename, part.mimetype)) {
        if (form.files.length === limits.maxFiles) throw new TooManyParts('files');
        form.files.push({ field: part.fieldname, filename: safeFilename(filename, part.fieldname), contentType: part.mimetype, data });
      } else {
        if (++fields > limits.maxFields) throw new TooManyParts('fields');
        addField(form, part.fieldname, data);
      }
    }
  } catch (err) {
    // Whatever busboy throws (truncated parts, bad boundaries: often without a code) is the
    // sender's malformed input, never a reason for Mailgun to retry.
    if (hasCode(err) && err.code.startsWith('PLUS_RELAY_')) throw err;
    if (hasCode(err) && err.code === 'FST_REQ_FILE_TOO_LARGE') throw new PayloadTooLarge(limits.maxBytes);
    const limit = hasCode(err) ? LIMIT_CODES[err.code] : undefined;
    if (limit) throw new TooManyParts(limit);
    throw new MalformedPayload(err instanceof Error ? err.message : String(err));
  }
  return form;
}
