/**
 * The TURN server engine (RFC 8656), sans-IO. It takes what arrives (client messages, peer
 * datagrams at a relay, socket-bound reports, the clock) and returns what to do: send to a client,
 * send from a relay to a peer, open or close relay sockets. It never touches a socket or a clock.
 *
 * ```ts
 * const engine = new TurnEngine<string>({ relayIps: { 4: '192.0.2.10' }, users: new Map([['u', 'p']]) });
 * const out = engine.handleClient(bytes, { key: 'udp|1.2.3.4:5', from, transport: 'udp', handle: 'c1' }, now);
 * ```
 */
import {
  StunAttr,
  StunClass,
  StunMethod,
  decodeStunMessage,
  encodeText,
  encodeUnknownAttributes,
  prepareCredential,
  isChannelData,
  stunMethodName,
  type TransportAddress,
} from '@peerlink/wire';
import { allocate, relaysOpened } from './allocate.js';
import type { Allocation } from './allocation.js';
import { Authenticator } from './auth.js';
import type { EngineContext } from './context.js';
import { TurnError, TurnErrorCode, TurnStatus } from './errors.js';
import { KNOWN_REQUEST_ATTRIBUTES } from './known-attributes.js';
import { PeerPolicy } from './peer-policy.js';
import { PortPool } from './port-pool.js';
import { channelBind, createPermission, refresh } from './refresh-permission.js';
import { channelDataFromClient, fromPeer, sendIndication } from './relay-path.js';
import {
  connect,
  connectionBind,
  expireConnections,
  tcpClosed,
  tcpConnected,
  tcpPeerArrived,
} from './tcp-relay.js';
import { answer } from './respond.js';
import type {
  RelayedCounts,
  TurnClient,
  TurnDataPlane,
  TurnEngineOptions,
  TurnOutput,
  TurnStats,
} from './turn-types.js';

/** Refuses, at start, a realm or SOFTWARE text that could not be put in a message later. */
function checkText(text: string, type: number, what: string): void {
  try {
    encodeText(text, type);
    if (type === StunAttr.Realm) prepareCredential(text);
  } catch (err) {
    throw new TurnError(
      TurnErrorCode.BadOption,
      `${what} ${JSON.stringify(text)}: ${(err as Error).message}`,
    );
  }
}

const defaultRandom = (n: number): Uint8Array => globalThis.crypto.getRandomValues(new Uint8Array(n));

export class TurnEngine<C> {
  readonly #ctx: EngineContext<C>;

  constructor(opts: TurnEngineOptions) {
    const minPort = opts.minPort ?? 49152;
    const maxPort = opts.maxPort ?? 65535;
    if (!(minPort >= 1 && maxPort <= 65535 && minPort < maxPort)) {
      throw new TurnError(TurnErrorCode.BadOption, `relay port range ${minPort}-${maxPort} is empty`);
    }
    const random = opts.random ?? defaultRandom;
    checkText(opts.realm ?? 'peerlink', StunAttr.Realm, 'realm');
    if (opts.software !== undefined) checkText(opts.software, StunAttr.Software, 'software');
    const defaultLifetime = opts.defaultLifetime ?? 600;
    const ctx: EngineContext<C> = {
      byClient: new Map(),
      connections: new Map(),
      byId: new Map(),
      perUser: new Map(),
      ports: new PortPool(minPort, maxPort, () => {
        const b = random(4);
        return (
          ((((b[0] ?? 0) << 24) | ((b[1] ?? 0) << 16) | ((b[2] ?? 0) << 8) | (b[3] ?? 0)) >>> 0) / 2 ** 32
        );
      }),
      auth: new Authenticator({
        realm: opts.realm ?? 'peerlink',
        users: opts.users ?? new Map(),
        secrets: opts.secrets ?? [],
        nonceKey: opts.nonceKey ?? random(20),
        ...(opts.nonceLifetimeMs !== undefined && { nonceLifetimeMs: opts.nonceLifetimeMs }),
        ...(opts.unauthorizedBurst !== undefined && { unauthorizedBurst: opts.unauthorizedBurst }),
        ...(opts.unauthorizedPerSecond !== undefined && {
          unauthorizedPerSecond: opts.unauthorizedPerSecond,
        }),
      }),
      policy: opts.peerPolicy ?? new PeerPolicy(),
      relayIps: opts.relayIps,
      limits: {
        defaultLifetime,
        maxLifetime: Math.max(opts.maxLifetime ?? 3600, defaultLifetime),
        userQuota: opts.userQuota ?? 100,
        totalQuota: opts.totalQuota ?? 10_000,
        maxPermissions: opts.maxPermissions ?? 128,
        maxBytesPerSecond: opts.maxBytesPerSecond,
      },
      software: opts.software,
      random,
      nextId: 1,
      relayed: { 'to-peer': { packets: 0, bytes: 0 }, 'to-client': { packets: 0, bytes: 0 } },
      alloc: opts.outAlloc ?? ((n) => new Uint8Array(n)),
      emit: opts.onEvent ?? (() => {}),
      remove: (a, change) => this.#remove(a, change),
    };
    this.#ctx = ctx;
  }

