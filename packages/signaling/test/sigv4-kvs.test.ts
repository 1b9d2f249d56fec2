// The signaling WebSocket URL as the KVS SDKs presign it, and the time limits on it. The presigner
// below follows the description of amazon-kinesis-video-streams-webrtc-sdk-js's SigV4RequestSigner
// (getSignedURL): wss endpoint, X-Amz-* parameters added to the caller's, names sorted and values
// encodeURIComponent-ed, X-Amz-Expires=299, `host` the only signed header, the session token inside
// the signed query, and the SHA-256 of an empty payload. The KVS C SDK (AwsV4Signer.c,
// signAwsRequestInfoQueryParam) signs the same shape with an X-Amz-Expires of its own choosing.
// That package is not a devDependency: it pulls in expo and react-native.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { kvsPresign as presign } from '@peerlink/testing';
import { createSigV4Verifier, type SignedRequest, type SigV4Result } from '../src/index.js';

const AKID = 'AKIAKVSPEERLINK01';
const SECRET = 'kvsSecretKeyForPeerlinkTests/0123456789+ab';
const REGION = 'us-west-2';
const SIGNED_AT = Date.UTC(2026, 2, 1, 8, 0, 0);
const CHANNEL = 'arn:aws:kinesisvideo:us-west-2:123456789012:channel/front-door/1700000000000';
const ENDPOINT = 'wss://v-1a2b3c4d.kinesisvideo.us-west-2.peerlink.test';

interface PresignOptions {
  readonly query: Readonly<Record<string, string>>;
  readonly expires?: string | null;
  readonly sessionToken?: string;
  readonly secret?: string;
  readonly at?: number;
}

/** A wss:// URL presigned the way the KVS JS SDK does it (@peerlink/testing's kvsPresign). */
function kvsPresign(opts: PresignOptions): string {
  return presign({
    endpoint: ENDPOINT,
    accessKeyId: AKID,
    secret: opts.secret ?? SECRET,
    region: REGION,
    query: opts.query,
    at: opts.at ?? SIGNED_AT,
    ...(opts.expires !== undefined ? { expires: opts.expires } : {}),
    ...(opts.sessionToken !== undefined ? { sessionToken: opts.sessionToken } : {}),
  });
}

/** The upgrade request as the server sees it: path, decoded query, Host. */
function upgradeOf(url: string, host?: string): SignedRequest {
  const u = new URL(url);
  return {
    method: 'GET',
    path: u.pathname,
    query: Object.fromEntries(u.searchParams),
    headers: { host: host ?? u.host, upgrade: 'websocket', connection: 'Upgrade' },
    body: new Uint8Array(),
  };
}

const verifier = createSigV4Verifier({ secretOf: async (id) => (id === AKID ? SECRET : undefined) });
const master = () => upgradeOf(kvsPresign({ query: { 'X-Amz-ChannelARN': CHANNEL } }));

function refused(r: SigV4Result, code: string, message?: RegExp): void {
  assert.equal(r.ok, false, 'expected a refusal');
  if (r.ok) return;
  assert.equal(r.code, code, r.message);
  if (message) assert.match(r.message, message);
}

