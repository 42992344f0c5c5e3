import type { IncomingMessage } from 'node:http';

/** A request body longer than the server takes. */
export class BodyTooLargeError extends RangeError {
  constructor(readonly limit: number) {
    super(`the request body is over ${limit} bytes`);
  }
}

/** A small request body as text: at most `limit` bytes, else a BodyTooLargeError. */
export async function readBody(req: IncomingMessage, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > limit) throw new BodyTooLargeError(limit);
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
