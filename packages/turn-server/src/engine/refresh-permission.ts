/**
 * Refresh (RFC 8656 §8), CreatePermission (§9) and ChannelBind (§11) on an open allocation.
 * Every peer address is checked against the peer policy (403) and the allocation's families (443)
 * before anything is installed, so a request either takes effect whole or not at all.
 */
import {
  CHANNEL_NUMBER_MIN,
  LEGACY_CHANNEL_NUMBER_MAX,
  StunAttr,
  decodeAddressFamily,
  decodeChannelNumber,
  decodeXorAddress,
  encodeUint32,
  findAttribute,
  type TransportAddress,
} from '@peerlink/wire';
import { CHANNEL_LIFETIME_MS, peerKey } from './allocation.js';
import { readLifetime } from './allocate.js';
import { sameFamily, type EngineContext, type RequestIn } from './context.js';
import { TurnStatus } from './errors.js';
import { answer, ownAllocation } from './respond.js';
import type { TurnOutput } from './turn-types.js';

export function refresh<C>(ctx: EngineContext<C>, req: RequestIn<C>): TurnOutput<C>[] {
  const own = ownAllocation(ctx, req);
  if (!own.ok) return own.out;
  const { alloc, key } = own;
  const lifetimeIn = readLifetime(req.msg);
  if (lifetimeIn === 'bad') return answer(ctx, req, TurnStatus.BadRequest, [], key);
  const raf = findAttribute(req.msg, StunAttr.RequestedAddressFamily);
  if (raf !== undefined) {
    const f = decodeAddressFamily(raf.value);
    if (!f.ok || !sameFamily(alloc.relays, f.value)) {
      return answer(ctx, req, TurnStatus.PeerAddressFamilyMismatch, [], key);
    }
  }
  if (lifetimeIn === 0) {
    const out = ctx.remove(alloc, 'deleted');
    return [...answer(ctx, req, 0, [{ type: StunAttr.Lifetime, value: encodeUint32(0) }], key), ...out];
  }
  // §8.2: a Refresh may shorten the lifetime below the default, unlike an Allocate.
  const granted =
    lifetimeIn === undefined ? ctx.limits.defaultLifetime : Math.min(lifetimeIn, ctx.limits.maxLifetime);
  alloc.expiresAt = req.now + granted * 1000;
  return answer(ctx, req, 0, [{ type: StunAttr.Lifetime, value: encodeUint32(granted) }], key);
}

/** Reads and vets every XOR-PEER-ADDRESS; an error code when any is unusable. */
function peersOf<C>(
  ctx: EngineContext<C>,
  req: RequestIn<C>,
  relays: readonly TransportAddress[],
): TransportAddress[] | number {
  const peers: TransportAddress[] = [];
  for (const a of req.msg.attributes) {
    if (a.type !== StunAttr.XorPeerAddress) continue;
    const p = decodeXorAddress(a.value, req.msg.transactionId);
    if (!p.ok) return TurnStatus.BadRequest;
    peers.push(p.value);
  }
  if (peers.length === 0) return TurnStatus.BadRequest;
  for (const p of peers) {
    if (!sameFamily(relays, p.family)) return TurnStatus.PeerAddressFamilyMismatch;
  }
  for (const p of peers) if (!ctx.policy.permits(p.address)) return TurnStatus.Forbidden;
  return peers;
}

export function createPermission<C>(ctx: EngineContext<C>, req: RequestIn<C>): TurnOutput<C>[] {
  const own = ownAllocation(ctx, req);
  if (!own.ok) return own.out;
  const { alloc, key } = own;
  const peers = peersOf(ctx, req, alloc.relays);
  if (typeof peers === 'number') return answer(ctx, req, peers, [], key);
  const fresh = new Set(peers.map((p) => p.address).filter((ip) => !alloc.permissions.has(ip)));
  if (alloc.permissions.size + fresh.size > ctx.limits.maxPermissions) {
    return answer(ctx, req, TurnStatus.InsufficientCapacity, [], key);
  }
  for (const p of peers) alloc.permit(p.address, req.now);
  return answer(ctx, req, 0, [], key);
}

export function channelBind<C>(ctx: EngineContext<C>, req: RequestIn<C>): TurnOutput<C>[] {
  const own = ownAllocation(ctx, req);
  if (!own.ok) return own.out;
  const { alloc, key } = own;
  if (alloc.relayTransport !== 'udp') return answer(ctx, req, TurnStatus.BadRequest, [], key);
  const numberAttr = findAttribute(req.msg, StunAttr.ChannelNumber);
  const channel = numberAttr === undefined ? undefined : decodeChannelNumber(numberAttr.value);
  if (channel === undefined || !channel.ok) return answer(ctx, req, TurnStatus.BadRequest, [], key);
  const n = channel.value;
  // RFC 5766 §11's range (to 0x7FFE), not RFC 8656's 0x4FFF: coturn's clients still use it.
  if (n < CHANNEL_NUMBER_MIN || n >= LEGACY_CHANNEL_NUMBER_MAX)
    return answer(ctx, req, TurnStatus.BadRequest, [], key);
  const peers = peersOf(ctx, req, alloc.relays);
  if (typeof peers === 'number') return answer(ctx, req, peers, [], key);
  const peer = peers[0] as TransportAddress;
  if (peer.port === 0) return answer(ctx, req, TurnStatus.BadRequest, [], key);
  // §11.2: a channel is bound to one peer and a peer to one channel, for the binding's life.
  const bound = alloc.channels.get(n);
  if (bound !== undefined && peerKey(bound.peer) !== peerKey(peer)) {
    return answer(ctx, req, TurnStatus.BadRequest, [], key);
  }
  const other = alloc.channelByPeer.get(peerKey(peer));
  if (other !== undefined && other !== n) return answer(ctx, req, TurnStatus.BadRequest, [], key);
  if (!alloc.permissions.has(peer.address) && alloc.permissions.size >= ctx.limits.maxPermissions) {
    return answer(ctx, req, TurnStatus.InsufficientCapacity, [], key);
  }
  alloc.bindChannel(n, peer, req.now + CHANNEL_LIFETIME_MS);
  alloc.permit(peer.address, req.now);
  return answer(ctx, req, 0, [], key);
}