  /** Replaces the TURN REST secrets any of which may sign a username (rotation on reload). */
  setSecrets(secrets: readonly string[]): void {
    this.#ctx.auth.setSecrets(secrets);
  }

  /** A STUN message or ChannelData from a client. Binding requests are the Binding engine's. */
  handleClient(bytes: Uint8Array, client: TurnClient<C>, now: number): TurnOutput<C>[] {
    return this.#guard(() => this.#handleClient(bytes, client, now));
  }

  /**
   * The data path's entry: a datagram the adapter already knows is ChannelData (first byte
   * 0x40-0x7F), from a client it keeps (so `client.key` is the same string every time). The same
   * as `handleClient` for such bytes, without the closure `handleClient`'s guard costs.
   */
  handleChannelData(bytes: Uint8Array, client: TurnClient<C>, now: number): TurnOutput<C>[] {
    try {
      return channelDataFromClient(this.#ctx, bytes, client, now);
    } catch {
      this.#ctx.emit({ type: 'drop', reason: 'internal-error' });
      return [];
    }
  }

  /** Packets and payload bytes relayed so far, each direction (a copy; read at scrape time). */
  relayed(): RelayedCounts {
    const r = this.#ctx.relayed;
    return { 'to-peer': { ...r['to-peer'] }, 'to-client': { ...r['to-client'] } };
  }

  /**
   * The permissions and channels of the open UDP-relaying allocation of the client `clientKey`, for
   * a data path that relays outside the engine (see {@link TurnDataPlane}); undefined when there is
   * none. Read after each request: one may have changed them.
   */
  dataPlane(clientKey: string): TurnDataPlane | undefined {
    const a = this.#ctx.byClient.get(clientKey);
    if (a === undefined || a.state !== 'open' || a.relayTransport !== 'udp') return undefined;
    return {
      allocation: a.id,
      permissions: a.permissions,
      channels: [...a.channels].map(([channel, b]) => ({ channel, peer: b.peer, expiresAt: b.expiresAt })),
    };
  }

  /**
   * Hostile input must be a counted drop, never a crash: a bug that makes a handler throw on some
   * input costs that one message, counted as `internal-error`, not the process.
   */
  #guard(f: () => TurnOutput<C>[]): TurnOutput<C>[] {
    try {
      return f();
    } catch {
      this.#ctx.emit({ type: 'drop', reason: 'internal-error' });
      return [];
    }
  }

