/**
 * What the peer protocol's parts share on one node: the connections and peers it holds, the session
 * cache, the router, and delivery to a peer wherever it is (here, on another node, or its mailbox
 * while it is away). Built by the engine when the core attaches it.
 */
import type { ConnApi } from '../../core/protocol.js';
import type { ConnId } from '../../core/types.js';
import type { Router } from '../../routing/router.js';
import type { ServerMessage } from './messages.js';
import type { PeerEngineOptions, PeerObserver } from './options.js';
import type { PeerSessions } from './sessions.js';
import { PEER_SCOPE, scoped, type LocalPeer, type PeerConn } from './state.js';

export class PeerContext {
  readonly conns = new Map<ConnId, PeerConn>();
  readonly peers = new Map<string, LocalPeer>();

  constructor(
    readonly api: ConnApi,
    readonly router: Router,
    readonly sessions: PeerSessions,
    readonly options: PeerEngineOptions,
    readonly obs: PeerObserver,
  ) {}

  send(conn: ConnId, msg: ServerMessage): void {
    this.obs.message('out', msg.type);
    this.api.send(conn, JSON.stringify(msg));
  }

  /** Sends to a peer by id wherever it is: here, on another node, or to its mailbox while away. */
  async toPeer(id: string, msg: ServerMessage, now: number, session?: number): Promise<void> {
    const local = this.peers.get(id);
    if (local?.conn !== undefined && this.api.live(local.conn)) return this.send(local.conn, msg);
    this.obs.message('out', msg.type);
    const text = JSON.stringify(msg);
    if (local && !(await this.#cameBackElsewhere(local))) {
      const held = await this.router.store.mailboxPut(scoped(id), text, now);
      return this.obs.mailbox(held ? 'held' : 'dropped');
    }
    const outcome = await this.router.sendText(scoped(id), text, {
      session: session ?? 0,
      mailbox: true,
      now,
    });
    if (outcome !== 'remote') this.obs.mailbox(outcome === 'mailbox' ? 'held' : 'dropped');
  }

  /**
   * A peer away from this node may have registered on another one: its presence there says so (the
   * registration found no presence of ours to replace, as this node deleted it when the peer left).
   * Then this node forgets its away record, without closing the peer's sessions (they live on, there),
   * and messages go where the peer is instead of into a mailbox it only reads when it registers.
   */
  async #cameBackElsewhere(local: LocalPeer): Promise<boolean> {
    const p = await this.router.store.getPresence(scoped(local.id));
    if (!p || p.node === this.router.nodeId || this.peers.get(local.id) !== local) return false;
    if (local.conn === undefined) this.peers.delete(local.id);
    return true;
  }

  /** A text message from another node for a connection here; false when `conn` no longer holds `id`. */
  deliverText(conn: ConnId, id: string, text: string, session: number): boolean {
    if (session !== 0) this.sessions.cache.delete(session); // the message reports a change to it
    if (!this.holds(conn, id)) return false;
    const peer = this.peers.get(id.slice(PEER_SCOPE.length));
    // The sender wrote the text with JSON.stringify, type first: no need to parse it to keep the
    // peer's session set (limits, heartbeat) in step.
    if (session !== 0 && text.startsWith('{"type":"incoming"')) peer?.sessions.add(session);
    if (session !== 0 && /^\{"type":"(closed|rejected)"/.test(text)) peer?.sessions.delete(session);
    this.api.send(conn, text);
    return true;
  }

  /** Whether connection `conn` here is open and registered as the scoped id `id`. */
  holds(conn: ConnId, id: string): boolean {
    const c = this.conns.get(conn);
    return c !== undefined && c.peerId !== undefined && scoped(c.peerId) === id && this.api.live(conn);
  }
}
