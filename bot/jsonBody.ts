/**
 * The only request-body reader on this server: JSON, with a byte cap that holds.
 *
 * - A body is read only for POST, PUT and PATCH; anything non-empty must be
 *   `application/json` (or `application/*+json`), otherwise 415. Multipart,
 *   form-encoded and text bodies are never parsed, so nothing is ever written
 *   to the temp folder.
 * - Content-Encoding: identity, gzip or deflate (anything else: 415). Inflated
 *   bytes count against the same cap as raw bytes: inflation stops at the cap
 *   and the request is refused with 413, so a gzip bomb costs at most one cap.
 * - Malformed JSON: 400. A declared Content-Length over the cap: 413 without
 *   reading anything.
 */
import zlib from 'node:zlib';
import type { Readable } from 'node:stream';
import type restify from 'restify';

export const DEFAULT_MAX_BODY_BYTES = 256 * 1024;

export class BodyError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
    this.name = 'BodyError';
  }
}

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json$/i;

/** Whether the request declares a body at all (a length above zero, or chunked transfer). */
function hasBody(req: restify.Request): boolean {
  const length = req.headers['content-length'];
  if (length !== undefined) return Number(length) > 0;
  return req.headers['transfer-encoding'] !== undefined;
}

/** Reads the whole stream, up to `limit` bytes; stops (and rejects) as soon as more arrives. */
function readCapped(stream: Readable, limit: number, tooLarge: () => BodyError): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (error?: Error): void => {
      if (done) return;
      done = true;
      stream.removeListener('data', onData);
      if (error) reject(error); else resolve(Buffer.concat(chunks, size));
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        finish(tooLarge());
        stream.pause();
        return;
      }
      chunks.push(chunk);
    };
    stream.on('data', onData);
    stream.once('end', () => finish());
    stream.once('error', (error) => finish(error));
    // Every request closes; only one that closes before its end is an error (built then, not on every request).
    stream.once('close', () => { if (!done) finish(new BodyError(400, 'bad_body', 'The request body ended early.')); });
  });
}

/** The parsed JSON body of a request (undefined when there is none), or a BodyError. */
export async function readJsonBody(req: restify.Request, limit = DEFAULT_MAX_BODY_BYTES): Promise<unknown> {
  if (!hasBody(req)) return undefined;
  const type = String(req.headers['content-type'] ?? '').split(';')[0]!.trim();
  if (!JSON_TYPE.test(type)) throw new BodyError(415, 'unsupported_media_type', 'Send the body as application/json.');
  const encoding = String(req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  if (!['identity', 'gzip', 'x-gzip', 'deflate'].includes(encoding)) {
    throw new BodyError(415, 'unsupported_encoding', 'Content-Encoding must be identity, gzip or deflate.');
  }
  const declared = Number(req.headers['content-length'] ?? 0);
  const tooLarge = (): BodyError => new BodyError(413, 'too_large', `The request body is over ${limit} bytes.`);
  if (declared > limit) throw tooLarge();

  let raw: Buffer;
  if (encoding === 'identity') {
    raw = await readCapped(req, limit, tooLarge);
  } else {
    // The inflater's output is capped, not its input: a small bomb stops after `limit` inflated bytes.
    const inflater = encoding === 'deflate' ? zlib.createInflate() : zlib.createGunzip();
    req.pipe(inflater);
    try {
      raw = await readCapped(inflater, limit, tooLarge);
    } catch (error) {
      if (error instanceof BodyError) throw error;
      throw new BodyError(400, 'bad_encoding', 'The body is not valid for its Content-Encoding.');
    } finally {
      req.unpipe(inflater);
      inflater.destroy();
    }
  }
  if (raw.length === 0) return undefined;
  try {
    return JSON.parse(raw.toString('utf8')) as unknown;
  } catch {
    throw new BodyError(400, 'bad_json', 'The body is not valid JSON.');
  }
}

/** How long a refused request's unread body is waited for before the answer goes out anyway. */
const DISCARD_WAIT_MS = 5_000;

/**
 * Calls `answer` once the rest of a refused request's body is read and thrown away, or at once when
 * more than `limit` further bytes arrive or the client stalls. Why: a server that answers and closes
 * while the client is still sending makes many clients (Node 24's fetch among them) fail with EPIPE
 * instead of showing the 415 or 400; reading at most one cap more is cheap and nothing is kept.
 */
function discardThen(req: restify.Request, limit: number, answer: () => void): void {
  if (req.readableEnded || req.destroyed) return answer();
  let size = 0;
  let done = false;
  const finish = (): void => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    req.removeListener('data', onData);
    answer();
  };
  const onData = (chunk: Buffer): void => {
    size += chunk.length;
    if (size > limit) finish();
  };
  const timer = setTimeout(finish, DISCARD_WAIT_MS);
  req.on('data', onData);
  req.once('end', finish);
  req.once('close', finish);
  req.once('error', finish);
  req.resume();
}

/**
 * restify middleware: sets `req.body` for POST, PUT and PATCH (where `shouldRead`); answers 413, 415
 * or 400 itself, and closes the connection. A body declared over the cap is not read at all; any
 * other refused body is read to its end (at most one cap more) and dropped, so the client sees the answer.
 */
export function jsonBodyParser(limit = DEFAULT_MAX_BODY_BYTES, shouldRead: (req: restify.Request) => boolean = () => true): restify.RequestHandler {
  return (req, res, next) => {
    if (!['POST', 'PUT', 'PATCH'].includes(req.method ?? '') || !shouldRead(req)) return next();
    readJsonBody(req, limit).then((body) => {
      req.body = body;
      next();
    }, (error: unknown) => {
      const e = error instanceof BodyError ? error : new BodyError(400, 'bad_body', 'The request body could not be read.');
      const answer = (): void => {
        res.header('connection', 'close');
        res.send(e.status, { error: { code: e.code, message: e.message } });
        next(false);
      };
      const declaredOverCap = Number(req.headers['content-length'] ?? 0) > limit;
      if (declaredOverCap) answer(); else discardThen(req, limit, answer);
    });
  };
}
