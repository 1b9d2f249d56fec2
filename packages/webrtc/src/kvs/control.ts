/**
 * The KVS control plane a master or viewer needs before it connects, through the AWS SDK v3 against
 * peerlink's HTTPS endpoint: the channel's ARN (DescribeSignalingChannel, unless an ARN is given),
 * its WSS and HTTPS endpoints for the role (GetSignalingChannelEndpoint), and the ICE servers
 * (GetIceServerConfig: TURN with REST credentials). The SDKs add AWS's own STUN server themselves;
 * here a `stun:` URI is derived from each TURN host and port (peerlink answers STUN there too).
 * For QUIC signaling it asks for the QUIC endpoint too and skips GetIceServerConfig: the ICE servers
 * come in the QUIC JOINED (docs/quic-signaling.md).
 */
import { Agent } from 'node:https';
import {
  DescribeSignalingChannelCommand,
  GetSignalingChannelEndpointCommand,
  KinesisVideoClient,
} from '@aws-sdk/client-kinesis-video';
import {
  GetIceServerConfigCommand,
  KinesisVideoSignalingClient,
} from '@aws-sdk/client-kinesis-video-signaling';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { WebRtcError, WebRtcErrorCode } from '../errors.js';
import type { KvsCredentials } from './presign.js';

const DEFAULT_REGION = 'us-west-2';

export interface IceServer {
  readonly urls: string;
  readonly username?: string;
  readonly credential?: string;
}

export interface KvsTarget {
  /**
   * peerlink's HTTPS URL (`https://HOST:8443`): the control plane; or its QUIC signaling endpoint
   * (`quic://HOST:4433`), joined directly with `token`, or with `credentials` and a channel ARN.
   */
  readonly endpoint: string;
  /** The channel's name or ARN. */
  readonly channel: string;
  /** An access key: signs the control plane's requests and the presigned join. */
  readonly credentials?: KvsCredentials;
  /**
   * The signaling carrier: the KVS WebSocket, or peerlink's QUIC carrier (the endpoint that
   * GetSignalingChannelEndpoint lists for protocol QUIC). Default `quic` for a `quic://` endpoint,
   * else `wss`.
   */
  readonly signaling?: 'wss' | 'quic';
  /**
   * A KVS join token (`peerlink token --channel C --role R`) to join over QUIC with instead of a
   * presigned URL; no access key needed with a `quic://` endpoint.
   */
  readonly token?: string;
  /** Default `us-west-2`: any region works with peerlink, it only goes into the signature. */
  readonly region?: string;
  /** PEM of a CA to trust besides the system's (peerlink's development certificate). */
  readonly ca?: string | Buffer;
}

export interface ResolvedChannel {
  readonly arn: string;
  readonly wss: string;
  /** `quic://HOST:PORT`, when asked for (QUIC signaling). */
  readonly quic?: string;
  /** From GetIceServerConfig; over QUIC, from JOINED. */
  readonly iceServers: readonly IceServer[];
}

/** `stun:HOST:PORT` for each TURN server's host and port, then the TURN URIs one per entry. */
export function iceServersFrom(
  list: readonly {
    Uris?: string[] | undefined;
    Username?: string | undefined;
    Password?: string | undefined;
  }[],
): IceServer[] {
  const stun = new Set<string>();
  const turn: IceServer[] = [];
  for (const s of list)
    for (const uri of s.Uris ?? []) {
      const m = /^turns?:([^?]+)/.exec(uri);
      if (m && uri.startsWith('turn:')) stun.add(`stun:${m[1]}`);
      turn.push({ urls: uri, username: s.Username ?? '', credential: s.Password ?? '' });
    }
  return [...[...stun].map((urls) => ({ urls })), ...turn];
}

export async function resolveChannel(
  t: KvsTarget,
  role: 'MASTER' | 'VIEWER',
  clientId: string,
  o: { readonly quic?: boolean } = {},
): Promise<ResolvedChannel> {
  const credentials = t.credentials;
  if (credentials === undefined)
    throw new WebRtcError(WebRtcErrorCode.InvalidOption, 'the KVS control plane needs credentials');
  const agent = new Agent(t.ca !== undefined ? { ca: t.ca, keepAlive: false } : { keepAlive: false });
  const common = {
    region: t.region ?? DEFAULT_REGION,
    credentials,
    maxAttempts: 1,
    requestHandler: new NodeHttpHandler({ httpsAgent: agent }),
  };
  const kv = new KinesisVideoClient({ ...common, endpoint: t.endpoint });
  let signaling: KinesisVideoSignalingClient | undefined;
  try {
    let arn = t.channel;
    if (!arn.startsWith('arn:')) {
      const d = await kv.send(new DescribeSignalingChannelCommand({ ChannelName: t.channel }));
      arn = d.ChannelInfo?.ChannelARN ?? '';
    }
    const { ResourceEndpointList } = await kv.send(
      new GetSignalingChannelEndpointCommand({
        ChannelARN: arn,
        SingleMasterChannelEndpointConfiguration: {
          // QUIC is peerlink's own: the SDK's enum does not name it, the server answers it.
          Protocols: o.quic === true ? ['WSS', 'QUIC' as 'WSS'] : ['WSS', 'HTTPS'],
          Role: role,
        },
      }),
    );
    const ep = Object.fromEntries((ResourceEndpointList ?? []).map((e) => [e.Protocol, e.ResourceEndpoint]));
    const wss = ep['WSS'];
    if (o.quic === true) {
      const quic = ep['QUIC'];
      if (wss === undefined || quic === undefined)
        throw new WebRtcError(
          WebRtcErrorCode.ConnectFailed,
          'GetSignalingChannelEndpoint gave no WSS or QUIC endpoint',
        );
      return { arn, wss, quic, iceServers: [] };
    }
    const https = ep['HTTPS'];
    if (wss === undefined || https === undefined)
      throw new WebRtcError(
        WebRtcErrorCode.ConnectFailed,
        'GetSignalingChannelEndpoint gave no WSS or HTTPS endpoint',
      );
    signaling = new KinesisVideoSignalingClient({ ...common, endpoint: https });
    const { IceServerList } = await signaling.send(
      new GetIceServerConfigCommand({ ChannelARN: arn, ClientId: clientId }),
    );
    return { arn, wss, iceServers: iceServersFrom(IceServerList ?? []) };
  } catch (err) {
    if (err instanceof WebRtcError) throw err;
    const e = err as Error;
    throw new WebRtcError(
      WebRtcErrorCode.ConnectFailed,
      `KVS control plane at ${t.endpoint}: ${e.name}: ${e.message}`,
    );
  } finally {
    kv.destroy();
    signaling?.destroy();
    agent.destroy();
  }
}
