/**
 * A TURN client for UDP (RFC 8656), sans-IO: it owns no socket and no timer. The node shares one
 * UDP socket between STUN, connectivity checks, sessions and TURN; it feeds this client every
 * datagram that came from the TURN server, calls `handleTimer` at `nextTimeout()`, and sends what
 * `takeOutput()` returns to the server. Time is the `now` argument (ms), never the wall clock.
 *
 * ```ts
 * const turn = new TurnClient({ server, username, password });
 * turn.start(now);
 * // on a datagram from `server`: turn.handleDatagram(bytes, now)
 * // at turn.nextTimeout():        turn.handleTimer(now)
 * // after each call:              for (const b of turn.takeOutput()) socket.send(b, server)
 * //                               for (const e of turn.takeEvents()) ...  // 'allocated', 'data', ...
 * turn.permit(peer, now);          // CreatePermission, then ChannelBind
 * turn.sendTo(peer, bytes, now);   // ChannelData once bound, a Send indication before
 * ```
 *
 * Flow: Allocate (REQUESTED-TRANSPORT UDP) goes out bare, the 401 brings REALM and NONCE, the retry
 * is signed (turn-transactions.ts). The allocation is refreshed a minute before it ends,
 * permissions every 4 minutes, channels every 5 (turn-peers.ts). `close` sends Refresh LIFETIME 0.
 */
import {
  StunAttr,
  StunClass,
  StunMethod,
  decodeChannelData,
  decodeStunMessage,
  encodeChannelData,
  findAttribute,
  isChannelData,
  prepareCredential,
  type StunMessage,
  type TransportAddress,
} from '@peerlink/wire';
import { TurnClientError, TurnClientErrorCode } from './turn-client-errors.js';
import type {
  TurnClientDropReason,
  TurnClientEvent,
  TurnClientOptions,
  TurnClientState,
  TurnClientStats,
} from './turn-client-types.js';
import { allocateBody, lifetimeOf, refreshBody, sendIndication, xorAddressOf } from './turn-messages.js';
import { canonicalPeer } from './turn-peers.js';
import { TurnPermissions, type PeerPurpose } from './turn-permissions.js';
import { TURN_TIMING, TurnTransactions, failureOf, type Failure, type Settled } from './turn-transactions.js';

type Purpose = { readonly kind: 'allocate' | 'refresh' | 'close' } | PeerPurpose;

/** Room for the Send indication's header and attributes in one 64 KiB message. */
const MAX_DATA = 0xffff - 64;

/** When to refresh: a minute before the end, or half way for lifetimes of two minutes or less. */
const refreshDelayMs = (lifetimeSec: number): number =>
  (lifetimeSec > 120 ? lifetimeSec - 60 : lifetimeSec / 2) * 1000;

function invalid(message: string): TurnClientError {
  return new TurnClientError(TurnClientErrorCode.InvalidArgument, message);
}

export class TurnClient {
  /** The server, with its IP in canonical text: feed the client what comes from here. */
  readonly server: TransportAddress;
  readonly #lifetimeSec: number;
  readonly #random: ((n: number) => Uint8Array) | undefined;
  readonly #tx: TurnTransactions<Purpose>;
  readonly #peers: TurnPermissions;
  /** Peers given to `permit` before the allocation existed. */
  #queued: TransportAddress[] = [];
  readonly #dropped: Partial<Record<TurnClientDropReason, number>> = {};
  #out: Uint8Array[] = [];
  #events: TurnClientEvent[] = [];
  #state: TurnClientState = 'idle';
  #relayed: TransportAddress | undefined;
  #refreshAt = Infinity;
  #refreshing = false;

