// Requests signed by @smithy/signature-v4 (the AWS SDK v3's signer) for kinesisvideo verify, and
// stop verifying when one byte of body, header, query, date or signature changes. A property test
// holds the two implementations to the same bytes over random paths, queries and header values.
import assert from 'node:assert/strict';
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { SignatureV4 } from '@smithy/signature-v4';
import fc from 'fast-check';
import { createSigV4Verifier, type SignedRequest, type SigV4Result } from '../src/index.js';

type SmithyRequest = Parameters<SignatureV4['presign']>[0];

/** The hash constructor smithy wants, over node:crypto. */
class Sha256 {
  private readonly h: Hash | Hmac;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.h = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.h.update(bytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.h.digest());
  }
}

function bytes(d: string | ArrayBuffer | ArrayBufferView): Buffer {
  if (typeof d === 'string') return Buffer.from(d, 'utf8');
  if (ArrayBuffer.isView(d)) return Buffer.from(d.buffer, d.byteOffset, d.byteLength);
  return Buffer.from(new Uint8Array(d));
}

const AKID = 'AKIDPEERLINKTEST';
const SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
const NOW = Date.UTC(2026, 0, 15, 10, 30, 0);
const HOST = 'kvs.peerlink.test';

const signer = (sessionToken?: string) =>
  new SignatureV4({
    service: 'kinesisvideo',
    region: 'eu-west-1',
    credentials: { accessKeyId: AKID, secretAccessKey: SECRET, ...(sessionToken ? { sessionToken } : {}) },
    sha256: Sha256,
    applyChecksum: false,
  });

const verifier = createSigV4Verifier({ secretOf: async (id) => (id === AKID ? SECRET : undefined) });

function smithyRequest(over: Partial<SmithyRequest> = {}): SmithyRequest {
  const body = '{"ChannelARN":"arn:aws:kinesisvideo:eu-west-1:1:channel/door/1","Service":"TURN"}';
  return {
    method: 'POST',
    protocol: 'https:',
    hostname: HOST,
    path: '/v1/get-ice-server-config',
    query: {},
    headers: { host: HOST, 'content-type': 'application/json', 'content-length': String(body.length) },
    body,
    ...over,
  };
}

/** What the server hands the verifier for the request smithy signed. */
function asArrived(r: SmithyRequest): SignedRequest {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(r.headers)) headers[k.toLowerCase()] = v;
  const query: Record<string, string> = {};
  for (const [k, v] of Object.entries(r.query ?? {})) if (typeof v === 'string') query[k] = v;
  const body = typeof r.body === 'string' ? new TextEncoder().encode(r.body) : new Uint8Array();
  return { method: r.method, path: r.path, query, headers, body };
}

async function signed(over: Partial<SmithyRequest> = {}, token?: string): Promise<SignedRequest> {
  return asArrived(await signer(token).sign(smithyRequest(over), { signingDate: new Date(NOW) }));
}

async function presigned(over: Partial<SmithyRequest> = {}, token?: string): Promise<SignedRequest> {
  const r = await signer(token).presign(smithyRequest({ method: 'GET', body: undefined, ...over }), {
    signingDate: new Date(NOW),
    expiresIn: 299,
  });
  return asArrived(r);
}

function flip(s: string, at = 0): string {
  const i = Math.min(at, s.length - 1);
  const c = s.charCodeAt(i);
  return s.slice(0, i) + String.fromCharCode(c === 0x30 ? 0x31 : c ^ 1) + s.slice(i + 1);
}

function refused(r: SigV4Result, code = 'InvalidSignatureException'): void {
  assert.equal(r.ok, false, 'expected a refusal');
  if (!r.ok) assert.equal(r.code, code, r.message);
}