describe('sigv4: the KVS signaling WebSocket URL', () => {
  it('verifies a master URL and a viewer URL with a session token', async () => {
    assert.deepEqual(await verifier.verifyPresigned(master(), SIGNED_AT), {
      ok: true,
      accessKeyId: AKID,
      region: REGION,
      service: 'kinesisvideo',
    });
    const viewer = kvsPresign({
      query: { 'X-Amz-ChannelARN': CHANNEL, 'X-Amz-ClientId': 'viewer-7f3a_B.1' },
      sessionToken: 'IQoJb3JpZ2luX2VjEXAMPLE/+Token==',
    });
    assert.equal((await verifier.verifyPresigned(upgradeOf(viewer), SIGNED_AT)).ok, true);
  });

  it('is good until X-Amz-Date + X-Amz-Expires, RequestExpired 1 ms later', async () => {
    const req = master();
    assert.equal((await verifier.verifyPresigned(req, SIGNED_AT + 299_000)).ok, true);
    refused(
      await verifier.verifyPresigned(req, SIGNED_AT + 299_001),
      'RequestExpired',
      /^Request has expired/,
    );
  });

  it('is not yet current more than 5 min before X-Amz-Date', async () => {
    const req = master();
    assert.equal((await verifier.verifyPresigned(req, SIGNED_AT - 300_000)).ok, true);
    refused(
      await verifier.verifyPresigned(req, SIGNED_AT - 300_001),
      'InvalidSignatureException',
      /^Signature not yet current: 20260301T080000Z is still later than 20260301T075959Z \(20260301T075459Z \+ 5 min\.\)$/,
    );
  });

  it('takes X-Amz-Expires up to seven days and no further', async () => {
    const week = upgradeOf(kvsPresign({ query: {}, expires: '604800' }));
    assert.equal((await verifier.verifyPresigned(week, SIGNED_AT + 604_800_000)).ok, true);
    const more = upgradeOf(kvsPresign({ query: {}, expires: '604801' }));
    refused(await verifier.verifyPresigned(more, SIGNED_AT), 'IncompleteSignature', /less than a week/);
    const word = upgradeOf(kvsPresign({ query: {}, expires: 'soon' }));
    refused(await verifier.verifyPresigned(word, SIGNED_AT), 'IncompleteSignature', /should be a number/);
  });

  it('without X-Amz-Expires, holds the URL to the ±5 min skew window', async () => {
    const req = upgradeOf(kvsPresign({ query: {}, expires: null }));
    assert.equal((await verifier.verifyPresigned(req, SIGNED_AT + 300_000)).ok, true);
    refused(
      await verifier.verifyPresigned(req, SIGNED_AT + 300_001),
      'InvalidSignatureException',
      /^Signature expired/,
    );
  });

  it('refuses a wrong secret, another Host, a changed parameter, in AWS words', async () => {
    const calculated = /^The request signature we calculated does not match the signature you provided\./;
    const wrong = upgradeOf(kvsPresign({ query: {}, secret: 'not-the-secret' }));
    refused(await verifier.verifyPresigned(wrong, SIGNED_AT), 'InvalidSignatureException', calculated);
    const proxied = upgradeOf(kvsPresign({ query: {} }), 'internal-host:8443');
    refused(await verifier.verifyPresigned(proxied, SIGNED_AT), 'InvalidSignatureException', calculated);
    const req = master();
    const other = { ...req, query: { ...req.query, 'X-Amz-ChannelARN': `${CHANNEL}0` } };
    refused(await verifier.verifyPresigned(other, SIGNED_AT), 'InvalidSignatureException', calculated);
  });

  it('refuses an unknown key, a scope of another day, a partial or missing query', async () => {
    const req = master();
    const stranger = createSigV4Verifier({ secretOf: async () => undefined });
    refused(await stranger.verifyPresigned(req, SIGNED_AT), 'UnrecognizedClientException');
    const credential = (req.query['X-Amz-Credential'] ?? '').replace('20260301', '20260302');
    refused(
      await verifier.verifyPresigned(
        { ...req, query: { ...req.query, 'X-Amz-Credential': credential } },
        SIGNED_AT,
      ),
      'InvalidSignatureException',
      /^Date in Credential scope does not match/,
    );
    const { 'X-Amz-Signature': _, ...unsigned } = req.query;
    refused(await verifier.verifyPresigned({ ...req, query: unsigned }, SIGNED_AT), 'IncompleteSignature');
    const v2 = { ...req, query: { ...req.query, 'X-Amz-Algorithm': 'AWS4-ECDSA-P256-SHA256' } };
    refused(await verifier.verifyPresigned(v2, SIGNED_AT), 'IncompleteSignature');
    const bare = { ...req, query: { 'X-Amz-ChannelARN': CHANNEL } };
    refused(await verifier.verifyPresigned(bare, SIGNED_AT), 'MissingAuthenticationToken');
  });

  it('requires host among the signed headers', async () => {
    const req = master();
    const noHost = { ...req, query: { ...req.query, 'X-Amz-SignedHeaders': 'upgrade' } };
    refused(await verifier.verifyPresigned(noHost, SIGNED_AT), 'IncompleteSignature', /'Host'/);
  });
});
