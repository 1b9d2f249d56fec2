// TLS of quic:// signaling (docs/quic-signaling.md, "Node SDK"): the server certificate must chain to
// `ca` (or the root store), be valid now and name the URL's host, IPs by their IP SANs (which
// quiche's BoringSSL cannot match, hence the check in Node). Pure checks with certificates made here,
// then a real server: its development certificate as `ca`, no `ca`, a foreign `ca`, `insecureTls`.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import selfsigned from 'selfsigned';
import type { RunningServer } from '@peerlink/server';
import { ClientError } from '../src/index.js';
import { checkServerCertificate, parseCa } from '../src/signaling/quic-tls.js';
import { node, quicOf, server } from './helpers.js';

const DAY = 24 * 3600 * 1000;
const der = (pem: string): Uint8Array => new Uint8Array(new X509Certificate(pem).raw);

async function makeCa(name: string): Promise<{ cert: string; key: string }> {
  const p = await selfsigned.generate([{ name: 'commonName', value: name }], {
    keyType: 'ec',
    algorithm: 'sha256',
    extensions: [{ name: 'basicConstraints', cA: true, critical: true }],
  });
  return { cert: p.cert, key: p.private };
}

async function makeLeaf(
  ca: { cert: string; key: string },
  notAfter = new Date(Date.now() + DAY),
): Promise<string> {
  const p = await selfsigned.generate([{ name: 'commonName', value: 'signal.test' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notBeforeDate: new Date(Date.now() - DAY),
    notAfterDate: notAfter,
    ca,
    extensions: [
      { name: 'basicConstraints', cA: false },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'signal.test' },
          { type: 7, ip: '192.0.2.7' },
        ],
      },
    ],
  });
  return p.cert;
}

describe('quic:// TLS: the certificate check', () => {
  let ca: { cert: string; key: string };
  let other: { cert: string; key: string };
  let leaf: string;
  before(async () => {
    ca = await makeCa('peerlink test CA');
    other = await makeCa('someone else');
    leaf = await makeLeaf(ca);
  });

  it('trusts a leaf signed by the CA that names the host, by DNS name or by IP', () => {
    const roots = parseCa(ca.cert);
    assert.equal(checkServerCertificate([der(leaf)], 'signal.test', roots, Date.now()), undefined);
    assert.equal(checkServerCertificate([der(leaf)], '192.0.2.7', roots, Date.now()), undefined);
    assert.equal(
      checkServerCertificate([der(leaf)], 'signal.test', parseCa([other.cert, ca.cert]), Date.now()),
      undefined,
    );
  });

  it('refuses another host, another CA, an expired certificate, garbage and nothing, each with its alert', () => {
    const roots = parseCa(ca.cert);
    assert.deepEqual(checkServerCertificate([der(leaf)], '192.0.2.8', roots, Date.now())?.code, 298);
    assert.match(
      checkServerCertificate([der(leaf)], 'evil.test', roots, Date.now())?.reason ?? '',
      /does not name evil\.test/,
    );
    assert.deepEqual(checkServerCertificate([der(leaf)], 'signal.test', parseCa(other.cert), Date.now()), {
      code: 304,
      reason: 'the certificate does not chain to a trusted CA',
    });
    assert.equal(checkServerCertificate([der(leaf)], 'signal.test', roots, Date.now() + 3 * DAY)?.code, 301);
    assert.equal(
      checkServerCertificate([new Uint8Array([0x30, 1, 2])], 'signal.test', roots, Date.now())?.code,
      298,
    );
    assert.equal(checkServerCertificate([], 'signal.test', roots, Date.now())?.code, 298);
    assert.throws(() => parseCa('not a certificate'), /no PEM certificate/);
  });
});

describe('quic:// TLS against a running server', () => {
  let s: RunningServer;
  before(async () => {
    s = await server();
  });
  after(() => s.close());
  const relayOnly = { direct: false } as const;

  it('joins with the development certificate as ca (by IP and by name), or with insecureTls', async () => {
    const q = quicOf(s);
    const byName = q.url.replace('127.0.0.1', 'localhost');
    for (const [id, extra] of [
      ['by-ip', { server: q.url, ca: q.cert }],
      ['by-name', { server: byName, ca: q.cert }],
      ['insecure', { server: q.url, insecureTls: true }],
    ] as const) {
      const n = await node(s, id, { ...relayOnly, ...extra });
      assert.match(n.welcome?.observedAddress ?? '', /^127\.0\.0\.1:/, id);
      n.close();
    }
  });

  it('refuses the server without ca (not in the root store) and with a foreign ca, saying why', async () => {
    const q = quicOf(s);
    const foreign = await makeCa('not the server');
    for (const [extra, why] of [
      [{}, /not trusted: the certificate does not chain to a trusted CA/],
      [{ ca: foreign.cert }, /not trusted: the certificate does not chain to a trusted CA/],
    ] as const) {
      await assert.rejects(node(s, 'refused', { ...relayOnly, server: q.url, ...extra }), (e) => {
        assert.ok(e instanceof ClientError);
        assert.equal(e.code, 'CLIENT_TLS');
        assert.match(e.message, why);
        return true;
      });
    }
  });
});
