/**
 * The presigned `wss://` URL a KVS client connects with (ConnectAsMaster / ConnectAsViewer): the
 * channel ARN and client id as query parameters, SigV4 query signing by the AWS SDK's own signer
 * (@smithy/signature-v4), service `kinesisvideo`, `host` the only signed header, the SHA-256 of an
 * empty payload: the shape the KVS JS and C SDKs sign and peerlink verifies.
 */
import { NodeSha256 } from '@peerlink/signaling';
import { SignatureV4 } from '@smithy/signature-v4';

export interface KvsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

export async function presignKvsUrl(o: {
  /** `wss://host:port/kvs`, from GetSignalingChannelEndpoint. */
  readonly wss: string;
  readonly channelArn: string;
  /** Viewers only. */
  readonly clientId?: string;
  readonly region: string;
  readonly credentials: KvsCredentials;
  readonly now?: Date;
}): Promise<string> {
  const url = new URL(o.wss);
  const query: Record<string, string> = { 'X-Amz-ChannelARN': o.channelArn };
  if (o.clientId !== undefined) query['X-Amz-ClientId'] = o.clientId;
  const signer = new SignatureV4({
    service: 'kinesisvideo',
    region: o.region,
    credentials: o.credentials,
    sha256: NodeSha256,
    uriEscapePath: true,
  });
  const signed = await signer.presign(
    {
      method: 'GET',
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port !== '' ? { port: Number(url.port) } : {}),
      path: url.pathname === '' ? '/' : url.pathname,
      query,
      headers: { host: url.host },
    },
    { expiresIn: 299, ...(o.now !== undefined ? { signingDate: o.now } : {}) },
  );
  const q = Object.entries(signed.query ?? {})
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
    .join('&');
  return `${url.protocol}//${url.host}${url.pathname}?${q}`;
}
