// A real peerlink server on loopback for the WebRTC tests: ephemeral ports, TURN allowed to relay
// to loopback peers, an access key, and a channel per test made through the AWS SDK v3.
import { mkdtempSync } from 'node:fs';
import { Agent } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateSignalingChannelCommand, KinesisVideoClient } from '@aws-sdk/client-kinesis-video';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { loadServeConfig, startServer, type RunningServer } from '@peerlink/server';
import { pino } from 'pino';
import type { KvsTarget } from '../../src/index.js';

export interface KvsTestServer {
  readonly server: RunningServer;
  readonly ca: string;
  readonly credentials: { accessKeyId: string; secretAccessKey: string };
  /** A fresh channel named `name`, as a target for createKvsMaster / createKvsViewer. */
  channel(name: string): Promise<KvsTarget>;
  close(): Promise<void>;
}

export async function kvsTestServer(): Promise<KvsTestServer> {
  const config = loadServeConfig({
    flags: {
      'data-dir': mkdtempSync(join(tmpdir(), 'peerlink-webrtc-')),
      host: '127.0.0.1',
      'http-port': '0',
      'https-port': '0',
      'stun-port': '0',
      'allow-loopback-peers': true,
    },
    env: {},
  });
  const server = await startServer(config, { logger: pino({ level: 'silent' }) });
  const ca = (await server.dataDir.tls({})).cert;
  const key = await server.accessKeys.create(Date.now());
  const credentials = { accessKeyId: key.AccessKeyId, secretAccessKey: key.SecretAccessKey };
  return {
    server,
    ca,
    credentials,
    async channel(name) {
      const agent = new Agent({ ca });
      const kv = new KinesisVideoClient({
        region: 'us-west-2',
        endpoint: server.httpsUrl,
        credentials,
        maxAttempts: 1,
        requestHandler: new NodeHttpHandler({ httpsAgent: agent }),
      });
      try {
        await kv.send(new CreateSignalingChannelCommand({ ChannelName: name }));
      } finally {
        kv.destroy();
        agent.destroy();
      }
      return { endpoint: server.httpsUrl, channel: name, credentials, ca };
    },
    close: () => server.close(),
  };
}
