/**
 * Run inside a lab host's namespace (`ip netns exec NS node kvs-setup.js`): the KVS control plane
 * as that host reaches it through its NATs. Creates the channel when asked (CreateSignalingChannel
 * through the AWS SDK v3), then resolves it for a role and prints one JSON line: the ARN, the WSS
 * endpoint and the ICE servers from GetIceServerConfig. The runner hands these to a Chromium page,
 * which cannot use the data dir's CA for the control plane as Node can.
 *
 *   node kvs-setup.js ENDPOINT CA_FILE CHANNEL MASTER|VIEWER CLIENT_ID [--create]
 *   (credentials from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY)
 */
import { readFileSync } from 'node:fs';
import { Agent } from 'node:https';
import { CreateSignalingChannelCommand, KinesisVideoClient } from '@aws-sdk/client-kinesis-video';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { resolveChannel } from '@peerlink/webrtc';

async function main(argv: string[]): Promise<void> {
  const [endpoint, caFile, channel, role, clientId] = argv;
  if (!endpoint || !caFile || !channel || (role !== 'MASTER' && role !== 'VIEWER') || !clientId)
    throw new Error('usage: kvs-setup ENDPOINT CA_FILE CHANNEL MASTER|VIEWER CLIENT_ID [--create]');
  const credentials = {
    accessKeyId: process.env['AWS_ACCESS_KEY_ID'] ?? '',
    secretAccessKey: process.env['AWS_SECRET_ACCESS_KEY'] ?? '',
  };
  const ca = readFileSync(caFile, 'utf8');
  if (argv.includes('--create')) {
    const agent = new Agent({ ca });
    const kv = new KinesisVideoClient({
      region: 'us-west-2',
      endpoint,
      credentials,
      maxAttempts: 1,
      requestHandler: new NodeHttpHandler({ httpsAgent: agent }),
    });
    try {
      await kv.send(new CreateSignalingChannelCommand({ ChannelName: channel }));
    } finally {
      kv.destroy();
      agent.destroy();
    }
  }
  const r = await resolveChannel({ endpoint, channel, credentials, ca }, role, clientId);
  process.stdout.write(`${JSON.stringify(r)}\n`);
}

main(process.argv.slice(2)).catch((e: Error) => {
  process.stderr.write(`kvs-setup: ${e.message}\n`);
  process.exitCode = 1;
});
