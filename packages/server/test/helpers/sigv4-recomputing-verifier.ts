/**
 * A SigV4Verifier for tests, until auth/sigv4's lands: it recomputes an Authorization header's
 * signature with the AWS SDK's own signer (@smithy/signature-v4) for a few static keys. It checks the
 * signature over the method, path, query, signed headers and body (x-amz-content-sha256 included), and
 * the key; not the clock skew
 * nor presigned URLs (verifyPresigned refuses everything).
 */
import { createHash } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import {
  NodeSha256 as Sha256,
  type SignedRequest,
  type SigV4Result,
  type SigV4Verifier,
} from '@peerlink/signaling';

const AUTH =
  /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/;

export function recomputingVerifier(keys: Record<string, string>): SigV4Verifier & { seen: string[] } {
  const seen: string[] = [];
  const refuse = (code: Exclude<SigV4Result, { ok: true }>['code'], message: string): SigV4Result => ({
    ok: false,
    code,
    message,
  });
  return {
    seen,
    async verifyRequest(req: SignedRequest): Promise<SigV4Result> {
      const header = req.headers['authorization'];
      if (header === undefined) return refuse('MissingAuthenticationToken', 'Missing Authentication Token');
      const m = AUTH.exec(header);
      if (!m) return refuse('IncompleteSignature', 'Authorization header is not a SigV4 signature');
      const [, accessKeyId, , region, service, signed, signature] = m as unknown as string[];
      const secret = keys[accessKeyId as string];
      if (secret === undefined)
        return refuse(
          'UnrecognizedClientException',
          'The security token included in the request is invalid.',
        );
      // The AWS SDK v3 signs x-amz-content-sha256: the signature covers the header, the header the body.
      const claimed = req.headers['x-amz-content-sha256'];
      if (claimed !== undefined && claimed !== createHash('sha256').update(req.body).digest('hex'))
        return refuse(
          'InvalidSignatureException',
          "The provided 'x-amz-content-sha256' header does not match what was computed.",
        );
      const amzDate = req.headers['x-amz-date'] ?? '';
      const date = new Date(
        amzDate.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z'),
      );
      const headers: Record<string, string> = {};
      for (const h of (signed as string).split(';')) headers[h] = req.headers[h] ?? '';
      const [hostname, port] = (req.headers['host'] ?? '').split(':');
      const signer = new SignatureV4({
        credentials: { accessKeyId: accessKeyId as string, secretAccessKey: secret },
        region: region as string,
        service: service as string,
        sha256: Sha256,
      });
      const again = await signer.sign(
        {
          method: req.method,
          protocol: 'https:',
          hostname: hostname ?? '',
          ...(port !== undefined ? { port: Number(port) } : {}),
          path: decodeURIComponent(req.path),
          query: { ...req.query },
          headers,
          body: Buffer.from(req.body),
        },
        { signingDate: date, signingRegion: region as string, signingService: service as string },
      );
      const got = /Signature=([0-9a-f]{64})/.exec(String(again.headers['authorization']))?.[1];
      if (got !== signature)
        return refuse(
          'InvalidSignatureException',
          'The request signature we calculated does not match the signature you provided.',
        );
      seen.push(accessKeyId as string);
      return {
        ok: true,
        accessKeyId: accessKeyId as string,
        region: region as string,
        service: service as string,
      };
    },
    async verifyPresigned(): Promise<SigV4Result> {
      return refuse('MissingAuthenticationToken', 'this test verifier checks no presigned URLs');
    },
  };
}