  #handleClient(bytes: Uint8Array, client: TurnClient<C>, now: number): TurnOutput<C>[] {
    const ctx = this.#ctx;
    if (isChannelData(bytes)) return channelDataFromClient(ctx, bytes, client, now);
    const decoded = decodeStunMessage(bytes);
    if (!decoded.ok) {
      ctx.emit({ type: 'drop', reason: 'malformed' });
      return [];
    }
    const msg = decoded.value;
    if (msg.cls === StunClass.Indication) {
      if (msg.method === StunMethod.Send) return sendIndication(ctx, msg, client, now);
      ctx.emit({ type: 'drop', reason: 'bad-indication' });
      return [];
    }
    if (msg.cls !== StunClass.Request) {
      ctx.emit({ type: 'drop', reason: 'not-request' });
      return [];
    }
    ctx.emit({ type: 'request', method: stunMethodName(msg.method) });
    const req = { msg, raw: bytes, client, now };
    const unknown = msg.attributes
      .map((a) => a.type)
      .filter((t) => t < 0x8000 && !KNOWN_REQUEST_ATTRIBUTES.has(t));
    if (unknown.length > 0) {
      return answer(ctx, req, TurnStatus.UnknownAttribute, [
        { type: StunAttr.UnknownAttributes, value: encodeUnknownAttributes([...new Set(unknown)]) },
      ]);
    }
    switch (msg.method) {
      case StunMethod.Allocate:
        return allocate(ctx, req);
      case StunMethod.Refresh:
        return refresh(ctx, req);
      case StunMethod.CreatePermission:
        return createPermission(ctx, req);
      case StunMethod.ChannelBind:
        return channelBind(ctx, req);
      case StunMethod.Connect:
        return connect(ctx, req);
      case StunMethod.ConnectionBind:
        return connectionBind(ctx, req);
      default:
        return answer(ctx, req, TurnStatus.BadRequest, []);
    }
  }

  /** The adapter bound (`ok`) or could not bind the relay sockets an `open-relays` asked for. */
  relaysOpened(allocation: number, ok: boolean, now: number): TurnOutput<C>[] {
    return relaysOpened(this.#ctx, allocation, ok, now);
  }

  /** A datagram from `from` arrived at a relay socket of `allocation`. */
  handlePeer(allocation: number, from: TransportAddress, bytes: Uint8Array, now: number): TurnOutput<C>[] {
    return this.#guard(() => fromPeer(this.#ctx, allocation, from, bytes, now));
  }

  /** RFC 6062: the adapter's connection for a Connect succeeded (`ok`) or failed. */
  tcpConnected(connection: number, ok: boolean, now: number): TurnOutput<C>[] {
    return tcpConnected(this.#ctx, connection, ok, now);
  }

  /** RFC 6062: a peer connected to a TCP relay; undefined means close it. */
  tcpPeerArrived(
    allocation: number,
    from: TransportAddress,
    now: number,
  ): { connection: number; out: TurnOutput<C>[] } | undefined {
    return tcpPeerArrived(this.#ctx, allocation, from, now);
  }

  /** RFC 6062: a peer data connection (or the client connection spliced to it) closed. */
  tcpClosed(connection: number): TurnOutput<C>[] {
    return tcpClosed(this.#ctx, connection);
  }

  /** A stream client disconnected: its allocation goes with it (RFC 8656 §3.1). */
  clientClosed(clientKey: string): TurnOutput<C>[] {
    const a = this.#ctx.byClient.get(clientKey);
    return a === undefined ? [] : this.#remove(a, 'deleted');
  }

  /** Expires allocations, permissions, channels and reservations. Call about once a second. */
  tick(now: number): TurnOutput<C>[] {
    const out: TurnOutput<C>[] = [];
    for (const a of [...this.#ctx.byId.values()]) {
      if (a.expiresAt <= now) out.push(...this.#remove(a, 'expired'));
      else a.expire(now);
    }
    this.#ctx.ports.expire(now);
    out.push(...expireConnections(this.#ctx, now));
    return out;
  }

  stats(): TurnStats {
    let permissions = 0;
    let channels = 0;
    for (const a of this.#ctx.byId.values()) {
      permissions += a.permissions.size;
      channels += a.channels.size;
    }
    return {
      allocations: this.#ctx.byId.size,
      permissions,
      channels,
      reservations: this.#ctx.ports.reservations,
    };
  }

  #remove(a: Allocation<C>, change: 'deleted' | 'expired'): TurnOutput<C>[] {
    const ctx = this.#ctx;
    if (ctx.byId.get(a.id) !== a) return [];
    ctx.byId.delete(a.id);
    if (ctx.byClient.get(a.clientKey) === a) ctx.byClient.delete(a.clientKey);
    const left = (ctx.perUser.get(a.username) ?? 1) - 1;
    if (left > 0) ctx.perUser.set(a.username, left);
    else ctx.perUser.delete(a.username);
    for (const r of a.relays) ctx.ports.release(r.family, r.port);
    if (a.state === 'open') ctx.emit({ type: 'allocation', change });
    return [
      { type: 'close-relays', allocation: a.id, relays: a.relays, handle: a.handle },
      ...expireConnections(ctx, 0),
    ];
  }
}
