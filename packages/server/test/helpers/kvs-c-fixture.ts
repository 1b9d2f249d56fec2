// A running server set up the way a KVS C SDK deployment uses it (--public-url on 443, so the WSS
// endpoint has no port), an access key it issued, a channel made through the control plane, and
// C SDK connections to it: URLs presigned the C SDK's way, dialled on the server's real port with the
// Host header the SDK sends. Also reads the server's Prometheus counters.
import assert from 'node:assert/strict';
import { Agent } from 'node:https';
import { CreateSignalingChannelCommand } from '@aws-sdk/client-kinesis-video';
import { cSdkPresign } from '@peerlink/testing';
import type { RunningServer } from '../../src/index.js';
import { CSdkSocket } from './kvs-c-socket.js';
import { channelEndpoints, controlClient } from './kvs-sdk.js';
import { start } from './start-server.js';
import type { Refusal } from './ws-open.js';

export interface ConnectOptions {
  /** When the SDK's credentials expire (ms); absent: static credentials. */
  readonly credentialsExpireAt?: number;
  /** A Host header other than the SDK's. */
  readonly hostHeader?: string;
}

export interface KvsCFixture {
  readonly server: RunningServer;
  readonly ca: string;
  readonly tlsAgent: Agent;
  readonly region: string;
  readonly credentials: { accessKeyId: string; secretAccessKey: string };
  readonly channelARN: string;
  /** The WSS endpoint GetSignalingChannelEndpoint handed out. */
  readonly wss: string;
  readonly port: number;
  /** A C SDK connection: the master without a client id, a viewer with one. */
  connect(clientId?: string, opts?: ConnectOptions): Promise<CSdkSocket | Refusal>;
  connected(clientId?: string, opts?: ConnectOptions): Promise<CSdkSocket>;
  /** The sum of the series of counter `name` whose labels include `labels`. */
  metric(name: string, labels?: Readonly<Record<string, string>>): Promise<number>;
  close(): Promise<void>;
}

export async function kvsCFixture(o: {
  region: string;
  channel: string;
  flags?: Record<string, string>;
}): Promise<KvsCFixture> {
  const server = await start({}, { 'public-url': 'https://localhost', ...o.flags });
  const ca = (await server.dataDir.tls({})).cert;
  const tlsAgent = new Agent({ ca });
  const key = await server.accessKeys.create(Date.now());
  const credentials = { accessKeyId: key.AccessKeyId, secretAccessKey: key.SecretAccessKey };
  const kv = controlClient({ region: o.region, credentials, agent: tlsAgent }, server.httpsUrl);
  let channelARN: string;
  let wss: string;
  try {
    const made = await kv.send(new CreateSignalingChannelCommand({ ChannelName: o.channel }));
    channelARN = made.ChannelARN ?? '';
    wss = (await channelEndpoints(kv, channelARN, 'VIEWER'))['WSS'] ?? '';
  } finally {
    kv.destroy();
  }
  const port = Number(new URL(server.httpsUrl).port);
  const connect = (clientId?: string, opts: ConnectOptions = {}): Promise<CSdkSocket | Refusal> => {
    const url = cSdkPresign({
      endpoint: wss,
      channelArn: channelARN,
      ...(clientId !== undefined ? { clientId } : {}),
      accessKeyId: credentials.accessKeyId,
      secret: credentials.secretAccessKey,
      region: o.region,
      ...(opts.credentialsExpireAt !== undefined ? { credentialsExpireAt: opts.credentialsExpireAt } : {}),
    });
    return CSdkSocket.open(url, '127.0.0.1', port, ca, opts.hostHeader);
  };
  return {
    server,
    ca,
    tlsAgent,
    region: o.region,
    credentials,
    channelARN,
    wss,
    port,
    connect,
    async connected(clientId, opts) {
      const s = await connect(clientId, opts);
      assert.ok(s instanceof CSdkSocket, `refused: ${JSON.stringify(s)}`);
      return s;
    },
    async metric(name, labels = {}) {
      const text = await (await fetch(`${server.httpUrl}/metrics`)).text();
      let sum = 0;
      for (const line of text.split('\n')) {
        const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? ([0-9.eE+-]+)$/.exec(line);
        if (!m || m[1] !== name) continue;
        const have = Object.fromEntries(
          [...(m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)].map((l) => [
            l[1],
            l[2],
          ]),
        );
        if (Object.entries(labels).every(([k, v]) => have[k] === v)) sum += Number(m[3]);
      }
      return sum;
    },
    async close() {
      tlsAgent.destroy();
      await server.close();
    },
  };
}
