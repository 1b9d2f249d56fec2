/**
 * PeerNode: a peer's presence on the server and the factory of its connections.
 *
 * Connecting, relay first: the Noise handshake rides the signaling exchange itself (its first
 * message in `connect`, the second in `answer`), so the session is open as soon as the answer
 * arrives and the first byte needs one relay round trip more. Data then flows as relay frames.
 * When the server connection drops or says GO_AWAY, the node re-registers; sessions the server kept
 * continue, and for the others the initiating side re-establishes the relay under the same
 * connection id, which the other side recognises. The transport session itself never resets, so
 * nothing is lost: KCP repeats what the gap swallowed.
 */
import { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';
import { debuglog } from 'node:util';
import { createIdentity, PathSession, Session, type Identity, type KcpModeName } from '@peerlink/transport';
import { monotonicClock as now, nodeAead } from '@peerlink/transport/node';
import { BirthdayLock } from '@peerlink/p2p';
import {
  parsePeerConnectPayload,
  type PeerClientMessage,
  type PeerServerMessage,
  type PeerServerMessageOf,
  type PeerWelcome,
} from '@peerlink/wire';
import { decodeCheck } from './direct/check-packet.js';
import { DirectAgent } from './direct/direct-agent.js';
import { NodeCandidates } from './direct/node-candidates.js';
import { NodePortMapping } from './direct/node-port-mapping.js';
import { NodeTurn } from './direct/node-turn.js';
import { stunAddress } from './direct/stun-address.js';
import { UdpMux } from './direct/udp-mux.js';
import { ClientError } from './errors.js';
import { PeerConnection } from './peer-connection.js';
import { RelayPath } from './relay-path.js';
import { SignalingClient } from './signaling-client.js';

/** `NODE_DEBUG=peerlink-client`: replies that found no request waiting (a timed-out one, or a bug). */
const debug = debuglog('peerlink-client');
const b64u = (b: Uint8Array): string => Buffer.from(b).toString('base64url');
const b64uBytes = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'base64url'));
/** Decodes base64url from the wire, refusing what is not a string or longer than `max` characters. */
const fromB64u = (s: unknown, max = 4096): Uint8Array | undefined =>
  typeof s === 'string' && s.length > 0 && s.length <= max ? b64uBytes(s) : undefined;

/** What a request settles with: the server's reply, or what happened instead. */
type Reply = PeerServerMessage | { type: 'timeout' } | { type: 'unsent' };

export interface PeerNodeOptions {
  /**
   * The server's http(s) base URL, or `quic://HOST:PORT` for its QUIC carrier (signaling and relay
   * on one QUIC connection, docs/quic-signaling.md).
   */
  readonly server: string;
  readonly id: string;
  /** Peer token (`peerlink token`), or a function returning a fresh one per registration. */
  readonly token: string | (() => string | Promise<string>);
  /** Long-term Ed25519 identity; a fresh one by default. */
  readonly identity?: Identity;
  /** KCP mode of the sessions this node starts (default 'fast'). */
  readonly mode?: KcpModeName;
  /** Accept a self-signed server certificate (development). */
  readonly insecureTls?: boolean;
  /** Trusted CA certificates (PEM) for the server's certificate; default: the system's roots. */
  readonly ca?: string | readonly string[];
  /**
   * quic:// only: relay bytes queued on the QUIC stream past which relay frames are dropped and
   * counted (`relayDroppedFrames`); default 512 KiB.
   */
  readonly relayQueueBytes?: number;
  /** Decide on incoming connections; accepts all by default. */
  readonly accept?: (peerId: string) => boolean;
  readonly reconnectGiveUpMs?: number;
  /** Try direct UDP paths beside the relay (default true). */
  readonly direct?: boolean;
  /**
   * Ask the local gateway to forward the node's UDP port (PCP, then NAT-PMP, then UPnP-IGD; default
   * true): a mapped port is a candidate even a symmetric NAT's peer can reach.
   */
  readonly portMapping?: boolean;
}

export interface ConnectOptions {
  /** Pin the peer's Ed25519 public key: a different key is an error, whatever the server says. */
  readonly peerKey?: Uint8Array;
  /** Give up after this long without an open connection (default 15,000 ms). */
  readonly timeoutMs?: number;
}

