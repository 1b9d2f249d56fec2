/**
 * The adapter of IceTtlGate (ice-ttl-gate.ts) on werift 0.25's ICE agent (`Connection`), from
 * outside and per instance, like werift-fixes.ts. It touches five things of the agent:
 *
 * - `ensureProtocol(protocol)`, called for every socket and TURN allocation the agent makes: its
 *   `onRequestReceived` (every STUN request that arrives there) tells the gate whom we have heard from;
 * - `pairLocalProtocol(protocol)`, called once a host UDP socket is bound: an IPv4 `StunProtocol`'s
 *   dgram socket (`protocol.transport.socket`) becomes a gate socket;
 * - `addRemoteCandidate(c)`: a remote candidate werift accepted (mDNS names resolved) goes to the
 *   gate, which answers with openers and the ranging of the viewer's router;
 * - `checkStart(pair)`: a check the gate holds is deferred: the pair is marked in progress (so
 *   werift neither schedules it again nor starts a triggered check) and the real check starts when
 *   the gate releases it, as werift's own would;
 * - the socket's address lookup: openers are p2p's `sendWithTtl`, which needs a send that reaches
 *   the kernel in the same tick, so IPv4 literals are answered synchronously on that socket (dgram
 *   defers even a literal to the next tick; werift's own sends take the same quicker path then).
 *
 * Ranging is p2p's `rangeRouter` (one connected socket per TTL).
 */
import type { Socket } from 'node:dgram';
import { isIPv4 } from 'node:net';
import { rangeRouter, sendWithTtl, type Endpoint } from '@peerlink/p2p';
import { encodeStunMessage, newTransactionId, StunClass, StunMethod } from '@peerlink/wire';
import { IceTtlGate, type IceTtlAction, type IceTtlTiming, type SocketId } from './ice-ttl-gate.js';

type Address = [string, number];
interface Subscribable {
  subscribe(f: (...args: never[]) => void): unknown;
}
interface WeriftProtocol {
  readonly type: string;
  readonly transport?: { readonly socket?: Socket; readonly closed?: boolean };
  readonly localCandidate?: { readonly host: string };
  readonly onRequestReceived: Subscribable;
}
interface WeriftCandidate {
  host: string;
  readonly port: number;
  readonly type: string;
  readonly transport: string;
}
interface WeriftPair {
  readonly protocol: WeriftProtocol;
  readonly remoteAddr: Address;
  updateState(state: number): void;
}
interface Handle {
  awaitable: Promise<unknown>;
  resolve: (v?: unknown) => void;
  reject: (e?: unknown) => void;
}
/** The parts of werift's `Connection` the hook replaces (own properties shadow the prototype's). */
export interface WeriftIceConnection {
  checkStart: (pair: WeriftPair) => Handle;
  pairLocalProtocol(protocol: WeriftProtocol): void;
  ensureProtocol(protocol: WeriftProtocol): void;
  addRemoteCandidate(c: WeriftCandidate | undefined): Promise<void>;
  readonly remoteCandidates: readonly WeriftCandidate[];
}

/** werift's CandidatePairState.IN_PROGRESS. */
const IN_PROGRESS = 2;

export interface IceTtlHook {
  /** Our description and candidates went out: holds may run out from now on. */
  arm(): void;
  /** Closes the ranging sockets and the timer; held checks are dropped. */
  close(): void;
  readonly gate: IceTtlGate;
}

