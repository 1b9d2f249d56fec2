/**
 * AWS's restJson1 answers as the SDKs read them: JSON with `x-amzn-RequestId`; an error is its HTTP
 * status, `x-amzn-ErrorType: <Type>` (the AWS SDK for JavaScript v3 reads that header first, then the
 * body's `code`, then `__type`) and `{"__type", "message"}` (the C SDK only reads the status and looks
 * for "Signature expired" in the body).
 */
import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { KvsControlError, SignedRequest } from '@peerlink/signaling';

export function sendAwsOk(reply: FastifyReply, value: object): FastifyReply {
  return reply
    .status(200)
    .header('x-amzn-RequestId', randomUUID())
    .type('application/json')
    .send(JSON.stringify(value));
}

export function sendAwsError(reply: FastifyReply, error: KvsControlError): FastifyReply {
  return reply
    .status(error.status)
    .header('x-amzn-RequestId', randomUUID())
    .header('x-amzn-ErrorType', error.type)
    .type('application/json')
    .send(JSON.stringify({ __type: error.type, message: error.message }));
}

function headersOf(h: IncomingHttpHeaders): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(h)) out[k] = Array.isArray(v) ? v.join(',') : v;
  return out;
}

/** The request as SigV4 signed it: the raw path, the decoded query, lower-case headers, body bytes. */
export function signedRequestOf(req: FastifyRequest, body: Uint8Array): SignedRequest {
  const at = req.raw.url?.indexOf('?') ?? -1;
  const url = req.raw.url ?? '/';
  return {
    method: req.method,
    path: at < 0 ? url : url.slice(0, at),
    query: at < 0 ? {} : Object.fromEntries(new URLSearchParams(url.slice(at + 1))),
    headers: headersOf(req.headers),
    body,
  };
}
