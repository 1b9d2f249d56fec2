/**
 * TLS for the QUIC signaling connection (docs/quic-signaling.md, "Node SDK"). QUIC is TLS 1.3 only
 * and the SDK verifies unless told not to: the server's certificate must chain to `ca` (PEM, one or
 * several; a development server's self-signed certificate itself) or, without `ca`, to Node's root
 * store (`tls.rootCertificates`), be within its validity, and name the host of the `quic://` URL
 * (an IP in its IP SANs, a name in its DNS SANs). `insecureTls` accepts any certificate (development
 * only), as it does for wss://.
 *
 * The check runs here, in Node's X.509 code, rather than in quiche's BoringSSL: BoringSSL matches
 * the URL's host against DNS names only, so a server reached by IP (`quic://127.0.0.1:4433`) would
 * always fail there, while Node's `checkIP` reads the IP SANs the development certificate carries.
 */
import { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import { rootCertificates } from 'node:tls';

export interface QuicTlsOptions {
  /** Trusted CA certificates (PEM). Default: Node's root store. */
  readonly ca?: string | readonly string[];
  /** Accept any server certificate (a development server's self-signed one, unchecked). */
  readonly insecureTls?: boolean;
}

/** quiche's TLS alert codes (CryptoError) the check answers with. */
const UNKNOWN_CA = 304;
const BAD_CERTIFICATE = 298;
const CERTIFICATE_EXPIRED = 301;

/** Why a certificate chain was refused, or undefined when it is trusted for `host` at `now`. */
export function checkServerCertificate(
  chain: readonly Uint8Array[],
  host: string,
  trusted: readonly X509Certificate[],
  now: number,
): { code: number; reason: string } | undefined {
  let certs: X509Certificate[];
  try {
    certs = chain.map((der) => new X509Certificate(der));
  } catch {
    return { code: BAD_CERTIFICATE, reason: 'the server sent a certificate that does not parse' };
  }
  const leaf = certs[0];
  if (!leaf) return { code: BAD_CERTIFICATE, reason: 'the server sent no certificate' };
  const bare = host.replace(/^\[|\]$/g, '');
  const named = isIP(bare) ? leaf.checkIP(bare) : leaf.checkHost(bare);
  if (named === undefined)
    return {
      code: BAD_CERTIFICATE,
      reason: `the certificate does not name ${bare} (${leaf.subjectAltName})`,
    };
  let cur = leaf;
  for (let depth = 0; depth < 8; depth++) {
    if (now < Date.parse(cur.validFrom) || now > Date.parse(cur.validTo))
      return {
        code: CERTIFICATE_EXPIRED,
        reason: `a certificate is not valid now (${cur.validFrom} to ${cur.validTo})`,
      };
    const anchor = trusted.find((t) => issuedBy(cur, t));
    if (anchor) return undefined;
    const next = certs.find((c) => c !== cur && c.ca && issuedBy(cur, c));
    if (!next) break;
    cur = next;
  }
  return { code: UNKNOWN_CA, reason: 'the certificate does not chain to a trusted CA' };
}

const issuedBy = (cert: X509Certificate, issuer: X509Certificate): boolean => {
  try {
    return cert.checkIssued(issuer) && cert.verify(issuer.publicKey);
  } catch {
    return false;
  }
};

/** PEM blocks of one or several certificates, each parsed. */
export function parseCa(ca: string | readonly string[]): X509Certificate[] {
  const pems = (typeof ca === 'string' ? [ca] : ca).flatMap(
    (p) => p.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [],
  );
  if (pems.length === 0) throw new TypeError('ca holds no PEM certificate');
  return pems.map((p) => new X509Certificate(p));
}

let systemRoots: X509Certificate[] | undefined;

/**
 * The part of @matrixai/quic's client config that decides certificate verification, and where the
 * reason of a refusal is left for the error the caller raises.
 */
export function quicTlsConfig(
  o: QuicTlsOptions,
  host: string,
  refused: (reason: string) => void,
  now: () => number = Date.now,
): {
  verifyPeer: boolean;
  verifyCallback?: (certs: Uint8Array[]) => Promise<number | undefined>;
} {
  if (o.insecureTls) return { verifyPeer: false };
  const trusted =
    o.ca !== undefined
      ? parseCa(o.ca)
      : (systemRoots ??= rootCertificates.map((p) => new X509Certificate(p)));
  return {
    verifyPeer: true,
    verifyCallback: async (certs) => {
      const bad = checkServerCertificate(certs, host, trusted, now());
      if (bad) refused(bad.reason);
      return bad?.code;
    },
  };
}
