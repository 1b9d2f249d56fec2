// Hostile input: random and half-formed Authorization headers, dates, credentials, signed-header
// lists (naming `constructor`, `__proto__`), query parameters, lone surrogates. The verifier
// answers every one with a refusal in AWS's codes and never throws.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  createSigV4Verifier,
  SIGV4_HTTP_STATUS,
  type SignedRequest,
  type SigV4Result,
} from '../src/index.js';

const NOW = Date.UTC(2026, 0, 15, 10, 30, 0);
const verifier = createSigV4Verifier({ secretOf: async () => 'any-secret-will-do' });

const piece = fc.oneof(
  fc.string({ maxLength: 24 }),
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.constantFrom(
    '',
    '\uD800',
    '\uDFFFx',
    '20260115T103000Z',
    '20260115',
    '20260230T250000Z',
    'us-east-1',
    'kinesisvideo',
    'aws4_request',
    'AKID',
    'host',
    'host;x-amz-date',
    'constructor;host',
    '__proto__;host',
    'a'.repeat(64),
    'Sun, 06 Nov 1994 08:49:37 GMT',
    'AWS4-HMAC-SHA256',
    '=',
    ',',
    '/',
  ),
);

const credential = fc.array(piece, { maxLength: 7 }).map((parts) => parts.join('/'));
const authorization = fc.oneof(
  piece,
  fc
    .record({
      scheme: piece,
      credential,
      signed: piece,
      signature: piece,
      sep: fc.constantFrom(', ', ',', ' ', ''),
    })
    .map(
      (a) =>
        `${a.scheme} Credential=${a.credential}${a.sep}SignedHeaders=${a.signed}${a.sep}Signature=${a.signature}`,
    ),
  fc
    .record({ credential, signed: piece, signature: piece })
    .map(
      (a) =>
        `AWS4-HMAC-SHA256 Credential=${a.credential}, SignedHeaders=${a.signed}, Signature=${a.signature}`,
    ),
);

const headers = fc.record(
  {
    authorization,
    host: piece,
    'x-amz-date': piece,
    date: piece,
    'x-amz-content-sha256': piece,
    constructor: piece,
  },
  { requiredKeys: [] },
);

const query = fc.record(
  {
    'X-Amz-Algorithm': fc.oneof(piece, fc.constant('AWS4-HMAC-SHA256')),
    'X-Amz-Credential': credential,
    'X-Amz-Date': piece,
    'X-Amz-Expires': fc.oneof(piece, fc.nat().map(String)),
    'X-Amz-SignedHeaders': piece,
    'X-Amz-Signature': piece,
    'X-Amz-Security-Token': piece,
    other: piece,
  },
  { requiredKeys: [] },
);

const request = fc.record({
  method: fc.oneof(fc.constantFrom('GET', 'POST'), piece),
  path: fc.oneof(fc.constant('/'), piece),
  query,
  headers,
  body: fc.uint8Array({ maxLength: 32 }),
}) as fc.Arbitrary<SignedRequest>;

function isRefusal(r: SigV4Result): void {
  assert.equal(r.ok, false);
  if (r.ok) return;
  assert.ok(r.code in SIGV4_HTTP_STATUS, r.code);
  assert.equal(typeof r.message, 'string');
  assert.ok(r.message.length < 1024, 'messages stay short whatever the input');
}

describe('sigv4: hostile input', () => {
  it('refuses random header-signed requests without throwing', async () => {
    await fc.assert(
      fc.asyncProperty(request, fc.integer({ min: -1e12, max: 1e12 }), async (req, skew) => {
        isRefusal(await verifier.verifyRequest(req, NOW + skew));
      }),
      { numRuns: 2000 },
    );
  });

  it('refuses random presigned requests without throwing', async () => {
    await fc.assert(
      fc.asyncProperty(request, fc.integer({ min: -1e12, max: 1e12 }), async (req, skew) => {
        isRefusal(await verifier.verifyPresigned(req, NOW + skew));
      }),
      { numRuns: 2000 },
    );
  });

  it('finds no header in the prototype: constructor and __proto__ are not signed values', async () => {
    const auth =
      'AWS4-HMAC-SHA256 Credential=AKID/20260115/us-east-1/kinesisvideo/aws4_request, ' +
      `SignedHeaders=constructor;host;tostring, Signature=${'0'.repeat(64)}`;
    const req: SignedRequest = {
      method: 'GET',
      path: '/',
      query: {},
      headers: { authorization: auth, host: 'h', 'x-amz-date': '20260115T103000Z' },
      body: new Uint8Array(),
    };
    isRefusal(await verifier.verifyRequest(req, NOW));
  });
});
