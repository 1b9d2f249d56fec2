/**
 * Allocate (RFC 8656 §7). An Allocate is handled in two steps because binding a socket is I/O:
 * `allocate` checks the request and books ports, returning `open-relays`; the adapter binds them
 * and calls `relaysOpened`, which answers the client. A port another process holds is retried
 * with a fresh pick, three times, then 508.
 *
 * Handled here: REQUESTED-TRANSPORT (UDP), LIFETIME, DONT-FRAGMENT (accepted; Node cannot set DF,
 * which RFC 8656 §7.2 allows a server to not honour silently only if it says so, so we accept it
 * as coturn does), EVEN-PORT and RESERVATION-TOKEN (§7.2 rules 6-7), REQUESTED-ADDRESS-FAMILY and
 * ADDITIONAL-ADDRESS-FAMILY (dual-stack allocations, §7.2 rule 4), quotas (486).
 */
import {
  StunAttr,
  TransportProtocol,
  decodeAddressFamily,
  decodeEvenPort,
  decodeRequestedTransport,
  decodeReservationToken,
  decodeUint32,
  encodeAddressErrorCode,
  encodeUint32,
  encodeXorAddress,
  findAttribute,
  type StunAttribute,
} from '@peerlink/wire';
import { Allocation, type PendingAllocate } from './allocation.js';
import type { EngineContext, RequestIn } from './context.js';
import { TurnStatus } from './errors.js';
import { answer, authenticate, toHex } from './respond.js';
import type { TurnOutput } from './turn-types.js';

const MAX_ATTEMPTS = 3;

/**
 * ADDITIONAL-ADDRESS-FAMILY as drafts of RFC 8656 numbered it (0x8032); coturn 4.6's client still
 * sends this code point for `turnutils_uclient -Z`, so it is read as the RFC's 0x8000.
 */
export const LEGACY_ADDITIONAL_ADDRESS_FAMILY = 0x8032;

/** The lifetime to grant (§7.2 rule 8): the default unless asked for more, and never above the max. */
export function grantedLifetime(requested: number | undefined, def: number, max: number): number {
  if (requested === undefined) return def;
  return Math.min(Math.max(requested, def), max);
}

function readLifetime(msg: RequestIn<unknown>['msg']): number | undefined | 'bad' {
  const a = findAttribute(msg, StunAttr.Lifetime);
  if (a === undefined) return undefined;
  const v = decodeUint32(a.value);
  return v.ok ? v.value : 'bad';
}

export { readLifetime };

