/**
 * The data path (RFC 8656 §10-§12): Send indications and ChannelData from the client go out of the
 * relay to a peer with a permission; what a permitted peer sends to the relay comes back to the
 * client as ChannelData when a channel is bound to it, otherwise as a Data indication. Everything
 * refused here is dropped and counted, never answered (indications have no responses).
 */
import {
  StunAttr,
  StunClass,
  StunMethod,
  decodeChannelData,
  decodeXorAddress,
  encodeChannelData,
  encodeStunMessage,
  encodeXorAddress,
  findAttribute,
  type StunMessage,
  type TransportAddress,
} from '@peerlink/wire';
import type { Allocation } from './allocation.js';
import type { EngineContext } from './context.js';
import type { TurnClient, TurnDropReason, TurnOutput } from './turn-types.js';

/** 0xfffc minus XOR-PEER-ADDRESS (IPv6: 24 bytes) and the DATA attribute header. */
const MAX_DATA_INDICATION_PAYLOAD = 0xfffc - 24 - 4;

function drop<C>(ctx: EngineContext<C>, reason: TurnDropReason): TurnOutput<C>[] {
  ctx.emit({ type: 'drop', reason });
  return [];
}

/** Spends `bytes` from the allocation's bandwidth bucket (one second's worth at most). */
function withinBandwidth<C>(
  ctx: EngineContext<C>,
  alloc: Allocation<C>,
  bytes: number,
  now: number,
): boolean {
  const rate = ctx.limits.maxBytesPerSecond;
  if (rate === undefined) return true;
  alloc.tokens = Math.min(rate, alloc.tokens + ((now - alloc.tokensAt) / 1000) * rate);
  alloc.tokensAt = now;
  if (alloc.tokens < bytes) return false;
  alloc.tokens -= bytes;
  return true;
}

/**
 * Sends `data` from the allocation's relay to `peer` when a permission and the bandwidth allow.
 * `copy`: `data` is a view into the adapter's input, copied into `ctx.alloc` memory once it is
 * known to go out (the adapter may reuse its receive buffer before the send completes).
 */
function toPeer<C>(
  ctx: EngineContext<C>,
  alloc: Allocation<C>,
  peer: TransportAddress,
  data: Uint8Array,
  now: number,
  copy: boolean,
): TurnOutput<C>[] {
  // Port 0 cannot be sent to (sockets refuse it); the permission check ignores ports.
  if (peer.port === 0) return drop(ctx, 'bad-indication');
  const relay = alloc.relayFor(peer.family);
  if (relay === undefined) return drop(ctx, 'family-mismatch');
  if (!alloc.hasPermission(peer.address, now)) return drop(ctx, 'no-permission');
  if (!withinBandwidth(ctx, alloc, data.length, now)) return drop(ctx, 'bandwidth');
  const count = ctx.relayed['to-peer'];
  count.packets++;
  count.bytes += data.length;
  let bytes = data;
  if (copy) {
    bytes = ctx.alloc(data.length);
    bytes.set(data);
  }
  return [{ type: 'to-peer', allocation: alloc.id, relay, to: peer, bytes }];
}

/** The client's open UDP-relaying allocation (a TCP one, RFC 6062, carries no indications). */
function openAllocation<C>(ctx: EngineContext<C>, client: TurnClient<C>): Allocation<C> | undefined {
  const alloc = ctx.byClient.get(client.key);
  return alloc !== undefined && alloc.state === 'open' && alloc.relayTransport === 'udp' ? alloc : undefined;
}

/** A Send indication (§10.2): XOR-PEER-ADDRESS and DATA; DONT-FRAGMENT is accepted and ignored. */
export function sendIndication<C>(
  ctx: EngineContext<C>,
  msg: StunMessage,
  client: TurnClient<C>,
  now: number,
): TurnOutput<C>[] {
  const alloc = openAllocation(ctx, client);
  if (alloc === undefined) return drop(ctx, 'no-allocation');
  const peerAttr = findAttribute(msg, StunAttr.XorPeerAddress);
  const data = findAttribute(msg, StunAttr.Data);
  if (peerAttr === undefined || data === undefined) return drop(ctx, 'bad-indication');
  const peer = decodeXorAddress(peerAttr.value, msg.transactionId);
  if (!peer.ok) return drop(ctx, 'bad-indication');
  return toPeer(ctx, alloc, peer.value, data.value, now, false);
}

/** ChannelData from the client (§12.6). */
export function channelDataFromClient<C>(
  ctx: EngineContext<C>,
  bytes: Uint8Array,
  client: TurnClient<C>,
  now: number,
): TurnOutput<C>[] {
  const decoded = decodeChannelData(bytes);
  if (!decoded.ok) return drop(ctx, 'malformed');
  const alloc = openAllocation(ctx, client);
  if (alloc === undefined) return drop(ctx, 'no-allocation');
  const binding = alloc.channel(decoded.value.channel);
  if (binding === undefined || binding.expiresAt <= now) return drop(ctx, 'no-channel');
  return toPeer(ctx, alloc, binding.peer, decoded.value.data, now, true);
}

/** A datagram a peer sent to relay address of allocation `id` (§11.3, §12.7). */
export function fromPeer<C>(
  ctx: EngineContext<C>,
  id: number,
  from: TransportAddress,
  bytes: Uint8Array,
  now: number,
): TurnOutput<C>[] {
  const alloc = ctx.byId.get(id);
  if (alloc === undefined || alloc.state !== 'open') return drop(ctx, 'no-allocation');
  if (!alloc.hasPermission(from.address, now)) return drop(ctx, 'no-permission');
  if (!withinBandwidth(ctx, alloc, bytes.length, now)) return drop(ctx, 'bandwidth');
  const channel = alloc.channelOf(from.address, from.port);
  const viaChannel = channel !== undefined && (alloc.channel(channel)?.expiresAt ?? 0) > now;
  // A STUN body holds at most 0xfffc bytes: a datagram too big for a Data indication is dropped.
  if (!viaChannel && bytes.length > MAX_DATA_INDICATION_PAYLOAD) return drop(ctx, 'too-big');
  let out: Uint8Array;
  if (channel !== undefined && viaChannel) {
    // Over UDP into the shared memory; a stream client's write may hold its bytes for a while.
    out =
      alloc.transport === 'udp'
        ? encodeChannelData(channel, bytes, false, ctx.alloc)
        : encodeChannelData(channel, bytes, true);
  } else {
    const transactionId = ctx.random(12);
    out = encodeStunMessage({
      method: StunMethod.Data,
      cls: StunClass.Indication,
      transactionId,
      attributes: [
        { type: StunAttr.XorPeerAddress, value: encodeXorAddress(from, transactionId) },
        { type: StunAttr.Data, value: bytes },
      ],
    });
  }
  const count = ctx.relayed['to-client'];
  count.packets++;
  count.bytes += bytes.length;
  return [{ type: 'to-client', handle: alloc.handle, bytes: out }];
}
