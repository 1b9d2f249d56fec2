// The SignalStore / SignalBus contract as tests: every store implementation runs this one suite
// (js-libp2p's interface-compliance-tests shape). The memory store is the reference behaviour.
// What differs per backend comes in through a ComplianceTarget: how to make nodes that share state,
// how time passes (a fake clock, or real time with short TTLs), how to play an outage.
import { after, before, describe } from 'node:test';
import type { MailboxLimits, SignalBus, SignalStore } from '../../src/store/store.js';
import { busCompliance } from './compliance-bus.js';
import { dataCompliance } from './compliance-data.js';
import { outageCompliance } from './compliance-outage.js';

export interface StoreNode {
  readonly store: SignalStore;
  readonly bus: SignalBus;
}

export interface ComplianceTarget {
  /** A node on the shared backend: nodes made by one target see the same records and channels. */
  makeNode(nodeId: string, mailbox: MailboxLimits): Promise<StoreNode>;
  /** Writes text under a key past the store, as another version of the code would have. */
  rawPut(where: 'record' | 'presence', key: string, text: string): Promise<void>;
  /** Lets `ms` of the backend's time pass (a fake clock steps; Redis is waited for). */
  elapse(ms: number): Promise<void>;
  /** A TTL the backend measures reliably; tests use multiples of it. */
  readonly ttlUnitMs: number;
  /** The backend becomes unreachable (resolves once it is). */
  outage(): Promise<void>;
  /** The backend is back (resolves once it answers; clients may still be reconnecting). */
  recover(): Promise<void>;
  close(): Promise<void>;
}

/** Mailbox limits of the suite's nodes: small enough to reach in a test. */
export const LIMITS: MailboxLimits = { ttlMs: 60_000, maxMessages: 3, maxBytes: 10 };

/** What a section of the suite is handed: two nodes, `a` and `b`, and the target. */
export interface ComplianceContext {
  readonly target: ComplianceTarget;
  readonly a: StoreNode;
  readonly b: StoreNode;
  /** A key no other test uses. */
  unique(label: string): string;
}

export function storeCompliance(name: string, setup: () => Promise<ComplianceTarget>): void {
  describe(`store compliance: ${name}`, () => {
    let ctx: ComplianceContext | undefined;
    let seq = 0;
    const get = (): ComplianceContext => {
      if (!ctx) throw new Error('the compliance target was not set up');
      return ctx;
    };

    before(async () => {
      const target = await setup();
      const [a, b] = await Promise.all([target.makeNode('a', LIMITS), target.makeNode('b', LIMITS)]);
      ctx = { target, a, b, unique: (label) => `${label}-${++seq}` };
    });

    after(async () => {
      if (!ctx) return;
      for (const n of [ctx.a, ctx.b]) await Promise.all([n.store.close(), n.bus.close()]);
      await ctx.target.close();
    });

    dataCompliance(get);
    busCompliance(get);
    outageCompliance(get); // last: it takes the backend away and brings it back
  });
}