  constructor(opts: TurnClientOptions) {
    const lifetimeSec = opts.lifetimeSec ?? 600;
    if (!Number.isInteger(lifetimeSec) || lifetimeSec < 1 || lifetimeSec > 0xffffffff) {
      throw invalid(`lifetimeSec ${lifetimeSec} is not an integer in 1-2^32`);
    }
    let username: string;
    try {
      username = prepareCredential(opts.username);
      prepareCredential(opts.password);
    } catch (err) {
      throw invalid((err as Error).message);
    }
    this.server = canonicalPeer(opts.server);
    this.#lifetimeSec = lifetimeSec;
    this.#random = opts.random;
    this.#tx = new TurnTransactions<Purpose>({
      username,
      password: opts.password,
      timing: opts.timing ?? TURN_TIMING,
      random: opts.random,
      send: (bytes) => this.#out.push(bytes),
    });
    this.#peers = new TurnPermissions({
      channels: opts.channels ?? true,
      request: (body, purpose, now) => this.#tx.start({ ...body, purpose }, now),
      emit: (e) => this.#events.push(e),
    });
  }

  get state(): TurnClientState {
    return this.#state;
  }

  /** The relayed transport address while allocated. */
  get relayed(): TransportAddress | undefined {
    return this.#state === 'allocated' ? this.#relayed : undefined;
  }

  stats(): TurnClientStats {
    return { retransmits: this.#tx.retransmits, dropped: { ...this.#dropped } };
  }

  /** Sends the Allocate request. Once only. */
  start(now: number): void {
    if (this.#state !== 'idle') throw invalid(`start() when ${this.#state}`);
    this.#state = 'allocating';
    this.#tx.start({ ...allocateBody(this.#lifetimeSec), purpose: { kind: 'allocate' } }, now);
  }

  /**
   * A datagram from the server. True when it was an answer to one of our requests, a Data
   * indication or ChannelData on one of our channels; false (and a counted drop) otherwise, so a
   * node may offer it to whatever else shares the socket. Never throws.
   */
  handleDatagram(bytes: Uint8Array, now: number): boolean {
    let why: TurnClientDropReason | undefined;
    try {
      why = this.#handle(bytes, now);
    } catch {
      why = 'internal-error';
    }
    if (why === undefined) return true;
    this.#dropped[why] = (this.#dropped[why] ?? 0) + 1;
    return false;
  }

  #handle(bytes: Uint8Array, now: number): TurnClientDropReason | undefined {
    if (this.#state !== 'allocating' && this.#state !== 'allocated' && this.#state !== 'closing') {
      return 'unexpected';
    }
    if (isChannelData(bytes)) {
      const d = decodeChannelData(bytes);
      if (!d.ok) return 'malformed';
      const peer = this.#state === 'allocated' ? this.#peers.peerOfChannel(d.value.channel) : undefined;
      if (peer === undefined) return 'unknown-channel';
      this.#events.push({ type: 'data', peer, bytes: d.value.data.slice(), via: 'channel' });
      return undefined;
    }
    const decoded = decodeStunMessage(bytes);
    if (!decoded.ok) return 'malformed';
    const msg = decoded.value;
    if (msg.cls === StunClass.Indication && msg.method === StunMethod.Data && this.#state === 'allocated') {
      const peer = xorAddressOf(msg, StunAttr.XorPeerAddress);
      const data = findAttribute(msg, StunAttr.Data);
      if (peer === undefined || data === undefined) return 'bad-indication';
      this.#events.push({ type: 'data', peer, bytes: data.value, via: 'indication' });
      return undefined;
    }
    if (msg.cls !== StunClass.SuccessResponse && msg.cls !== StunClass.ErrorResponse) return 'unexpected';
    const r = this.#tx.handleAnswer(msg, bytes, now);
    if (r === 'retried') return undefined;
    if (typeof r === 'string') return r;
    this.#settle(r, now);
    return undefined;
  }

  /** Retransmits, and refreshes the allocation, permissions and channels that are due. */
  handleTimer(now: number): void {
    for (const s of this.#tx.handleTimer(now)) this.#settle(s, now);
    if (this.#state !== 'allocated') return;
    if (!this.#refreshing && this.#refreshAt <= now) {
      this.#refreshing = true;
      this.#tx.start({ ...refreshBody(this.#lifetimeSec), purpose: { kind: 'refresh' } }, now);
    }
    this.#peers.handleTimer(now);
  }

  /** The absolute time (ms) at which `handleTimer` wants to run, or undefined when nothing waits. */
  nextTimeout(): number | undefined {
    let next = this.#tx.nextTimeout() ?? Infinity;
    if (this.#state === 'allocated') {
      if (!this.#refreshing) next = Math.min(next, this.#refreshAt);
      next = Math.min(next, this.#peers.nextRefresh());
    }
    return next === Infinity ? undefined : next;
  }

  /**
   * Asks for a permission for the peer's IP (CreatePermission), then a channel for the peer's
   * address (ChannelBind). Called before the allocation exists, the peer waits for it. Emits
   * `permitted`, then `channel-bound`; or `permit-failed`.
   */
  permit(peer: TransportAddress, now: number): void {
    const p = canonicalPeer(peer);
    if (this.#state === 'idle' || this.#state === 'allocating') this.#queued.push(p);
    else if (this.#state === 'allocated') this.#peers.permit(p, now);
    else throw this.#notAllocated();
  }

  /**
   * Relays `data` to the peer: ChannelData when its channel is bound, else a Send indication. The
   * peer's IP must have been given to `permit`; the permission may still be in flight (the server
   * drops what comes before it, as UDP may). `now` is for symmetry with the other inputs.
   */
  sendTo(peer: TransportAddress, data: Uint8Array, _now: number): void {
    if (this.#state !== 'allocated') throw this.#notAllocated();
    if (data.length > MAX_DATA) throw invalid(`${data.length} bytes do not fit in one message`);
    const p = canonicalPeer(peer);
    const channel = this.#peers.boundChannel(p);
    if (channel !== undefined) {
      this.#out.push(encodeChannelData(channel, data));
    } else if (this.#peers.has(p)) {
      this.#out.push(sendIndication(p, data, this.#random));
    } else {
      throw new TurnClientError(TurnClientErrorCode.NoPermission, `no permit() for ${p.address}`);
    }
  }

  /** Deletes the allocation (Refresh with LIFETIME 0); `closed` follows its answer or timeout. */
  close(now: number): void {
    if (this.#state === 'allocated') {
      this.#tx.clear();
      this.#peers.clear();
      this.#state = 'closing';
      this.#tx.start({ ...refreshBody(0), purpose: { kind: 'close' } }, now);
    } else if (this.#state === 'idle' || this.#state === 'allocating') {
      this.#finish('closed');
    }
  }

  /** Datagrams to send to the server, oldest first; the queue is emptied. */
  takeOutput(): Uint8Array[] {
    const out = this.#out;
    this.#out = [];
    return out;
  }

  /** What happened since the last call, oldest first; the queue is emptied. */
  takeEvents(): TurnClientEvent[] {
    const events = this.#events;
    this.#events = [];
    return events;
  }

  #notAllocated(): TurnClientError {
    return new TurnClientError(TurnClientErrorCode.NotAllocated, `no allocation (${this.#state})`);
  }

  #settle(s: Settled<Purpose>, now: number): void {
    const { purpose } = s;
    if (purpose.kind === 'close') return this.#finish('closed');
    if (purpose.kind === 'permission' || purpose.kind === 'channel')
      return this.#peers.settle(purpose, s, now);
    if (s.kind !== 'success') return this.#fail(failureOf(s));
    if (purpose.kind === 'allocate') this.#allocated(s.message, now);
    else this.#refreshed(s.message, now);
  }

  #allocated(msg: StunMessage, now: number): void {
    const relayed = xorAddressOf(msg, StunAttr.XorRelayedAddress);
    const lifetimeSec = lifetimeOf(msg);
    if (relayed === undefined || lifetimeSec === undefined) {
      const reason = 'Allocate success without XOR-RELAYED-ADDRESS or LIFETIME (RFC 8656 §7.3)';
      return this.#fail({ code: TurnClientErrorCode.BadResponse, status: undefined, reason });
    }
    this.#state = 'allocated';
    this.#relayed = relayed;
    this.#refreshAt = now + refreshDelayMs(lifetimeSec);
    const mapped = xorAddressOf(msg, StunAttr.XorMappedAddress);
    this.#events.push({ type: 'allocated', relayed, mapped, lifetimeSec });
    for (const peer of this.#queued) this.#peers.permit(peer, now);
    this.#queued = [];
  }

  #refreshed(msg: StunMessage, now: number): void {
    const lifetimeSec = lifetimeOf(msg);
    if (lifetimeSec === undefined) {
      const reason = 'Refresh success without LIFETIME (RFC 8656 §8.2)';
      return this.#fail({ code: TurnClientErrorCode.BadResponse, status: undefined, reason });
    }
    this.#refreshing = false;
    this.#refreshAt = now + refreshDelayMs(lifetimeSec);
    this.#events.push({ type: 'refreshed', lifetimeSec });
  }

  #fail(failure: Failure): void {
    this.#finish('failed');
    this.#events.push({ type: 'failed', ...failure });
  }

  #finish(state: 'failed' | 'closed'): void {
    this.#state = state;
    this.#tx.clear();
    this.#peers.clear();
    this.#queued = [];
    this.#refreshAt = Infinity;
    if (state === 'closed') this.#events.push({ type: 'closed' });
  }
}
