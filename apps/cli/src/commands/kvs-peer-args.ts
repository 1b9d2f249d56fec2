/**
 * The flags `peerlink kvs-master` and `peerlink kvs-viewer` share: where the server is, which
 * channel, the access key (flags or AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY) or a KVS token, a CA
 * to trust, the signaling carrier (WSS, or QUIC: docs/quic-signaling.md).
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
  quic: { type: 'boolean' },
  token: { type: 'string' },
  'stats-interval': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const KVS_PEER_HELP = [
  '  --endpoint URL            peerlink HTTPS URL (default https://127.0.0.1:8443), or its QUIC',
  '                            signaling URL quic://HOST:4433 (no control plane: --token, or an',
  '                            access key and the channel ARN)',
  '  --channel NAME            the signaling channel (name or ARN), required',
  '  --access-key-id ID        default AWS_ACCESS_KEY_ID (`peerlink access-keys create`)',
  '  --secret-access-key KEY   default AWS_SECRET_ACCESS_KEY',
  '  --region R                signing region (default us-west-2)',
  '  --ca FILE                 a CA certificate to trust (peerlink-data/tls/dev-cert.pem)',
  "  --quic                    signal over peerlink's QUIC carrier (UDP, one stream) instead of the",
  '                            WebSocket: the QUIC endpoint from GetSignalingChannelEndpoint, ICE',
  '                            servers from the JOIN answer; implied by a quic:// --endpoint',
  '  --token JWT               join over QUIC with a KVS token (`peerlink token --channel C --role R`)',
  '                            instead of a presigned URL; with a quic:// --endpoint no access key',
  '                            is needed',
  '  --stats-interval SECONDS  print RTCP statistics this often (default 5; 0: never)',
];

type Values = { [K in keyof typeof KVS_PEER_OPTIONS]?: K extends 'help' | 'quic' ? boolean : string };

export function kvsTarget(cmd: string, v: Values, io: Io): KvsTarget {
  if (v.channel === undefined) throw new UsageError(`${cmd}: --channel is required`);
  const endpoint = v.endpoint ?? 'https://127.0.0.1:8443';
  const quic = v.quic === true || endpoint.startsWith('quic:');
  if (v.token !== undefined && !quic) throw new UsageError(`${cmd}: --token joins over QUIC: add --quic`);
  const accessKeyId = v['access-key-id'] ?? io.env['AWS_ACCESS_KEY_ID'];
  const secretAccessKey = v['secret-access-key'] ?? io.env['AWS_SECRET_ACCESS_KEY'];
  const keyless = v.token !== undefined && endpoint.startsWith('quic:');
  if ((!accessKeyId || !secretAccessKey) && !keyless)
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
    endpoint,
    channel: v.channel,
    ...(accessKeyId && secretAccessKey ? { credentials: { accessKeyId, secretAccessKey } } : {}),
    ...(quic ? { signaling: 'quic' as const } : {}),
    ...(v.token !== undefined ? { token: v.token } : {}),
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
