// The cross-node peer protocol on Redis: two nodes on a private redis-server, a fresh key prefix per
// test. The outage is the server stopped; recovery is the same server restarted without its data
// (no persistence, as tests and many deployments run it), awaited until every node's store answers
// again and its bus publishes: the nodes' next heartbeat writes their peers' presence again.
import { setTimeout as elapse } from 'node:timers/promises';
import { peerClusterSuite } from './helpers/peer-cluster-suite.js';
import { redisNodes } from './helpers/redis-nodes.js';

const redis = redisNodes();

peerClusterSuite('redis', {
  nodes: async () => {
    const [a, b] = await redis.open(2);
    return [a!, b!];
  },
  outage: () => redis.outage(),
  recover: () => redis.recover(),
  passStoreTime: async (ms, hs) => {
    await elapse(ms); // Redis TTLs run on real time
    for (const h of hs) h.now += ms / hs.length;
  },
});
