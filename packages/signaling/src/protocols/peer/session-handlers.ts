/**
 * The peer protocol's session messages: connect, answer, reject, candidate, signal, path and close,
 * and what happens to a forgotten peer's sessions. Each reads the session from the cache or the
 * store, checks membership and state, and delivers to the other side wherever it is.
 */
import { ipOf, type ConnMeta } from '../../core/types.js';
import { StoreError } from '../../store/records.js';
import { scoped, type LocalPeer, type PeerConn, type SessionRecord } from './state.js';
import type { PeerContext } from './context.js';
import type { ClientMessage, ServerMessage } from './messages.js';
import { recordPath } from './session-paths.js';

export type SessionMsg = Exclude<ClientMessage, { type: 'register' | 'ping' | 'pong' | 'connect' }>;

export async function connect(
  ctx: PeerContext,
  conn: PeerConn,
  peer: LocalPeer,
  msg: Extract<ClientMessage, { type: 'connect' }>,
  now: number,
): Promise<void> {
  const ref = msg.ref === undefined ? undefined : { ref: msg.ref };
  try {
    await connectOrThrow(ctx, conn, peer, msg, now, ref);
  } catch (err) {
    // The caller waits for an answer to its ref: a store failure must carry it too.
    if (!(err instanceof StoreError)) throw err;
    ctx.api.fail(conn.id, err.code, err.message, ref);
  }
}

async function connectOrThrow(
  ctx: PeerContext,
  conn: PeerConn,
  peer: LocalPeer,
  msg: Extract<ClientMessage, { type: 'connect' }>,
  now: number,
  ref: { ref: string } | undefined,
): Promise<void> {
  if (msg.target === peer.id) return ctx.api.fail(conn.id, 'SELF_CONNECT', 'cannot connect to yourself', ref);
  const local = ctx.peers.get(msg.target);
  const remote = local ? undefined : await ctx.router.store.getPresence(scoped(msg.target));
  if (!local && !remote)
    return ctx.api.fail(conn.id, 'PEER_OFFLINE', `peer ${JSON.stringify(msg.target)} is not registered`, ref);
  const max = ctx.options.maxSessionsPerPeer;
  if (peer.sessions.size >= max || (local && local.sessions.size >= max))
    return ctx.api.fail(conn.id, 'RATE_LIMITED', `at most ${max} sessions per peer`, ref);
  const s = await ctx.sessions.create(peer.id, msg.target, now);
  peer.sessions.add(s.id);
  local?.sessions.add(s.id);
  ctx.send(conn.id, { type: 'connecting', session: s.id, target: msg.target, ...ref });
  await ctx.toPeer(msg.target, introduce(ctx, 'incoming', s.id, conn, peer, msg.payload), now, s.id);
}

export async function dispatch(
  ctx: PeerContext,
  conn: PeerConn,
  peer: LocalPeer,
  msg: SessionMsg,
  now: number,
): Promise<void> {
  const s = await ctx.sessions.get(msg.session);
  const fail = (code: string, message: string): void =>
    ctx.api.fail(conn.id, code, message, { session: msg.session });
  if (!s) return fail('UNKNOWN_SESSION', `no session ${msg.session}`);
  if (s.initiator !== peer.id && s.target !== peer.id)
    return fail('NOT_IN_SESSION', `not a member of session ${msg.session}`);
  peer.sessions.add(s.id);
  const other = s.initiator === peer.id ? s.target : s.initiator;
  const end = async (m: ServerMessage): Promise<void> => {
    await ctx.sessions.end(s);
    peer.sessions.delete(s.id);
    ctx.peers.get(other)?.sessions.delete(s.id);
    await ctx.toPeer(other, m, now, s.id);
  };
  switch (msg.type) {
    case 'answer':
    case 'reject':
      if (s.target !== peer.id || s.state !== 'pending')
        return fail('SESSION_NOT_ACTIVE', 'only the target of a pending session answers it');
      if (msg.type === 'reject')
        return end({ type: 'rejected', session: s.id, from: peer.id, reason: msg.reason ?? 'rejected' });
      s.state = 'active';
      await ctx.sessions.save(s);
      return ctx.toPeer(other, introduce(ctx, 'answered', s.id, conn, peer, msg.payload), now, s.id);
    case 'candidate':
      return ctx.toPeer(
        other,
        { type: 'candidate', session: s.id, from: peer.id, candidate: msg.candidate },
        now,
      );
    case 'signal':
      return ctx.toPeer(other, { type: 'signal', session: s.id, from: peer.id, data: msg.data }, now);
    case 'path':
      if (s.state !== 'active') return fail('SESSION_NOT_ACTIVE', `session ${s.id} is not answered yet`);
      if (recordPath(s, peer.id, msg.path)) {
        ctx.obs.pathSwitched(msg.path);
        await ctx.sessions.save(s).catch(() => undefined); // a report is for metrics only
      }
      return;
    case 'close':
      return end({ type: 'closed', session: s.id, reason: msg.reason ?? 'closed by peer' });
  }
}

