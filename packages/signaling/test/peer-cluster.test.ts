// The cross-node peer protocol on the memory store: two in-process nodes on one MemoryHub.
import { MemoryHub } from '../src/index.js';
import { memoryBackend } from './helpers.js';
import { peerClusterSuite } from './helpers/peer-cluster-suite.js';

let hub = new MemoryHub();
let clock: () => number = () => 0;
peerClusterSuite('memory', {
  nodes: async (now) => {
    hub = new MemoryHub();
    clock = now;
    return [memoryBackend('node-1', hub, now), memoryBackend('node-2', hub, now)];
  },
  outage: async () => {
    hub.down = true;
  },
  recover: async () => {
    hub.down = false;
  },
  passStoreTime: async (ms, hs) => {
    void clock;
    for (const h of hs) h.now += ms / hs.length;
  },
});
