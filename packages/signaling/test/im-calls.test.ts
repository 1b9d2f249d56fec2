// The IM call protocol's rules on the memory store: one node, two nodes on one MemoryHub, an outage.
import { MemoryHub, MemoryStore } from '../src/index.js';
import { memoryBackend, type Backend } from './helpers.js';
import { imCallSuite } from './helpers/im-call-suite.js';

let hub = new MemoryHub();
let stores: MemoryStore[] = [];

imCallSuite('memory', {
  backends: async (n, now) => {
    hub = new MemoryHub();
    const out: Backend[] = [];
    for (let i = 1; i <= n; i++) out.push(memoryBackend(`node-${i}`, hub, now));
    stores = out.map((b) => b.store as MemoryStore);
    return out;
  },
  outage: async () => stores[0]?.setDown(true),
  recover: async () => stores[0]?.setDown(false),
});