export function allocate<C>(ctx: EngineContext<C>, req: RequestIn<C>): TurnOutput<C>[] {
  const auth = authenticate(ctx, req);
  if (!auth.ok) return auth.out;
  const { msg, client, now } = req;
  const fail = (code: number): TurnOutput<C>[] => answer(ctx, req, code, [], auth.key);
  const tid = toHex(msg.transactionId);
  const existing = ctx.byClient.get(client.key);
  if (existing !== undefined) {
    if (existing.allocateTid !== tid) return fail(TurnStatus.AllocationMismatch);
    if (existing.allocateResponse === undefined) {
      ctx.emit({ type: 'drop', reason: 'retransmit-in-progress' });
      return [];
    }
    return [{ type: 'to-client', handle: client.handle, bytes: existing.allocateResponse }];
  }

  const transport = findAttribute(msg, StunAttr.RequestedTransport);
  if (transport === undefined) return fail(TurnStatus.BadRequest);
  const proto = decodeRequestedTransport(transport.value);
  if (!proto.ok) return fail(TurnStatus.BadRequest);
  const tcp = proto.value === TransportProtocol.Tcp;
  if (!tcp && proto.value !== TransportProtocol.Udp) return fail(TurnStatus.UnsupportedTransport);
  // RFC 6062 §5.1: TCP relaying needs a TCP or TLS control connection, and has no port pairs.
  if (tcp && client.transport === 'udp') return fail(TurnStatus.BadRequest);

  const evenAttr = findAttribute(msg, StunAttr.EvenPort);
  const tokenAttr = findAttribute(msg, StunAttr.ReservationToken);
  const rafAttr = findAttribute(msg, StunAttr.RequestedAddressFamily);
  const aafAttr =
    findAttribute(msg, StunAttr.AdditionalAddressFamily) ??
    findAttribute(msg, LEGACY_ADDITIONAL_ADDRESS_FAMILY);
  if (tcp && (evenAttr !== undefined || tokenAttr !== undefined)) return fail(TurnStatus.BadRequest);
  if (tokenAttr !== undefined && (evenAttr !== undefined || rafAttr !== undefined)) {
    return fail(TurnStatus.BadRequest);
  }
  if (rafAttr !== undefined && aafAttr !== undefined) return fail(TurnStatus.BadRequest);
  let mode: PendingAllocate['mode'] = 'any';
  if (evenAttr !== undefined) {
    const even = decodeEvenPort(evenAttr.value);
    if (!even.ok) return fail(TurnStatus.BadRequest);
    mode = even.value.reserveNext ? 'pair' : 'even';
  }
  let families: (4 | 6)[] = [4];
  let refusedFamily: 4 | 6 | undefined;
  if (rafAttr !== undefined) {
    const f = decodeAddressFamily(rafAttr.value);
    if (!f.ok) return fail(TurnStatus.AddressFamilyNotSupported);
    families = [f.value];
  }
  if (aafAttr !== undefined) {
    const f = decodeAddressFamily(aafAttr.value);
    // §7.2 rule 4: ADDITIONAL-ADDRESS-FAMILY may only ask for IPv6 on top of IPv4.
    if (!f.ok || f.value !== 6) return fail(TurnStatus.BadRequest);
    families = [4, 6];
  }
  const available = families.filter((f) => ctx.relayIps[f] !== undefined);
  if (available.length === 0) return fail(TurnStatus.AddressFamilyNotSupported);
  if (available.length < families.length) refusedFamily = families.find((f) => !available.includes(f));
  families = available;

  const lifetimeIn = readLifetime(msg);
  if (lifetimeIn === 'bad') return fail(TurnStatus.BadRequest);
  const { limits } = ctx;
  if (ctx.byId.size >= limits.totalQuota || (ctx.perUser.get(auth.username) ?? 0) >= limits.userQuota) {
    return fail(TurnStatus.AllocationQuotaReached);
  }

  let reservedPort: number | undefined;
  if (tokenAttr !== undefined) {
    const token = decodeReservationToken(tokenAttr.value);
    const r = token.ok ? ctx.ports.redeem(toHex(token.value), now) : undefined;
    if (r === undefined) return fail(TurnStatus.InsufficientCapacity);
    families = [r.family];
    reservedPort = r.port;
  }
  const alloc = new Allocation<C>({
    id: ctx.nextId++,
    clientKey: client.key,
    client: client.from,
    transport: client.transport,
    handle: client.handle,
    username: auth.username,
    key: auth.key,
    expiresAt: now + grantedLifetime(lifetimeIn, limits.defaultLifetime, limits.maxLifetime) * 1000,
    allocateTid: tid,
  });
  if (tcp) alloc.relayTransport = 'tcp';
  alloc.pending = {
    msg,
    mode,
    lifetime: grantedLifetime(lifetimeIn, limits.defaultLifetime, limits.maxLifetime),
    token: undefined,
    refusedFamily,
    reserved: reservedPort !== undefined,
    attempts: 0,
  };
  if (!bookPorts(ctx, alloc, families, reservedPort, now)) return fail(TurnStatus.InsufficientCapacity);
  ctx.byClient.set(client.key, alloc);
  ctx.byId.set(alloc.id, alloc);
  ctx.perUser.set(auth.username, (ctx.perUser.get(auth.username) ?? 0) + 1);
  return [openRelays(alloc)];
}

const openRelays = <C>(alloc: Allocation<C>): TurnOutput<C> => ({
  type: 'open-relays',
  allocation: alloc.id,
  relays: alloc.relays,
  transport: alloc.relayTransport,
  handle: alloc.handle,
});

