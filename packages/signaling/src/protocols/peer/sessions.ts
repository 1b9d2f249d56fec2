/**
 * Sessions in the store, with this node's cache of the ones its peers are in. The store is the truth
 * (any node may change a session); the cache serves the relay's hot path. A node drops its cached copy
 * when a message from another node reports a change (the router's session hint) and reads it again on
 * next use. Records expire unless the nodes holding their peers touch them (heartbeat).
 */
import type { SignalStore } from '../../store/store.js';
import { RECORD_VERSION } from '../../store/records.js';
import type { PeerEngineOptions } from './options.js';
import { peerSessionsKey, sessionKey, type LocalPeer, type SessionRecord } from './state.js';

export class PeerSessions {
  readonly cache = new Map<number, SessionRecord>();
  readonly ttlMs: number;
  readonly #random: () => number;

  constructor(
    readonly store: SignalStore,
    o: PeerEngineOptions,
    random?: () => number,
  ) {
    this.#random = random ?? (() => (Math.random() * 0xffffffff) >>> 0);
    this.ttlMs = Math.max(60_000, 4 * o.presenceTtlMs, 2 * o.awayTtlMs);
  }

  /** The session, from the cache or (on a miss, or `fresh`) the store. */
  async get(sid: number, opts: { fresh?: boolean } = {}): Promise<SessionRecord | undefined> {
    const cached = opts.fresh ? undefined : this.cache.get(sid);
    if (cached) return cached;
    const s = await this.store.get<SessionRecord>(sessionKey(sid));
    if (s) this.cache.set(sid, s);
    else this.cache.delete(sid);
    return s;
  }

  async create(initiator: string, target: string, now: number): Promise<SessionRecord> {
    for (;;) {
      const id = this.#random() >>> 0 || 1;
      const s: SessionRecord = {
        v: RECORD_VERSION,
        id,
        initiator,
        target,
        state: 'pending',
        createdAt: now,
        paths: { initiator: 'relay', target: 'relay' },
      };
      if (!(await this.store.put(sessionKey(id), s, { ttlMs: this.ttlMs, ifAbsent: true }))) continue;
      await this.store.addToSet(peerSessionsKey(initiator), String(id), this.ttlMs);
      await this.store.addToSet(peerSessionsKey(target), String(id), this.ttlMs);
      this.cache.set(id, s);
      return s;
    }
  }

  async save(s: SessionRecord): Promise<void> {
    this.cache.set(s.id, s);
    await this.store.put(sessionKey(s.id), s, { ttlMs: this.ttlMs });
  }

  async end(s: SessionRecord): Promise<void> {
    this.cache.delete(s.id);
    await this.store.delete(sessionKey(s.id));
    await this.store.removeFromSet(peerSessionsKey(s.initiator), String(s.id));
    await this.store.removeFromSet(peerSessionsKey(s.target), String(s.id));
  }

  /** A peer's sessions that still exist (for its welcome after a reconnect). */
  async ofPeer(peerId: string): Promise<SessionRecord[]> {
    const ids = (await this.store.members(peerSessionsKey(peerId))).map(Number);
    const found = await Promise.all(ids.map((sid) => this.get(sid, { fresh: true })));
    const live = found.filter((s): s is SessionRecord => s !== undefined);
    for (const sid of ids)
      if (!live.some((s) => s.id === sid))
        await this.store.removeFromSet(peerSessionsKey(peerId), String(sid));
    return live.sort((a, b) => a.createdAt - b.createdAt);
  }

  /** The keys a heartbeat keeps alive for a peer held here. */
  keysOf(peer: LocalPeer): string[] {
    return [peerSessionsKey(peer.id), ...[...peer.sessions].map(sessionKey)];
  }
}
