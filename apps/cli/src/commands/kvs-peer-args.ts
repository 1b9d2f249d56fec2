/**
 * The flags `peerlink kvs-master` and `peerlink kvs-viewer` share: where the server is, which
 * channel, the access key (flags or AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY), a CA to trust.
 */
import { readFileSync } from 'node:fs';
import type { KvsTarget } from '@peerlink/webrtc';
import { UsageError, type Io } from '../io.js';

export const KVS_PEER_OPTIONS = {
  endpoint: { type: 'string' },
  channel: { type: 'string' },
  region: { type: 'string' },
  'access-key-id': { type: 'string' },
  'secret-access-key': { type: 'string' },
  ca: { type: 'string' },
  'stats-interval': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const KVS_PEER_HELP = [
  '  --endpoint URL            peerlink HTTPS URL (default https://127.0.0.1:8443)',
  '  --channel NAME            the signaling channel (name or ARN), required',
  '  --access-key-id ID        default AWS_ACCESS_KEY_ID (`peerlink access-keys create`)',
  '  --secret-access-key KEY   default AWS_SECRET_ACCESS_KEY',
  '  --region R                signing region (default us-west-2)',
  '  --ca FILE                 a CA certificate to trust (peerlink-data/tls/dev-cert.pem)',
  '  --stats-interval SECONDS  print RTCP statistics this often (default 5; 0: never)',
];

type Values = { [K in keyof typeof KVS_PEER_OPTIONS]?: K extends 'help' ? boolean : string };

export function kvsTarget(cmd: string, v: Values, io: Io): KvsTarget {
  if (v.channel === undefined) throw new UsageError(`${cmd}: --channel is required`);
  const accessKeyId = v['access-key-id'] ?? io.env['AWS_ACCESS_KEY_ID'];
  const secretAccessKey = v['secret-access-key'] ?? io.env['AWS_SECRET_ACCESS_KEY'];
  if (!accessKeyId || !secretAccessKey)
    throw new UsageError(
      `${cmd}: --access-key-id and --secret-access-key (or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY) are required`,
    );
  let ca: string | undefined;
  if (v.ca !== undefined) {
    try {
      ca = readFileSync(v.ca, 'utf8');
    } catch (err) {
      throw new UsageError(`${cmd}: cannot read --ca ${v.ca}: ${(err as Error).message}`);
    }
  }
  return {
    endpoint: v.endpoint ?? 'https://127.0.0.1:8443',
    channel: v.channel,
    credentials: { accessKeyId, secretAccessKey },
    ...(v.region !== undefined ? { region: v.region } : {}),
    ...(ca !== undefined ? { ca } : {}),
  };
}

export function statsInterval(cmd: string, v: Values): number {
  const t = v['stats-interval'] ?? '5';
  if (!/^\d{1,5}$/.test(t))
    throw new UsageError(`${cmd}: --stats-interval must be whole seconds, got ${JSON.stringify(t)}`);
  return Number(t) * 1000;
}

export function port(cmd: string, flag: string, t: string | undefined): number | undefined {
  if (t === undefined) return undefined;
  if (!/^\d{1,5}$/.test(t) || Number(t) > 65535)
    throw new UsageError(`${cmd}: ${flag} must be a port, got ${JSON.stringify(t)}`);
  return Number(t);
}
