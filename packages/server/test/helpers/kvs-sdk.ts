// The AWS SDK v3 clients the KVS tests drive a running server with: the control plane on its HTTPS
// URL and the signaling data plane on an endpoint it hands out, both signing with an issued access
// key and trusting the server's development certificate through `agent`.
import type { Agent } from 'node:https';
import { GetSignalingChannelEndpointCommand, KinesisVideoClient } from '@aws-sdk/client-kinesis-video';
import { KinesisVideoSignalingClient } from '@aws-sdk/client-kinesis-video-signaling';
import { NodeHttpHandler } from '@smithy/node-http-handler';

export interface KvsSdkTarget {
  readonly region: string;
  readonly credentials: { accessKeyId: string; secretAccessKey: string };
  readonly agent: Agent;
}

const common = (t: KvsSdkTarget, endpoint: string) => ({
  region: t.region,
  endpoint,
  credentials: t.credentials,
  maxAttempts: 1,
  requestHandler: new NodeHttpHandler({ httpsAgent: t.agent }),
});

export function controlClient(t: KvsSdkTarget, httpsUrl: string): KinesisVideoClient {
  return new KinesisVideoClient(common(t, httpsUrl));
}

export function signalingClient(t: KvsSdkTarget, httpsEndpoint: string): KinesisVideoSignalingClient {
  return new KinesisVideoSignalingClient(common(t, httpsEndpoint));
}

/** The endpoints GetSignalingChannelEndpoint gives `role` on channel `arn`, by protocol (WSS, HTTPS). */
export async function channelEndpoints(
  kv: KinesisVideoClient,
  arn: string,
  role: 'MASTER' | 'VIEWER',
): Promise<Record<string, string>> {
  const { ResourceEndpointList } = await kv.send(
    new GetSignalingChannelEndpointCommand({
      ChannelARN: arn,
      SingleMasterChannelEndpointConfiguration: { Protocols: ['WSS', 'HTTPS'], Role: role },
    }),
  );
  return Object.fromEntries((ResourceEndpointList ?? []).map((e) => [e.Protocol, e.ResourceEndpoint]));
}
