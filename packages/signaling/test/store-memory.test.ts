// The memory store passes the store compliance suite: nodes share one MemoryHub, time is a fake
// clock, an outage is setDown.
import { MemoryBus, MemoryHub, MemoryStore } from '../src/store/memory-store.js';
import { storeCompliance, type ComplianceTarget } from './helpers/store-compliance.js';

storeCompliance('memory', async (): Promise<ComplianceTarget> => {
  const hub = new MemoryHub();
  let now = 1_000_000;
  const stores: MemoryStore[] = [];
  const setDown = (down: boolean) => {
    for (const s of stores) s.setDown(down);
  };
  return {
    makeNode: async (nodeId, mailbox) => {
      const store = new MemoryStore({ hub, mailbox, now: () => now });
      stores.push(store);
      return { store, bus: new MemoryBus(nodeId, hub) };
    },
    rawPut: async (where, key, text) => {
      hub.records.set(where === 'presence' ? `presence/${key}` : key, { json: text, expires: Infinity });
    },
    elapse: async (ms) => {
      now += ms;
    },
    ttlUnitMs: 1000,
    outage: async () => setDown(true),
    recover: async () => setDown(false),
    close: async () => {},
  };
});
