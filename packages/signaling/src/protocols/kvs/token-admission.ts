/**
 * Admission at /kvs by a peerlink KVS join token instead of a SigV4-presigned URL: what the QUIC
 * carrier's JOIN with a `token` becomes (docs/quic-signaling.md). The request carries
 * `Authorization: Bearer <token>` and names what the client asks for in the query: the channel
 * (`X-Amz-ChannelARN`, or `X-Amz-ChannelName`), `X-Peerlink-Role` and, for a viewer,
 * `X-Amz-ClientId`. Each must be what the token grants. An unknown channel is refused (404), never
 * created: creating channels is the control plane's, with an access key.
 */
import type { KvsTokenCheck } from '../../auth/kvs-token.js';
import type { ConnMeta } from '../../core/types.js';
import { parseChannelArn } from './arn.js';
import type { KvsChannel } from './options.js';

export interface TokenAdmissionDeps {
  readonly verifyToken: (token: string, now: number) => Promise<KvsTokenCheck>;
  readonly channelByName: (name: string) => Promise<KvsChannel | undefined>;
}

export type TokenAdmission =
  | {
      readonly ok: true;
      readonly channel: KvsChannel;
      readonly role: 'master' | 'viewer';
      readonly clientId: string;
    }
  | {
      readonly ok: false;
      readonly status: number;
      readonly type: string;
      readonly message: string;
      readonly reason: string;
    };

/** The bearer token of a request, if it carries one. */
export function bearerOf(meta: ConnMeta): string | undefined {
  const h = meta.headers['authorization'];
  return h !== undefined && /^Bearer /i.test(h) ? h.slice(7).trim() : undefined;
}

const refuse = (status: number, type: string, message: string, reason: string): TokenAdmission => ({
  ok: false,
  status,
  type,
  message,
  reason,
});

export async function admitByToken(
  deps: TokenAdmissionDeps | undefined,
  token: string,
  meta: ConnMeta,
  now: number,
): Promise<TokenAdmission> {
  if (!deps) return refuse(403, 'AccessDeniedException', 'tokens are not accepted here', 'token');
  const check = await deps.verifyToken(token, now);
  if (!check.ok) return refuse(403, 'AccessDeniedException', check.reason, 'token');
  const q = meta.query;
  const arn = q['X-Amz-ChannelARN'];
  const name = arn !== undefined ? parseChannelArn(arn)?.name : q['X-Amz-ChannelName'];
  if (name === undefined)
    return refuse(400, 'InvalidArgumentException', 'a channel name or ARN is required', 'bad-arn');
  const role = q['X-Peerlink-Role'] ?? check.role;
  const clientId = role === 'viewer' ? (q['X-Amz-ClientId'] ?? '') : '';
  if (name !== check.channel || role !== check.role || clientId !== check.clientId)
    return refuse(
      403,
      'AccessDeniedException',
      `the token is for the ${check.role} ${check.role === 'viewer' ? `${check.clientId} ` : ''}of channel ${check.channel}`,
      'token-scope',
    );
  const channel = await deps.channelByName(name);
  if (!channel || (arn !== undefined && channel.arn !== arn))
    return refuse(
      404,
      'ResourceNotFoundException',
      `The requested channel is not found or not active: ${arn ?? name}`,
      'no-channel',
    );
  return { ok: true, channel, role, clientId };
}