describe('sigv4: requests signed by @smithy/signature-v4 (kinesisvideo)', () => {
  it('verifies an Authorization-header request and says who signed it', async () => {
    const r = await verifier.verifyRequest(await signed(), NOW);
    assert.deepEqual(r, { ok: true, accessKeyId: AKID, region: 'eu-west-1', service: 'kinesisvideo' });
  });

  it('verifies one with a session token (x-amz-security-token is signed)', async () => {
    const req = await signed({}, 'FwoGZXIvYXdzEXAMPLETOKEN//+=');
    assert.ok(req.headers['x-amz-security-token']);
    assert.equal((await verifier.verifyRequest(req, NOW)).ok, true);
  });

  it('verifies a request with a query and an encoded path', async () => {
    const req = await signed({ path: '/a%20b/c', query: { Name: 'door bell', 'X-Id': 'ሴ*!' } });
    assert.equal((await verifier.verifyRequest(req, NOW)).ok, true);
  });

  it('refuses after one byte flips in the body, a header, the query, the date or the signature', async () => {
    const base = await signed({ query: { q: 'v' } });
    const auth = base.headers.authorization ?? '';
    const variants: SignedRequest[] = [
      { ...base, body: Uint8Array.from(base.body, (b, i) => (i === 3 ? b ^ 1 : b)) },
      { ...base, headers: { ...base.headers, 'content-type': flip('application/json', 5) } },
      { ...base, headers: { ...base.headers, host: flip(HOST, 0) } },
      { ...base, query: { q: 'w' } },
      { ...base, path: flip(base.path, 2) },
      { ...base, method: 'PUT' },
      { ...base, headers: { ...base.headers, authorization: flip(auth, auth.length - 1) } },
    ];
    for (const v of variants) refused(await verifier.verifyRequest(v, NOW));
    // The date: a second later still sits in the skew window but no longer matches the signature.
    const date = base.headers['x-amz-date'] ?? '';
    refused(
      await verifier.verifyRequest(
        { ...base, headers: { ...base.headers, 'x-amz-date': flip(date, 14) } },
        NOW,
      ),
    );
  });

  it('checks x-amz-content-sha256 against the body', async () => {
    const base = await signed();
    const hash = createHash('sha256').update(base.body).digest('hex');
    const withHash = { ...base, headers: { ...base.headers, 'x-amz-content-sha256': hash } };
    assert.equal((await verifier.verifyRequest(withHash, NOW)).ok, true, 'unsigned but right');
    const wrong = { ...base, headers: { ...base.headers, 'x-amz-content-sha256': flip(hash) } };
    const r = await verifier.verifyRequest(wrong, NOW);
    refused(r);
    assert.match(r.ok ? '' : r.message, /x-amz-content-sha256/);
  });

  it('signs the payload as UNSIGNED-PAYLOAD only where allowed', async () => {
    const headers = { host: HOST, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' };
    const req = await signed({ headers });
    refused(await verifier.verifyRequest(req, NOW));
    const lax = createSigV4Verifier({ secretOf: async () => SECRET, allowUnsignedPayload: true });
    assert.equal((await lax.verifyRequest(req, NOW)).ok, true);
  });

  it('answers AWS codes: unknown key, wrong service, missing auth', async () => {
    const req = await signed();
    const stranger = createSigV4Verifier({ secretOf: async () => undefined });
    refused(await stranger.verifyRequest(req, NOW), 'UnrecognizedClientException');
    const other = createSigV4Verifier({ secretOf: async () => SECRET, service: 'execute-api' });
    refused(await other.verifyRequest(req, NOW));
    const eu = createSigV4Verifier({ secretOf: async () => SECRET, regions: ['us-east-1'] });
    refused(await eu.verifyRequest(req, NOW));
    const { authorization: _, ...bare } = req.headers;
    refused(await verifier.verifyRequest({ ...req, headers: bare }, NOW), 'MissingAuthenticationToken');
  });

  it('accepts the clock within ±5 min and refuses 1 ms beyond, in AWS words', async () => {
    const req = await signed();
    const min5 = 5 * 60_000;
    assert.equal((await verifier.verifyRequest(req, NOW + min5)).ok, true);
    assert.equal((await verifier.verifyRequest(req, NOW - min5)).ok, true);
    const late = await verifier.verifyRequest(req, NOW + min5 + 1);
    refused(late);
    assert.match(late.ok ? '' : late.message, /^Signature expired: 20260115T103000Z is now earlier than /);
    const early = await verifier.verifyRequest(req, NOW - min5 - 1);
    refused(early);
    assert.match(
      early.ok ? '' : early.message,
      /^Signature not yet current: 20260115T103000Z is still later than /,
    );
  });

  it('verifies a URL presigned by smithy, with and without a session token', async () => {
    const query = { 'X-Amz-ChannelARN': 'arn:aws:kinesisvideo:eu-west-1:1:channel/door/1' };
    assert.equal((await verifier.verifyPresigned(await presigned({ query }), NOW)).ok, true);
    const withToken = await presigned({ query }, 'FwoGZXIvYXdzEXAMPLETOKEN//+=');
    assert.ok(withToken.query['X-Amz-Security-Token']);
    assert.equal((await verifier.verifyPresigned(withToken, NOW)).ok, true);
    refused(
      await verifier.verifyPresigned(
        { ...withToken, query: { ...withToken.query, 'X-Amz-Security-Token': 'x' } },
        NOW,
      ),
    );
    refused(
      await verifier.verifyPresigned(
        { ...withToken, query: { ...withToken.query, 'X-Amz-Expires': '300' } },
        NOW,
      ),
    );
  });

  it('agrees with smithy over random paths, queries and header values (property)', async () => {
    const segment = fc.stringMatching(/^[A-Za-z0-9._~ %!*'()-]{0,8}$/);
    const text = fc.string({ unit: 'grapheme', maxLength: 12 });
    await fc.assert(
      fc.asyncProperty(
        fc.array(segment, { maxLength: 4 }),
        fc.dictionary(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 8 }), text, { maxKeys: 4 }),
        fc.stringMatching(/^[ \t]*[!-~]([ \t!-~]{0,20}[!-~])?[ \t]*$/),
        fc.uint8Array({ maxLength: 64 }),
        async (segments, query, value, body) => {
          const path = `/${segments.join('/')}`;
          const over = { path, query, headers: { host: HOST, 'x-peer-note': value }, body };
          const r = await signer().sign(smithyRequest(over), { signingDate: new Date(NOW) });
          const arrived = { ...asArrived(r), body };
          const result = await verifier.verifyRequest(arrived, NOW);
          assert.equal(result.ok, true, result.ok ? '' : result.message);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('never throws on a signed request cut short or with a byte changed (property)', async () => {
    const base = await signed({ query: { a: 'b' } });
    const fields = Object.keys(base.headers);
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...fields),
        fc.nat(),
        fc.integer({ min: 0, max: 0xffff }),
        fc.boolean(),
        async (name, at, code, truncate) => {
          const v = base.headers[name] ?? '';
          const i = v.length === 0 ? 0 : at % v.length;
          const changed = truncate
            ? v.slice(0, i)
            : v.slice(0, i) + String.fromCharCode(code) + v.slice(i + 1);
          const r = await verifier.verifyRequest(
            { ...base, headers: { ...base.headers, [name]: changed } },
            NOW,
          );
          // ", " and "\t" separate the Authorization parameters alike, so only other fields must fail.
          if (changed !== v && name !== 'authorization') assert.equal(r.ok, false);
        },
      ),
      { numRuns: 500 },
    );
  });
});