export function hookIceTtl(conn: WeriftIceConnection, timing: Partial<IceTtlTiming> = {}): IceTtlHook {
  const gate = new IceTtlGate(timing);
  const sockets = new Map<WeriftProtocol, { id: SocketId; socket: Socket }>();
  const byId = new Map<SocketId, Socket>();
  const waiting = new Map<string, (() => void)[]>();
  const ranging = new Map<string, () => void>();
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  const now = (): number => performance.now();

  const act = (a: IceTtlAction): void => {
    if (a.type === 'opener') {
      const s = byId.get(a.socket);
      if (s !== undefined) sendOpener(s, a.to, a.ttl);
    } else if (a.type === 'range') {
      const at = a.to.address;
      ranging.set(
        at,
        rangeRouter(a.to, a.ttls, (ttl) => input(() => gate.refused(at, ttl, now()))),
      );
    } else if (a.type === 'range-done') {
      ranging.get(a.to.address)?.();
      ranging.delete(a.to.address);
    } else {
      const k = waitKey(a.socket, a.to);
      const go = waiting.get(k) ?? [];
      waiting.delete(k);
      for (const f of go) f();
    }
  };
  const flush = (): void => {
    if (closed) return;
    for (const a of gate.poll(now())) act(a);
    clearTimeout(timer);
    const at = gate.nextTimeout();
    // A timer fires before the event loop reads the sockets: a port unreachable that arrived while
    // the loop was busy would be read after the gate decided the ranging heard nothing. So the
    // timer hands over to setImmediate, which runs after the sockets' events.
    if (at !== undefined) timer = setTimeout(() => setImmediate(flush), Math.max(0, at - now())).unref();
  };
  const input = (f: () => void): void => {
    if (closed) return;
    f();
    flush();
  };

  const pairLocal = conn.pairLocalProtocol.bind(conn);
  conn.pairLocalProtocol = (protocol) => {
    const socket = protocol.transport?.socket;
    const host = protocol.localCandidate?.host;
    // A socket whose sends cannot carry a TTL of their own gets neither openers nor holds.
    if (
      protocol.type === 'stun' &&
      socket !== undefined &&
      host !== undefined &&
      isIPv4(host) &&
      answerLiteralsAtOnce(socket)
    ) {
      const id = sockets.size + 1;
      sockets.set(protocol, { id, socket });
      byId.set(id, socket);
      input(() => gate.addSocket(id, now()));
    }
    pairLocal(protocol);
  };

  const ensure = conn.ensureProtocol.bind(conn);
  conn.ensureProtocol = (protocol) => {
    ensure(protocol);
    protocol.onRequestReceived.subscribe(((_msg: unknown, addr: Address) =>
      input(() => gate.heard({ address: addr[0], port: addr[1] }, now()))) as never);
  };

  const addRemote = conn.addRemoteCandidate.bind(conn);
  conn.addRemoteCandidate = async (c) => {
    await addRemote(c);
    if (c === undefined || c.transport.toLowerCase() !== 'udp' || !conn.remoteCandidates.includes(c)) return;
    input(() => gate.addRemote(c.type, { address: c.host, port: c.port }, now()));
  };

  const checkStart = conn.checkStart;
  conn.checkStart = (pair) => {
    const local = sockets.get(pair.protocol)?.id;
    const to = { address: pair.remoteAddr[0], port: pair.remoteAddr[1] };
    if (closed || gate.mayCheck(local, to)) return checkStart(pair);
    pair.updateState(IN_PROGRESS);
    let inner: Handle | undefined;
    let cancelled = false;
    let done!: () => void;
    const awaitable = new Promise<void>((r) => (done = r));
    const k = waitKey(local!, to);
    waiting.set(k, [
      ...(waiting.get(k) ?? []),
      () => {
        if (cancelled) return;
        inner = checkStart(pair);
        inner.awaitable.then(done, done);
      },
    ]);
    const cancel = (): void => {
      cancelled = true;
      inner?.resolve();
      done();
    };
    return { awaitable, resolve: cancel, reject: cancel };
  };

  return {
    gate,
    arm: () => input(() => gate.arm(now())),
    close: () => {
      closed = true;
      clearTimeout(timer);
      for (const close of ranging.values()) close();
      ranging.clear();
      waiting.clear();
    },
  };
}

const waitKey = (socket: SocketId, to: Endpoint): string => `${socket}|${to.address}|${to.port}`;

/** A STUN Binding request without credentials: if one ever reaches an ICE agent, it is refused as such. */
function sendOpener(socket: Socket, to: Endpoint, ttl: number): void {
  const bytes = encodeStunMessage({
    method: StunMethod.Binding,
    cls: StunClass.Request,
    transactionId: newTransactionId(),
    attributes: [],
  });
  try {
    sendWithTtl(socket, bytes, to.port, to.address, ttl);
  } catch {
    // the socket closed under us: the connection is going away
  }
}

type LookupFn = (address: string, cb: (err: Error | null, ip?: string) => void) => void;

/**
 * dgram resolves even an IP literal on the next tick (dns.lookup), so a TTL set around a send would
 * be put back before the datagram leaves. werift creates its sockets without a `lookup` option; this
 * makes the socket's handle answer IPv4 literals at once (p2p's sockets get `literalLookup` when
 * created). Node keeps the lookup on the handle in its state symbol; false if it is not there (the
 * socket then stays as werift made it, standard ICE).
 */
export function answerLiteralsAtOnce(socket: Socket): boolean {
  const sym = Object.getOwnPropertySymbols(socket).find((s) => s.description === 'state symbol');
  const state = sym === undefined ? undefined : (socket as unknown as Record<symbol, unknown>)[sym];
  const handle = (state as { handle?: { lookup?: LookupFn } } | undefined)?.handle;
  const lookup = handle?.lookup;
  if (handle === undefined || typeof lookup !== 'function') return false;
  handle.lookup = (address, cb) => (isIPv4(address) ? cb(null, address) : lookup(address, cb));
  return true;
}
