/**
 * TCP relaying (RFC 6062): an allocation whose relay is a TCP listener. The client asks the server
 * to connect to a peer (Connect, §5.2) or is told a peer connected (ConnectionAttempt, §5.3); either
 * way it opens a new connection to the server and binds it to the peer's with ConnectionBind (§5.4),
 * after which that connection carries raw bytes. Sockets are the adapter's: the engine hands out
 * CONNECTION-IDs, checks permissions and credentials, and times out unbound connections (30 s).
 */
import {
  StunAttr,
  StunClass,
  StunMethod,
  decodeUint32,
  decodeXorAddress,
  encodeStunMessage,
  encodeUint32,
  encodeXorAddress,
  findAttribute,
  type TransportAddress,
} from '@peerlink/wire';
import { sameFamily, type EngineContext, type RequestIn, type TcpConnection } from './context.js';
import { TurnStatus } from './errors.js';
import { answer, authenticate, ownAllocation } from './respond.js';
import type { TurnOutput } from './turn-types.js';

export const CONNECTION_BIND_TIMEOUT_MS = 30_000;

function newConnectionId<C>(ctx: EngineContext<C>): number {
  for (;;) {
    const b = ctx.random(4);
    const id = (((b[0] ?? 0) << 24) | ((b[1] ?? 0) << 16) | ((b[2] ?? 0) << 8) | (b[3] ?? 0)) >>> 0;
    if (id !== 0 && !ctx.connections.has(id)) return id;
  }
}

/** Connect (§5.2): check the peer, then ask the adapter to open the connection. */
export function connect<C>(ctx: EngineContext<C>, req: RequestIn<C>): TurnOutput<C>[] {
  const own = ownAllocation(ctx, req);
  if (!own.ok) return own.out;
  const { alloc, key } = own;
  if (alloc.relayTransport !== 'tcp') return answer(ctx, req, TurnStatus.BadRequest, [], key);
  const attr = findAttribute(req.msg, StunAttr.XorPeerAddress);
  const peer = attr === undefined ? undefined : decodeXorAddress(attr.value, req.msg.transactionId);
  if (peer === undefined || !peer.ok || peer.value.port === 0) {
    return answer(ctx, req, TurnStatus.BadRequest, [], key);
  }
  if (!sameFamily(alloc.relays, peer.value.family)) {
    return answer(ctx, req, TurnStatus.PeerAddressFamilyMismatch, [], key);
  }
  if (!ctx.policy.permits(peer.value.address)) return answer(ctx, req, TurnStatus.Forbidden, [], key);
  for (const c of ctx.connections.values()) {
    if (
      c.allocation === alloc.id &&
      c.peer.address === peer.value.address &&
      c.peer.port === peer.value.port
    ) {
      return answer(ctx, req, TurnStatus.ConnectionAlreadyExists, [], key);
    }
  }
  const relay = alloc.relayFor(peer.value.family) as TransportAddress;
  const id = newConnectionId(ctx);
  ctx.connections.set(id, {
    id,
    allocation: alloc.id,
    peer: peer.value,
    state: 'connecting',
    expiresAt: Number.POSITIVE_INFINITY,
    connect: req as RequestIn<unknown>,
  });
  // §5.2: the peer's data connection implies a permission for it.
  alloc.permit(peer.value.address, req.now);
  return [{ type: 'tcp-connect', connection: id, relay, to: peer.value }];
}

/** The adapter's connection to the peer of a Connect succeeded or failed (447). */
export function tcpConnected<C>(
  ctx: EngineContext<C>,
  id: number,
  ok: boolean,
  now: number,
): TurnOutput<C>[] {
  const c = ctx.connections.get(id);
  if (c === undefined || c.state !== 'connecting' || c.connect === undefined) {
    return ok ? [{ type: 'tcp-close', connection: id }] : [];
  }
  const req = c.connect as RequestIn<C>;
  c.connect = undefined;
  const alloc = ctx.byId.get(c.allocation);
  if (alloc === undefined) {
    ctx.connections.delete(id);
    return [{ type: 'tcp-close', connection: id }];
  }
  if (!ok) {
    ctx.connections.delete(id);
    return answer(ctx, { ...req, now }, TurnStatus.ConnectionTimeoutOrFailure, [], alloc.key);
  }
  c.state = 'waiting-bind';
  c.expiresAt = now + CONNECTION_BIND_TIMEOUT_MS;
  const attrs = [{ type: StunAttr.ConnectionId, value: encodeUint32(id) }];
  return answer(ctx, { ...req, now }, 0, attrs, alloc.key);
}