/** `incoming` or `answered`: who the other side is, where its signaling comes from, its key. */
function introduce(
  ctx: PeerContext,
  type: 'incoming' | 'answered',
  session: number,
  conn: PeerConn,
  peer: LocalPeer,
  payload: unknown,
): ServerMessage {
  const m: Extract<ServerMessage, { type: 'incoming' | 'answered' }> = {
    type,
    session,
    from: peer.id,
    address: ipOf({ meta: ctx.api.meta(conn.id) as ConnMeta }),
  };
  if (peer.publicKey !== undefined) m.publicKey = peer.publicKey;
  if (payload !== undefined) m.payload = payload;
  return m;
}

/** A peer away past the grace: its sessions close (the other side hears `reason`), its mail goes. */
export async function forgetPeer(
  ctx: PeerContext,
  peer: LocalPeer,
  reason: string,
  now: number,
): Promise<void> {
  ctx.peers.delete(peer.id);
  for (const sid of [...peer.sessions]) {
    const s = await ctx.sessions.get(sid).catch(() => undefined);
    if (!s) continue;
    const other = s.initiator === peer.id ? s.target : s.initiator;
    await ctx.toPeer(other, { type: 'closed', session: sid, reason }, now, sid).catch(() => undefined);
    ctx.peers.get(other)?.sessions.delete(sid);
    await ctx.sessions.end(s).catch(() => undefined);
  }
  await ctx.router.store.mailboxDiscard(scoped(peer.id)).catch(() => undefined);
}

/**
 * Sessions whose other side sat on a node that died: nobody there will forget that peer, so this
 * node watches the presence of its peers' remote partners and, once one has been gone for the
 * reconnect grace, closes the session here as `peer-gone`. `missing` is when each was first seen gone.
 */
export async function closeOrphans(
  ctx: PeerContext,
  missing: Map<string, number>,
  now: number,
): Promise<void> {
  // Sessions whose other side is not held here, then one presence check for all of those sides.
  const remote: { peer: LocalPeer; sid: number; s: SessionRecord; other: string }[] = [];
  for (const peer of [...ctx.peers.values()]) {
    for (const sid of [...peer.sessions]) {
      const s = await ctx.sessions.get(sid);
      if (!s) {
        peer.sessions.delete(sid); // ended elsewhere
        continue;
      }
      const other = s.initiator === peer.id ? s.target : s.initiator;
      if (!ctx.peers.has(other)) remote.push({ peer, sid, s, other });
    }
  }
  const seen = new Set(remote.map((r) => r.other));
  const present = await ctx.router.store.present([...seen].map(scoped));
  for (const { peer, sid, s, other } of remote) {
    if (present.has(scoped(other))) {
      missing.delete(other);
      continue;
    }
    const since = missing.get(other) ?? now;
    missing.set(other, since);
    if (now - since < ctx.options.awayTtlMs) continue;
    await ctx.sessions.end(s);
    peer.sessions.delete(sid);
    await ctx.toPeer(peer.id, { type: 'closed', session: sid, reason: 'peer-gone' }, now, sid);
  }
  for (const id of missing.keys()) if (!seen.has(id)) missing.delete(id);
}
