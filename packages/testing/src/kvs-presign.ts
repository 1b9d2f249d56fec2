// A wss:// URL presigned the way the KVS JS SDK's SigV4RequestSigner does it (getSignedURL), as the
// tests' stand-in for the SDK (that package is not a dependency: it pulls in expo and react-native):
// the X-Amz-* parameters added to the caller's, names sorted and values encodeURIComponent-ed,
// X-Amz-Expires=299 unless told, `host` the only signed header, the session token inside the signed
// query, and the SHA-256 of an empty payload. The KVS C SDK signs the same shape.
import { createHash, createHmac } from 'node:crypto';

export interface KvsPresignOptions {
  /** `wss://host:port` or `wss://host:port/path`: where the SDK connects. */
  readonly endpoint: string;
  readonly accessKeyId: string;
  readonly secret: string;
  readonly region: string;
  readonly query: Readonly<Record<string, string>>;
  /** Seconds, as a string; null leaves X-Amz-Expires out. */
  readonly expires?: string | null;
  readonly sessionToken?: string;
  /** When it was signed (ms since the epoch); default now. */
  readonly at?: number;
}

const hex = (d: Buffer): string => d.toString('hex');
const sha256 = (s: string): string => hex(createHash('sha256').update(s, 'utf8').digest());
const hmac = (key: string | Buffer, s: string): Buffer =>
  createHmac('sha256', key).update(s, 'utf8').digest();

export function kvsPresign(o: KvsPresignOptions): string {
  const amzDate = new Date(o.at ?? Date.now())
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replace(/[:-]/g, '');
  const day = amzDate.slice(0, 8);
  const url = new URL(o.endpoint.replace(/^wss:/, 'https:').replace(/^ws:/, 'http:'));
  const path = url.pathname === '' ? '/' : url.pathname;
  const scope = `${day}/${o.region}/kinesisvideo/aws4_request`;
  const params: Record<string, string> = {
    ...o.query,
    'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
    'X-Amz-Credential': `${o.accessKeyId}/${scope}`,
    'X-Amz-Date': amzDate,
    'X-Amz-SignedHeaders': 'host',
  };
  if (o.expires !== null) params['X-Amz-Expires'] = o.expires ?? '299';
  if (o.sessionToken) params['X-Amz-Security-Token'] = o.sessionToken;
  const queryString = (p: Record<string, string>): string =>
    Object.keys(p)
      .sort()
      .map((k) => `${k}=${encodeURIComponent(p[k] ?? '')}`)
      .join('&');
  const canonical = ['GET', path, queryString(params), `host:${url.host}\n`, 'host', sha256('')].join('\n');
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonical)].join('\n');
  let key = hmac(`AWS4${o.secret}`, day);
  for (const part of [o.region, 'kinesisvideo', 'aws4_request']) key = hmac(key, part);
  const base = o.endpoint.replace(/\/$/, '');
  return `${base}${url.pathname === '/' ? '/' : ''}?${queryString({ ...params, 'X-Amz-Signature': hex(hmac(key, toSign)) })}`;
}