/**
 * A peer connected to the TCP relay of `allocation` (§5.3). Undefined means refuse it (no such
 * allocation, or no permission); otherwise its CONNECTION-ID and the ConnectionAttempt to send.
 */
export function tcpPeerArrived<C>(
  ctx: EngineContext<C>,
  allocation: number,
  from: TransportAddress,
  now: number,
): { connection: number; out: TurnOutput<C>[] } | undefined {
  const alloc = ctx.byId.get(allocation);
  if (alloc === undefined || alloc.state !== 'open' || !alloc.hasPermission(from.address, now)) {
    ctx.emit({ type: 'drop', reason: 'tcp-peer-refused' });
    return undefined;
  }
  const id = newConnectionId(ctx);
  const c: TcpConnection = {
    id,
    allocation,
    peer: from,
    state: 'waiting-bind',
    expiresAt: now + CONNECTION_BIND_TIMEOUT_MS,
    connect: undefined,
  };
  ctx.connections.set(id, c);
  const transactionId = ctx.random(12);
  const bytes = encodeStunMessage({
    method: StunMethod.ConnectionAttempt,
    cls: StunClass.Indication,
    transactionId,
    attributes: [
      { type: StunAttr.ConnectionId, value: encodeUint32(id) },
      { type: StunAttr.XorPeerAddress, value: encodeXorAddress(from, transactionId) },
    ],
  });
  return { connection: id, out: [{ type: 'to-client', handle: alloc.handle, bytes }] };
}

/** ConnectionBind (§5.4), on a new client connection with no allocation of its own. */
export function connectionBind<C>(ctx: EngineContext<C>, req: RequestIn<C>): TurnOutput<C>[] {
  const auth = authenticate(ctx, req);
  if (!auth.ok) return auth.out;
  const attr = findAttribute(req.msg, StunAttr.ConnectionId);
  const id = attr === undefined ? undefined : decodeUint32(attr.value);
  const c = id !== undefined && id.ok ? ctx.connections.get(id.value) : undefined;
  if (req.client.transport === 'udp' || c === undefined || c.state !== 'waiting-bind') {
    return answer(ctx, req, TurnStatus.BadRequest, [], auth.key);
  }
  const alloc = ctx.byId.get(c.allocation);
  if (alloc === undefined || alloc.username !== auth.username) {
    return answer(ctx, req, TurnStatus.WrongCredentials, [], auth.key);
  }
  c.state = 'bound';
  c.expiresAt = Number.POSITIVE_INFINITY;
  return [
    ...answer(ctx, req, 0, [], auth.key),
    { type: 'tcp-pipe', connection: c.id, handle: req.client.handle },
  ];
}

/** Either side of a peer data connection closed: forget it and close the other side. */
export function tcpClosed<C>(ctx: EngineContext<C>, id: number): TurnOutput<C>[] {
  return ctx.connections.delete(id) ? [{ type: 'tcp-close', connection: id }] : [];
}

/** Unbound connections past their 30 s, and every connection of allocations that are gone. */
export function expireConnections<C>(ctx: EngineContext<C>, now: number): TurnOutput<C>[] {
  const out: TurnOutput<C>[] = [];
  for (const c of ctx.connections.values()) {
    const gone = !ctx.byId.has(c.allocation);
    if (gone || (c.state === 'waiting-bind' && c.expiresAt <= now)) {
      ctx.connections.delete(c.id);
      out.push({ type: 'tcp-close', connection: c.id });
    }
  }
  return out;
}
