// A KVS viewer over WSS for the lab, run as its own process inside a lab namespace (the test
// process cannot reach the lab's internet): creates the signaling channel through the control plane
// (the AWS SDK, SigV4 with the given access key), prints {"event":"channel","arn":...}, then on each
// "go" line on stdin opens the /kvs WebSocket as viewer CLIENT_ID-N, offers and sends a candidate,
// and prints {"event":"exchanged","answer":TYPE,"candidate":TYPE} with what the master sent back.
//
//   node kvs-wss-viewer.js HTTPS_URL CHANNEL ACCESS_KEY_ID SECRET CLIENT_ID
import { Agent } from 'node:https';
import { createInterface } from 'node:readline';
import { CreateSignalingChannelCommand, KinesisVideoClient } from '@aws-sdk/client-kinesis-video';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { kvsExchange, openKvsWssViewer } from '@peerlink/testing';

const [httpsUrl = '', channel = '', accessKeyId = '', secret = '', clientId = 'viewer'] =
  process.argv.slice(2);
const region = 'us-west-2';
const out = (o: Record<string, unknown>): void => void process.stdout.write(`${JSON.stringify(o)}\n`);

const kv = new KinesisVideoClient({
  region,
  endpoint: httpsUrl,
  credentials: { accessKeyId, secretAccessKey: secret },
  maxAttempts: 1,
  // The lab server's development certificate names no lab address: this helper checks nothing.
  requestHandler: new NodeHttpHandler({ httpsAgent: new Agent({ rejectUnauthorized: false }) }),
});
const made = await kv.send(new CreateSignalingChannelCommand({ ChannelName: channel }));
kv.destroy();
const arn = made.ChannelARN ?? '';
out({ event: 'channel', arn });

let n = 0;
for await (const line of createInterface({ input: process.stdin })) {
  if (line.trim() !== 'go') continue;
  const viewer = await openKvsWssViewer({
    httpsUrl,
    accessKeyId,
    secret,
    region,
    channelArn: arn,
    clientId: `${clientId}-${n++}`,
  });
  const [answer, candidate] = await kvsExchange(viewer);
  viewer.close();
  out({ event: 'exchanged', answer: answer?.['messageType'], candidate: candidate?.['messageType'] });
}
