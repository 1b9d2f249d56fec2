/**
 * GetSignalingChannelEndpoint: where a channel's master or viewer connects. Every channel lives on
 * this server, so the endpoints are the server's own, given by the caller:
 *
 * - WSS: the KVS WebSocket protocol's URL, path included (`wss://host:port/kvs`). Both SDKs use the
 *   endpoint as the whole base URL and append only the query: the JS SDK's SigV4RequestSigner splits
 *   `wss://host/path` into host and path and signs that path; the C SDK formats `%s?X-Amz-ChannelARN=..`.
 * - HTTPS: the base that `/v1/get-ice-server-config` is appended to (the C SDK concatenates it, the AWS
 *   SDK for JavaScript v3 prefixes its operation path with the endpoint's path), so no path of its own.
 *
 * - QUIC (peerlink's own, docs/quic-signaling.md): `quic://host:port`, the UDP port of the QUIC carrier,
 *   listed only when the request's Protocols name it.
 *
 * WEBRTC (WebRTC ingestion into a stream: JoinStorageSession) is not offered: asking for it is an
 * InvalidArgumentException rather than an endpoint that would fail later.
 */
import { findChannel } from './channel-record.js';
import type { KvsControlContext } from './context.js';
import { kvsError, kvsOk } from './errors.js';
import { EndpointRequest, operation } from './requests.js';

export interface KvsEndpoints {
  /** `wss://host[:port]/kvs` */
  readonly wss: string;
  /** `https://host[:port]` */
  readonly https: string;
  /** `quic://host:port`, when the server listens for QUIC signaling (docs/quic-signaling.md). */
  readonly quic?: string | undefined;
}

export interface ResourceEndpoint {
  readonly Protocol: 'WSS' | 'HTTPS' | 'QUIC';
  readonly ResourceEndpoint: string;
}

export const getSignalingChannelEndpoint = operation(
  EndpointRequest,
  async (ctx: KvsControlContext & { endpoints: KvsEndpoints }, req) => {
    const { ChannelARN, SingleMasterChannelEndpointConfiguration: config } = req;
    const protocols = [...new Set(config?.Protocols ?? ['WSS', 'HTTPS'])];
    if (protocols.includes('WEBRTC'))
      return kvsError(
        'InvalidArgumentException',
        'the WEBRTC protocol (WebRTC ingestion into a stream) is not available on this server',
      );
    const quic = ctx.endpoints.quic;
    if (protocols.includes('QUIC') && quic === undefined)
      return kvsError('InvalidArgumentException', 'this server does not listen for QUIC signaling');
    const found = await findChannel(ctx.records, ChannelARN);
    if (!found.ok) return found;
    // MASTER and VIEWER connect to the same endpoints; the WebSocket URL's X-Amz-ClientId tells them apart.
    // QUIC is listed only when asked for: the AWS SDKs pass an unknown protocol through.
    const list: ResourceEndpoint[] = protocols.map((p) => ({
      Protocol: p === 'WSS' ? 'WSS' : p === 'QUIC' ? 'QUIC' : 'HTTPS',
      ResourceEndpoint:
        p === 'WSS' ? ctx.endpoints.wss : p === 'QUIC' ? (quic as string) : ctx.endpoints.https,
    }));
    return kvsOk({ ResourceEndpointList: list });
  },
);