export interface PeerNodeEvents {
  connection: [conn: PeerConnection];
  /** The signaling connection's state, and why it changed (a close code and reason, GO_AWAY...). */
  state: [state: SignalingClient['state'], why?: string];
}

const SESSION_MTU = 1200;

export class PeerNode extends EventEmitter<PeerNodeEvents> {
  readonly identity: Identity;
  readonly #signaling: SignalingClient;
  readonly #byServerSession = new Map<number, PeerConnection>();
  readonly #byConnectionId = new Map<string, PeerConnection>();
  readonly #pending = new Map<string, (msg: PeerServerMessage) => void>();
  readonly #agents = new Map<string, DirectAgent>();
  #mux: UdpMux | undefined;
  #candidates: NodeCandidates | undefined;
  #portMapping: NodePortMapping | undefined;
  #turn: NodeTurn | undefined;
  /** The TURN server's IP: a peer address there is a TURN path. */
  #relayIps: string[] = [];
  readonly #birthdayLock = new BirthdayLock();

  private constructor(readonly opts: PeerNodeOptions) {
    super();
    this.identity = opts.identity ?? createIdentity();
    this.#signaling = new SignalingClient({
      server: opts.server,
      id: opts.id,
      token: opts.token,
      publicKey: b64u(this.identity.publicKey),
      ...(opts.insecureTls !== undefined ? { insecureTls: opts.insecureTls } : {}),
      ...(opts.ca !== undefined ? { ca: opts.ca } : {}),
      ...(opts.relayQueueBytes !== undefined ? { relayQueueBytes: opts.relayQueueBytes } : {}),
      ...(opts.reconnectGiveUpMs !== undefined ? { reconnectGiveUpMs: opts.reconnectGiveUpMs } : {}),
    });
    this.#signaling.onMessage = (m) => this.#onMessage(m);
    this.#signaling.onFrame = (session, payload) =>
      this.#byServerSession.get(session)?.relay.deliver(payload);
    this.#signaling.onWelcome = (w, resumed) => {
      if (resumed) this.#resume(w);
    };
    this.#signaling.onStateChange = (s, why) => {
      for (const c of this.#byConnectionId.values()) c.setReconnecting(s === 'reconnecting');
      if (s === 'closed')
        for (const c of [...this.#byConnectionId.values()])
          c.fail(new ClientError('CLIENT_CLOSED', 'lost the server'));
      this.emit('state', s, why);
    };
  }

  static async start(opts: PeerNodeOptions): Promise<PeerNode> {
    const node = new PeerNode(opts);
    const welcome = await node.#signaling.start();
    if (opts.direct !== false) await node.#openDirect(welcome);
    return node;
  }

  /** The node's one UDP socket (direct paths, checks, STUN), when direct paths are on. */
  get udp(): UdpMux | undefined {
    return this.#mux;
  }

  async #openDirect(welcome: PeerWelcome): Promise<void> {
    const mux = await UdpMux.open();
    this.#mux = mux;
    mux.onCheck = (bytes, from, via) => {
      const tag = Buffer.from(bytes.subarray(2, 10)).toString('hex');
      const agent = this.#agents.get(tag);
      if (!agent) return;
      const check = decodeCheck(bytes, () => agent.localPassword);
      if (check) agent.onCheck(check, from, via);
    };
    const stun = await stunAddress(welcome.stun.primary, this.opts.server);
    if (stun) this.#relayIps = [stun.address];
    this.#turn = new NodeTurn(mux, () => this.#signaling.welcome?.iceServers ?? [], this.opts.server);
    const candidates = new NodeCandidates(mux, stun, (l, generation) => {
      for (const a of this.#agents.values()) a.setLocal(l, generation);
    });
    this.#candidates = candidates;
    candidates.start();
    if (this.opts.portMapping !== false) {
      this.#portMapping = new NodePortMapping(mux.port, (c) => candidates.setMapped(c));
      this.#portMapping.start();
    }
  }

  get id(): string {
    return this.opts.id;
  }

  /** Relay frames the signaling socket dropped at its queue cap (QUIC; docs/quic-signaling.md). */
  get relayDroppedFrames(): number {
    return this.#signaling.droppedFrames;
  }

  /** The welcome of the current registration: observed address, STUN and ICE servers. */
  get welcome(): PeerWelcome | undefined {
    return this.#signaling.welcome;
  }

  get connections(): PeerConnection[] {
    return [...this.#byConnectionId.values()];
  }

  /** Opens an encrypted connection to `peerId` through the relay. */
  async connect(peerId: string, opts: ConnectOptions = {}): Promise<PeerConnection> {
    const timeoutMs = opts.timeoutMs ?? 15_000;
    const connectionId = randomBytes(12).toString('base64url');
    const session = this.#newSession('initiator', opts.peerKey);
    session.start(now());
    const hs1 = session.takeOutput();
    const ref = connectionId;
    const deadline = Date.now() + timeoutMs;
    const asked = now();
    // The answer can arrive in the same read as `connecting` (a ws read hands over all its messages
    // in one tick, and a process descheduled on a busy machine finds both in its socket), and the
    // peer's first signals and relay frames right behind it. So the answer's waiter is set as
    // `connecting` is read, and the connection is wired as the answer is read: not after an await,
    // when those messages would already have found nothing to take them.
    const got: { answer?: Promise<Reply>; conn?: PeerConnection } = {};
    const reply = await this.#request(
      ref,
      { type: 'connect', target: peerId, ref, payload: { connection: connectionId, hs: hs1.map(b64u) } },
      timeoutMs,
      (r) => {
        if (r.type !== 'connecting') return;
        got.answer = this.#request(`s${r.session}`, undefined, deadline - Date.now(), (a) => {
          if (a.type === 'answered')
            got.conn = this.#answered(peerId, connectionId, session, a, now() - asked);
        });
      },
    );
    if (reply.type === 'error') {
      const code = reply.code === 'PEER_OFFLINE' ? 'CLIENT_PEER_OFFLINE' : 'CLIENT_PROTOCOL';
      throw new ClientError(code, `${reply.code}: ${reply.message}`);
    }
    if (reply.type === 'unsent')
      throw new ClientError('CLIENT_PROTOCOL', 'NOT_CONNECTED: not connected to the server');
    if (reply.type !== 'connecting' || !got.answer)
      throw new ClientError('CLIENT_TIMEOUT', `${peerId} did not answer within ${timeoutMs} ms`);
    const serverSession = reply.session;
    const answer = await got.answer;
    if (answer.type === 'rejected')
      throw new ClientError('CLIENT_REJECTED', `${peerId} rejected: ${answer.reason}`);
    const conn = got.conn;
    if (answer.type !== 'answered' || !conn) {
      this.#signaling.send({ type: 'close', session: serverSession, reason: 'timeout' });
      throw new ClientError('CLIENT_TIMEOUT', `${peerId} did not answer within ${timeoutMs} ms`);
    }
    const announced = fromB64u(answer.publicKey);
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(
        () => {
          conn.close();
          reject(
            new ClientError('CLIENT_TIMEOUT', `no encrypted session with ${peerId} within ${timeoutMs} ms`),
          );
        },
        Math.max(0, deadline - Date.now()),
      );
      if (conn.state === 'connected' || conn.state === 'closed') {
        clearTimeout(t);
        return conn.state === 'connected'
          ? resolve()
          : reject(conn.error ?? new ClientError('CLIENT_CLOSED', 'closed while connecting'));
      }
      conn.once('open', () => {
        clearTimeout(t);
        resolve();
      });
      conn.once('close', (err) => {
        clearTimeout(t);
        reject(err ?? new ClientError('CLIENT_CLOSED', 'closed while connecting'));
      });
    });
    if (
      announced &&
      conn.remoteKey &&
      Buffer.compare(Buffer.from(announced), Buffer.from(conn.remoteKey)) !== 0 &&
      !opts.peerKey
    ) {
      conn.close();
      throw new ClientError('CLIENT_TRANSPORT', `${peerId} proved a different key than the server announced`);
    }
    return conn;
  }

  /** Wires and runs the connection the peer answered: the answer carries its handshake message. */
  #answered(
    peerId: string,
    connectionId: string,
    session: Session,
    a: PeerServerMessageOf<'answered'>,
    signalingRttMs: number,
  ): PeerConnection {
    const conn = this.#wire(peerId, connectionId, true, session, a.session);
    conn.agent?.setSignalingRtt(signalingRttMs);
    conn.agent?.vouch(a.address);
    for (const h of parsePeerConnectPayload(a.payload).hs) conn.relay.deliver(b64uBytes(h));
    conn.run();
    return conn;
  }

  close(): void {
    for (const c of [...this.#byConnectionId.values()]) c.close();
    this.#signaling.close();
    this.#candidates?.close();
    this.#portMapping?.close();
    this.#turn?.close();
    this.#mux?.close();
  }

  // ---- internals ---------------------------------------------------------------------------------

  #newSession(role: 'initiator' | 'responder', remoteIdentity: Uint8Array | undefined): Session {
    return new Session({
      role,
      identity: this.identity,
      remoteIdentity,
      mode: this.opts.mode ?? 'fast',
      mtu: SESSION_MTU,
      aead: nodeAead,
    });
  }

  #wire(
    peerId: string,
    connectionId: string,
    initiator: boolean,
    session: Session,
    serverSession: number,
  ): PeerConnection {
    const relay = new RelayPath(this.#signaling, serverSession);
    // The session's events go to the connection that owns it, created right after.
    const owner: { conn?: PeerConnection } = {};
    const ps = new PathSession(session, now, (e) => owner.conn?.handleEvent(e), SESSION_MTU);
    const conn = new PeerConnection(peerId, connectionId, initiator, ps, relay, (c) => {
      this.#byConnectionId.delete(c.connectionId);
      this.#byServerSession.delete(c.relay.session);
      this.#signaling.send({ type: 'close', session: c.relay.session, reason: 'closed' });
    });
    owner.conn = conn;
    relay.afterDeliver = () => conn.activity();
    const mux = this.#mux;
    if (mux) {
      const agent = new DirectAgent(
        connectionId,
        mux,
        {
          ps,
          signal: (data) => this.#signaling.send({ type: 'signal', session: conn.relay.session, data }),
          switched: (kind, remote) => {
            const host = remote?.address.includes(':') ? `[${remote.address}]` : remote?.address;
            conn.setPath(kind, remote ? `${host}:${remote.port}` : null);
            this.#signaling.reportPath(conn.relay.session, kind);
          },
          afterDeliver: () => conn.activity(),
          needTurn: async () => this.#turn?.candidate(),
          permitTurn: (peers) => this.#turn?.permit(peers),
        },
        { initiator, lock: this.#birthdayLock, relayIps: this.#relayIps },
      );
      conn.agent = agent;
      this.#agents.set(agent.tagHex, agent);
      conn.once('open', () => {
        const c = this.#candidates;
        agent.opened();
        if (c?.current) agent.setLocal(c.current, c.generation);
      });
      conn.once('close', () => this.#agents.delete(agent.tagHex));
    }
    ps.addPath(relay);
    ps.select(relay.id);
    this.#byConnectionId.set(connectionId, conn);
    this.#byServerSession.set(serverSession, conn);
    return conn;
  }

  #onMessage(m: PeerServerMessage): void {
    switch (m.type) {
      case 'connecting':
      case 'error':
        if (m.ref !== undefined && this.#pending.has(m.ref)) this.#settle(m.ref, m);
        else debug('no request waits for %j', m);
        return;
      case 'answered':
      case 'rejected':
        if (this.#pending.has(`s${m.session}`)) this.#settle(`s${m.session}`, m);
        else debug('no request waits for %j', m);
        return;
      case 'incoming':
        return this.#incoming(m);
      case 'signal':
        return this.#byServerSession.get(m.session)?.agent?.onSignal(m.data);
      case 'closed': {
        const c = this.#byServerSession.get(m.session);
        // The server session ended (peer gone, or the server forgot it); the transport session may
        // still resume through a new server session, so only a peer that said goodbye ends it.
        if (c && m.reason !== 'peer-gone') c.close();
        return;
      }
    }
  }

  #incoming(m: PeerServerMessageOf<'incoming'>): void {
    const { from, session: serverSession } = m;
    const payload = parsePeerConnectPayload(m.payload);
    const connectionId = payload.connection;
    const existing = connectionId !== undefined ? this.#byConnectionId.get(connectionId) : undefined;
    if (existing && existing.peerId === from) {
      // A resumed connection: the same transport session, a new server session for its relay.
      this.#byServerSession.delete(existing.relay.session);
      existing.relay.session = serverSession;
      this.#byServerSession.set(serverSession, existing);
      this.#signaling.send({
        type: 'answer',
        session: serverSession,
        payload: { connection: connectionId, resumed: true },
      });
      return;
    }
    if (this.opts.accept && !this.opts.accept(from)) {
      this.#signaling.send({ type: 'reject', session: serverSession, reason: 'refused' });
      return;
    }
    const session = this.#newSession('responder', fromB64u(m.publicKey));
    session.start(now());
    for (const h of payload.hs) session.receive(b64uBytes(h), now());
    const hs2 = session.takeOutput();
    const conn = this.#wire(
      from,
      connectionId ?? randomBytes(12).toString('base64url'),
      false,
      session,
      serverSession,
    );
    conn.agent?.vouch(m.address);
    conn.once('open', () => this.emit('connection', conn));
    this.#signaling.send({
      type: 'answer',
      session: serverSession,
      payload: { connection: conn.connectionId, hs: hs2.map(b64u) },
    });
    conn.run();
  }

  /** After a re-registration: sessions the server forgot are re-established by their initiator. */
  #resume(w: PeerWelcome): void {
    const kept = new Set(w.sessions.map((s) => s.session));
    for (const c of this.#byConnectionId.values()) {
      if (kept.has(c.relay.session) || !c.initiator) continue;
      void this.#reestablish(c);
    }
  }

  async #reestablish(c: PeerConnection): Promise<void> {
    for (let attempt = 0; c.state !== 'closed'; attempt++) {
      const ref = `${c.connectionId}:${attempt}`;
      // As in connect: the answer's waiter is set, and the relay moved to the new server session, as
      // each reply is read, so an answer or a relay frame in the same read is not lost.
      let answer: Promise<Reply> | undefined;
      const reply = await this.#request(
        ref,
        { type: 'connect', target: c.peerId, ref, payload: { connection: c.connectionId } },
        5000,
        (r) => {
          if (r.type !== 'connecting') return;
          answer = this.#request(`s${r.session}`, undefined, 10_000, (a) => {
            if (a.type !== 'answered') return;
            this.#byServerSession.delete(c.relay.session);
            c.relay.session = r.session;
            this.#byServerSession.set(r.session, c);
          });
        },
      );
      if (reply.type === 'connecting' && answer && (await answer).type === 'answered') return;
      // The peer is not back yet (or the server is not): try again shortly.
      await new Promise((r) => setTimeout(r, Math.min(2000, 200 * 2 ** attempt)));
      if (this.#signaling.state !== 'open') return; // the next welcome retries
    }
  }

  /**
   * Sends `msg` (if any) and waits for the message settled under `key`, or a timeout. `onReply` runs
   * as the reply is read, before the server's next message: what that message needs is set up there.
   */
  #request(
    key: string,
    msg: PeerClientMessage | undefined,
    timeoutMs: number,
    onReply?: (m: PeerServerMessage) => void,
  ): Promise<Reply> {
    return new Promise((resolve) => {
      const t = setTimeout(
        () => {
          this.#pending.delete(key);
          resolve({ type: 'timeout' });
        },
        Math.max(0, timeoutMs),
      );
      this.#pending.set(key, (m) => {
        clearTimeout(t);
        onReply?.(m);
        resolve(m);
      });
      if (msg && !this.#signaling.send(msg)) {
        clearTimeout(t);
        this.#pending.delete(key);
        resolve({ type: 'unsent' });
      }
    });
  }

  #settle(key: string, m: PeerServerMessage): void {
    const fn = this.#pending.get(key);
    this.#pending.delete(key);
    fn?.(m);
  }
}