/** Picks ports for every family of `alloc`; false (nothing booked) when the range is full. */
function bookPorts<C>(
  ctx: EngineContext<C>,
  alloc: Allocation<C>,
  families: readonly (4 | 6)[],
  reservedPort: number | undefined,
  now: number,
): boolean {
  const pending = alloc.pending as PendingAllocate;
  const relays: Allocation<C>['relays'] = [];
  for (const [i, family] of families.entries()) {
    const port =
      i === 0 && reservedPort !== undefined
        ? reservedPort
        : ctx.ports.take(family, i === 0 ? pending.mode : 'any');
    if (port === undefined) {
      for (const r of relays) ctx.ports.release(r.family, r.port);
      return false;
    }
    relays.push({ family, address: ctx.relayIps[family] as string, port });
  }
  alloc.relays = relays;
  if (pending.mode === 'pair' && relays[0] !== undefined) {
    pending.token = toHex(ctx.random(8));
    ctx.ports.reserve(pending.token, relays[0].family, relays[0].port + 1, now);
  }
  return true;
}

/** The adapter bound (or failed to bind) the relay sockets of allocation `id`. */
export function relaysOpened<C>(
  ctx: EngineContext<C>,
  id: number,
  ok: boolean,
  now: number,
): TurnOutput<C>[] {
  const alloc = ctx.byId.get(id);
  if (alloc === undefined || alloc.state !== 'opening' || alloc.pending === undefined) {
    // The client went away while the sockets were being bound: close them again.
    return ok ? [{ type: 'close-relays', allocation: id, relays: [] }] : [];
  }
  const pending = alloc.pending;
  const req = {
    msg: pending.msg,
    raw: new Uint8Array(0),
    now,
    client: { key: alloc.clientKey, from: alloc.client, transport: alloc.transport, handle: alloc.handle },
  };
  if (!ok) {
    // Give the ports back (a reservation we made goes too: its odd port was never bound).
    for (const r of alloc.relays) ctx.ports.release(r.family, r.port);
    if (pending.token !== undefined) {
      const r = ctx.ports.redeem(pending.token, now);
      if (r !== undefined) ctx.ports.release(r.family, r.port);
      pending.token = undefined;
    }
    pending.attempts++;
    const families = alloc.relays.map((r) => r.family);
    if (
      !pending.reserved &&
      pending.attempts < MAX_ATTEMPTS &&
      bookPorts(ctx, alloc, families, undefined, now)
    ) {
      return [openRelays(alloc)];
    }
    alloc.relays = [];
    ctx.remove(alloc, 'deleted');
    return answer(ctx, req, TurnStatus.InsufficientCapacity, [], alloc.key);
  }
  alloc.state = 'open';
  alloc.pending = undefined;
  alloc.tokensAt = now;
  alloc.tokens = ctx.limits.maxBytesPerSecond ?? 0;
  const tid = pending.msg.transactionId;
  const attrs: StunAttribute[] = alloc.relays.map((r) => ({
    type: StunAttr.XorRelayedAddress,
    value: encodeXorAddress(r, tid),
  }));
  attrs.push({ type: StunAttr.Lifetime, value: encodeUint32(pending.lifetime) });
  if (pending.token !== undefined) {
    attrs.push({ type: StunAttr.ReservationToken, value: fromHex(pending.token) });
  }
  if (pending.refusedFamily !== undefined) {
    attrs.push({
      type: StunAttr.AddressErrorCode,
      value: encodeAddressErrorCode({
        family: pending.refusedFamily,
        code: 440,
        reason: 'Address Family not Supported',
      }),
    });
  }
  attrs.push({ type: StunAttr.XorMappedAddress, value: encodeXorAddress(alloc.client, tid) });
  ctx.emit({ type: 'allocation', change: 'created' });
  const out = answer(ctx, req, 0, attrs, alloc.key);
  alloc.allocateResponse = out[0]?.type === 'to-client' ? out[0].bytes : undefined;
  return out;
}

function fromHex(s: string): Uint8Array {
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.slice(2 * i, 2 * i + 2), 16);
  return out;
}
