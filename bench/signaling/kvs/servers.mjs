// Starts the KVS scenario's servers the way an operator would: an access key from
// `peerlink access-keys create --json` on the store the nodes use (the data dir, or the cluster's Redis
// with one key-encryption key file every node is given), the nodes (`peerlink serve`), then the
// channels through the control plane with the AWS SDK (CreateSignalingChannel). The trivial forwarder
// needs none of it.
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CreateSignalingChannelCommand, KinesisVideoClient } from '@aws-sdk/client-kinesis-video';
import { PEERLINK_BIN, redisArgs, startNodes, startRedis, startServer } from '../processes.mjs';
import { REGION } from './frames.mjs';

const run = promisify(execFile);
// The bench drives each connection far past AWS's per-connection rates (5 offers/s, 5 answers/s, 20
// candidates/s): lift them, as the peer bench lifts --message-rate.
const UNLIMITED = String(1e9);

/** `peerlink access-keys create --json` against a store; resolves with the key it printed. */
async function createAccessKey(storeArgs) {
  const { stdout } = await run(process.execPath, [
    PEERLINK_BIN,
    'access-keys',
    'create',
    '--json',
    ...storeArgs,
  ]);
  return JSON.parse(stdout);
}

/** Channels bench-0..N-1 through the control plane; resolves with their ARNs in order. */
async function createChannels(httpUrl, key, n) {
  const kv = new KinesisVideoClient({
    region: REGION,
    endpoint: httpUrl,
    credentials: { accessKeyId: key.AccessKeyId, secretAccessKey: key.SecretAccessKey },
    maxAttempts: 1,
  });
  const arns = [];
  try {
    for (let ch = 0; ch < n; ch++) {
      for (;;) {
        try {
          const r = await kv.send(new CreateSignalingChannelCommand({ ChannelName: `bench-${ch}` }));
          arns.push(r.ChannelARN);
          break;
        } catch (err) {
          // The control plane allows 50 requests/s per key (burst 100): past that, pace and retry.
          if (err.name !== 'ClientLimitExceededException') throw err;
          await new Promise((r) => setTimeout(r, 200));
        }
      }
    }
  } finally {
    kv.destroy();
  }
  return arns;
}

/**
 * The server under test: `trivial`, or peerlink as `nodes` processes on the embedded store (one node)
 * or sharing a private redis-server. Resolves with its URLs (one per node), the pids whose CPU counts
 * as the server's, Redis's pid apart, `setup` for the load generator (key and channel ARNs), stop().
 */
export async function startKvsServer(kind, { nodes = 1, store = 'embedded', channels, viewers, secret }) {
  if (kind !== 'peerlink') return { ...(await startServer(kind)), setup: {} };
  if (store === 'embedded' && nodes !== 1) throw new Error('several nodes need the redis store');
  const redis = store === 'redis' ? await startRedis() : undefined;
  const dataDirs = Array.from({ length: nodes }, () => mkdtempSync(join(tmpdir(), 'bench-kvs-')));
  // The store the key goes to: node A's data dir, or the cluster's Redis with one KEK file that the
  // first `access-keys create` makes and every node is given.
  const kek = join(mkdtempSync(join(tmpdir(), 'bench-kek-')), 'kek.key');
  const clusterArgs = redis ? [...redisArgs(redis, `bench-kvs-${process.pid}:`), '--kek-file', kek] : [];
  let key;
  try {
    key = await createAccessKey(redis ? clusterArgs : ['--data-dir', dataDirs[0]]);
  } catch (err) {
    redis?.child.kill('SIGKILL');
    throw err;
  }
  const args = ['--kvs-max-viewers', String(viewers)];
  for (const o of ['offer', 'answer', 'candidate', 'message']) args.push(`--kvs-${o}-rate`, UNLIMITED);
  const server = await startNodes({ secret, count: nodes, redis, clusterArgs, args, dataDirs });
  try {
    const arns = await createChannels(server.urls[0].replace(/^ws/, 'http'), key, channels);
    return { ...server, setup: { key, arns } };
  } catch (err) {
    server.stop();
    throw err;
  }
}
