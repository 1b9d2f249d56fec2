/**
 * The IM call engine (seed 003; docs/im-calls.md): devices of users connect, exchange call messages,
 * and the engine keeps each call's state. Usable on its own inside an app's WebSocket server (give it
 * a user id and a send function per connection) or as the `/im` protocol on the signaling core
 * (engine.ts adds authentication). Sans-IO: every input takes `now`; the only I/O is the injected
 * router (store and bus), policy, history and offline hook.
 *
 * A call lives on its owner, the node of the caller's device when it offered: a CallMachine there
 * holds its state in memory and orders its inputs. Other nodes forward their devices' messages to the
 * owner and deliver what it sends (bus-frames.ts). The store holds what every node must find: each
 * user's devices, the call's owner and parties, and one lock per user in a call (busy).
 *
 * @example
 * ```ts
 * const engine = new ImCallEngine({ router, options: { ringTimeoutMs: 30_000 } });
 * const device = engine.connect('alice', { send: (text) => ws.send(text) }, Date.now());
 * ws.on('message', (data) => void device.receive(String(data), Date.now()));
 * ws.on('close', () => void device.close(Date.now()));
 * setInterval(() => void engine.tick(Date.now()), 1000);
 * ```
 */
import { encodeImMessage, parseImMessage, type ImCallMessage, type ImErrorCode } from '@peerlink/wire';
import type { Router } from '../../routing/router.js';
import { RECORD_VERSION, StoreError, type VersionedRecord } from '../../store/records.js';
import { DEVICE_ID, ownerId, parseBusFrame, type ToDevice, type ToOwner } from './bus-frames.js';
import { CallMachine, type CallEffect, type CallSummary, type DeviceRef } from './call-machine.js';
import type { CallHistory } from './call-history.js';
import {
  DEFAULT_IM_OPTIONS,
  NULL_IM_OBSERVER,
  type CallPolicy,
  type ImObserver,
  type ImOptions,
  type OfflineCall,
} from './options.js';

export interface ImCallEngineDeps {
  readonly router: Router;
  readonly options?: Partial<ImOptions>;
  /** Who may call whom (default: everyone); a denial is `call.error` `PERMISSION_DENIED`. */
  readonly policy?: CallPolicy;
  /** An offer reached none of the callee's devices (the `--offline-webhook`). */
  readonly notifyOffline?: (call: OfflineCall) => void;
  /** Where ended calls are kept (GET /im/calls); none: not kept. */
  readonly history?: CallHistory;
  readonly observer?: ImObserver;
  /** The clock for what arrives from other nodes (everything else gets `now` from its caller). */
  readonly now?: () => number;
}

/** A refused message, as the engine tells a device's sink (the `call.error` frame it becomes). */
export interface ImRefusal {
  readonly code: ImErrorCode;
  readonly callId: string | undefined;
  /** The field that failed and why (`payload.from_user: ...`): `details.reason`. */
  readonly reason: string;
}

/** Where the engine writes to one device. */
export interface ImDeviceSink {
  send(text: string): void;
  /** A refused message; default: the `call.error` frame is sent (the `/im` protocol counts a strike). */
  refuse?(r: ImRefusal): void;
}

/** One connected device, as its owner (the app's socket) drives it. */
export interface ImConnection {
  /** The device is registered (the store knows it); inputs wait for this themselves. */
  readonly ready: Promise<void>;
  receive(text: string, now: number): Promise<void>;
  close(now: number): Promise<void>;
}

interface LocalDevice {
  readonly user: string;
  readonly ref: DeviceRef;
  readonly sink: ImDeviceSink;
  /** Calls this device is in or rung for (told to their owners when it leaves). */
  readonly calls: Set<string>;
}

/** Where a call lives and who is in it (`im/call/<id>` in the store). */
interface CallPointer extends VersionedRecord {
  readonly owner: string;
  readonly caller: string;
  readonly callee: string;
}
interface BusyLock extends VersionedRecord {
  readonly call: string;
}

const devicesKey = (user: string): string => `im/devices/${user}`;
const busyKey = (user: string): string => `im/busy/${user}`;
const deviceMember = (d: DeviceRef): string => `${d.node}|${d.conn}`;

export function imErrorFrame(r: ImRefusal, now: number): string {
  return encodeImMessage(
    'call.error',
    {
      ...(r.callId !== undefined && { call_id: r.callId }),
      error_code: r.code,
      error_message: r.code === 'PERMISSION_DENIED' ? 'the call is not allowed' : 'signaling failed',
      details: { reason: r.reason },
    },
    now,
  );
}

export class ImCallEngine {
  readonly options: ImOptions;
  readonly #router: Router;
  readonly #deps: ImCallEngineDeps;
  readonly #obs: ImObserver;
  readonly #now: () => number;
  readonly #devices = new Map<number, LocalDevice>();
  readonly #owned = new Map<string, CallMachine>();
  /** Pointers of calls owned elsewhere that local devices are in (read once from the store). */
  readonly #pointers = new Map<string, CallPointer>();
  #nextConn = 1;
  #lastHeartbeat = -Infinity;

  constructor(deps: ImCallEngineDeps) {
    this.options = { ...DEFAULT_IM_OPTIONS, ...deps.options };
    this.#router = deps.router;
    this.#deps = deps;
    this.#obs = deps.observer ?? NULL_IM_OBSERVER;
    this.#now = deps.now ?? Date.now;
    deps.router.register('im/', {
      deliverText: (conn, id, text) => {
        const f = parseBusFrame(text);
        if (!f) deps.router.observer.badEnvelope();
        else if (id.startsWith('im/call/')) this.#ownerInput(id.slice(8), f as ToOwner, this.#now());
        else this.#deliverLocal(conn, f as ToDevice);
        return true; // never the mailbox: a call's frames are no use later
      },
      deliverRelay: () => {},
      control: () => {},
    });
  }

  /** A device of `user` connected. Its inputs are handled in order, after its registration. */
  connect(user: string, sink: ImDeviceSink, now: number): ImConnection {
    const dev: LocalDevice = {
      user,
      ref: { node: this.#router.nodeId, conn: this.#nextConn++ },
      sink,
      calls: new Set(),
    };
    this.#devices.set(dev.ref.conn, dev);
    let chain = this.#register(dev, now);
    const then = (fn: () => Promise<void>): Promise<void> => (chain = chain.then(fn, fn));
    return {
      ready: chain,
      receive: (text, at) => then(() => this.#receive(dev, text, at)),
      close: (at) => then(() => this.#unregister(dev, at)),
    };
  }

  /** Runs the calls' timers (ring timeout, grace) and the heartbeat of presence and locks. */
  async tick(now: number): Promise<void> {
    for (const m of [...this.#owned.values()]) {
      const due = m.wakeAt();
      if (due !== undefined && now >= due) this.#run(m, m.tick(now), now);
    }
    if (now - this.#lastHeartbeat < this.options.presenceTtlMs / 3) return;
    this.#lastHeartbeat = now;
    const store = this.#router.store;
    const users = new Set([...this.#devices.values()].map((d) => devicesKey(d.user)));
    const locks = [...this.#owned.values()].flatMap((m) => [
      ownerId(m.id),
      busyKey(m.caller.user),
      busyKey(m.callee.user),
    ]);
    try {
      if (users.size > 0) await store.touch([...users], this.options.presenceTtlMs);
      if (locks.length > 0) await store.touch(locks, this.options.callLockTtlMs);
    } catch {
      // an outage is reported by the store's health; the next heartbeat tries again
    }
  }

  /** This node's devices and the calls it owns. */
  stats(): { devices: number; calls: number } {
    return { devices: this.#devices.size, calls: this.#owned.size };
  }

  // ---- devices --------------------------------------------------------------------------------------

  async #register(dev: LocalDevice, now: number): Promise<void> {
    const store = this.#router.store;
    try {
      await store.addToSet(devicesKey(dev.user), deviceMember(dev.ref), this.options.presenceTtlMs);
      // A call waiting for this user (ringing with no device online, or in its grace) hears of it.
      const busy = await store.get<BusyLock>(busyKey(dev.user));
      const call = busy && (await this.#pointer(busy.call));
      if (call) {
        dev.calls.add(busy.call);
        await this.#toOwner(busy.call, call, { k: 'join', u: dev.user, d: dev.ref }, now);
      }
    } catch (err) {
      if (!(err instanceof StoreError)) throw err;
      // During an outage the device still takes part in calls held on this node.
    }
  }

  async #unregister(dev: LocalDevice, now: number): Promise<void> {
    if (!this.#devices.delete(dev.ref.conn)) return;
    for (const id of dev.calls) {
      const call = await this.#pointer(id).catch(() => undefined);
      if (call) await this.#toOwner(id, call, { k: 'left', d: dev.ref }, now).catch(() => undefined);
    }
    await this.#router.store
      .removeFromSet(devicesKey(dev.user), deviceMember(dev.ref))
      .catch(() => undefined);
  }

  async #receive(dev: LocalDevice, text: string, now: number): Promise<void> {
    if (!this.#devices.has(dev.ref.conn)) return;
    const r = parseImMessage(text);
    if (!r.ok) return this.#refuse(dev, r.callId, r.message);
    const msg = r.message;
    if (msg.type === 'auth' || msg.type === 'auth.ok')
      return this.#refuse(dev, undefined, `type: ${msg.type} is not expected on an authenticated connection`);
    const p = msg.payload;
    const id = p.call_id;
    if (id === undefined) return this.#refuse(dev, id, 'payload.call_id: required to forward an error');
    if ('from_user' in p && String(p.from_user) !== dev.user)
      return this.#refuse(dev, id, `payload.from_user: ${String(p.from_user)} is not you (${dev.user})`);
    this.#obs.message(msg.type);
    try {
      const call = await this.#pointer(id);
      if (!call) {
        if (msg.type === 'call.offer') return await this.#offer(dev, msg, now);
        return this.#refuse(dev, id, `payload.call_id: there is no call ${id}`);
      }
      const other =
        call.caller === dev.user ? call.callee : call.callee === dev.user ? call.caller : undefined;
      if (other === undefined) return this.#refuse(dev, id, `payload.call_id: you are not in call ${id}`);
      if ('to_user' in p && String(p.to_user) !== other)
        return this.#refuse(dev, id, `payload.to_user: call ${id} is with ${other}`);
      dev.calls.add(id);
      await this.#toOwner(id, call, { k: 'msg', u: dev.user, d: dev.ref, m: msg }, now);
    } catch (err) {
      if (!(err instanceof StoreError)) throw err;
      this.#serverError(dev, msg, now); // the call needs shared state the store cannot give now
    }
  }

  #refuse(
    dev: LocalDevice,
    callId: string | undefined,
    reason: string,
    code: ImErrorCode = 'SIGNALING_ERROR',
  ): void {
    this.#obs.refused(code);
    const r: ImRefusal = { code, callId, reason };
    if (dev.sink.refuse) dev.sink.refuse(r);
    else dev.sink.send(imErrorFrame(r, this.#now()));
  }

  #serverError(dev: LocalDevice, msg: ImCallMessage, now: number): void {
    const p = msg.payload as { call_id: string; from_user?: string | number; to_user?: string | number };
    dev.calls.delete(p.call_id);
    this.#obs.ended('server_error', 0);
    const end = {
      call_id: p.call_id,
      from_user: p.from_user ?? dev.user,
      to_user: p.to_user ?? dev.user,
      reason: 'server_error' as const,
      duration: 0,
      ended_at: new Date(now).toISOString(),
    };
    dev.sink.send(encodeImMessage('call.end', end, now));
  }

  /** A frame from a call's owner for a device on this node. */
  #deliverLocal(conn: number, f: ToDevice): void {
    const dev = this.#devices.get(conn);
    if (!dev) return; // gone: its departure already reached the owner
    if (f.k === 'refuse') return this.#refuse(dev, f.c, f.r);
    if (f.done) {
      dev.calls.delete(f.c);
      if (![...this.#devices.values()].some((d) => d.calls.has(f.c))) this.#pointers.delete(f.c);
    } else dev.calls.add(f.c);
    dev.sink.send(f.t);
  }

  // ---- calls ----------------------------------------------------------------------------------------

  async #pointer(id: string): Promise<CallPointer | undefined> {
    const m = this.#owned.get(id);
    if (m)
      return { v: RECORD_VERSION, owner: this.#router.nodeId, caller: m.caller.user, callee: m.callee.user };
    const cached = this.#pointers.get(id);
    if (cached) return cached;
    const p = await this.#router.store.get<CallPointer>(ownerId(id));
    if (p && [...this.#devices.values()].some((d) => d.user === p.caller || d.user === p.callee))
      this.#pointers.set(id, p);
    return p;
  }

  async #toOwner(id: string, call: CallPointer, f: ToOwner, now: number): Promise<void> {
    if (call.owner === this.#router.nodeId) return this.#ownerInput(id, f, now);
    const sent = await this.#router.sendTextAt(
      { id: ownerId(id), node: call.owner, conn: 0 },
      JSON.stringify(f),
    );
    if (sent) return;
    this.#pointers.delete(id); // its owner is gone, and the call with it
    const dev = f.k === 'msg' ? this.#devices.get(f.d.conn) : undefined;
    if (dev && f.k === 'msg') this.#serverError(dev, f.m, now);
  }

  /** An input for a call this node owns. */
  #ownerInput(id: string, f: ToOwner, now: number): void {
    const m = this.#owned.get(id);
    if (!m) {
      if (f.k === 'msg')
        void this.#toDevice(
          id,
          f.d,
          { k: 'refuse', c: id, f: 'payload.call_id', r: `payload.call_id: call ${id} has ended` },
          now,
        );
      return;
    }
    const effects =
      f.k === 'msg'
        ? m.message(f.u, f.d, f.m, now)
        : f.k === 'join'
          ? m.joined(f.u, f.d, now)
          : m.left(f.d, now);
    this.#run(m, effects, now);
  }

  /** A new call: policy, the call id, the callee's and the caller's locks, then ring. */
  async #offer(
    dev: LocalDevice,
    msg: Extract<ImCallMessage, { type: 'call.offer' }>,
    now: number,
  ): Promise<void> {
    const p = msg.payload;
    const caller = dev.user;
    const callee = String(p.to_user);
    if (callee === caller) return this.#refuse(dev, p.call_id, 'payload.to_user: you cannot call yourself');
    let allowed: boolean;
    try {
      allowed = (await this.#deps.policy?.({ from: caller, to: callee, call_type: p.call_type })) ?? true;
    } catch {
      return this.#serverError(dev, msg, now); // the policy service failed: no call, and why
    }
    if (!allowed)
      return this.#refuse(
        dev,
        p.call_id,
        `payload.to_user: ${caller} may not call ${callee}`,
        'PERMISSION_DENIED',
      );
    const m = new CallMachine(msg, dev.ref, now, this.options);
    const store = this.#router.store;
    let devices: DeviceRef[];
    try {
      const ptr: CallPointer = { v: RECORD_VERSION, owner: this.#router.nodeId, caller, callee };
      const ttlMs = this.options.callLockTtlMs;
      if (!(await store.put(ownerId(m.id), ptr, { ifAbsent: true, ttlMs })))
        return this.#refuse(dev, m.id, `payload.call_id: ${m.id} is taken`);
      const lock: BusyLock = { v: RECORD_VERSION, call: m.id };
      if (!(await store.put(busyKey(callee), lock, { ifAbsent: true, ttlMs }))) {
        this.#owned.set(m.id, m);
        return this.#run(m, m.busy(now), now);
      }
      if (!(await store.put(busyKey(caller), lock, { ifAbsent: true, ttlMs }))) {
        await Promise.all([store.delete(ownerId(m.id)), store.delete(busyKey(callee))]);
        return this.#refuse(dev, m.id, 'payload.from_user: you are already in a call');
      }
      devices = (await store.members(devicesKey(callee))).map(parseMember).filter((d) => d !== undefined);
    } catch (err) {
      if (!(err instanceof StoreError)) throw err;
      // The store is away: a call between devices of this node still goes ahead, on local state.
      const local = [...this.#devices.values()].filter((d) => d.user === callee).map((d) => d.ref);
      const busy = [...this.#owned.values()].some((c) =>
        [caller, callee].some((u) => u === c.caller.user || u === c.callee.user),
      );
      if (local.length === 0 || busy) return this.#serverError(dev, msg, now);
      devices = local;
    }
    dev.calls.add(m.id);
    this.#owned.set(m.id, m);
    this.#run(m, m.start(devices, now), now);
  }

  #run(m: CallMachine, effects: CallEffect[], now: number): void {
    for (const e of effects) {
      switch (e.kind) {
        case 'send':
          void this.#toDevice(
            m.id,
            e.to,
            { k: 'dev', o: this.#router.nodeId, c: m.id, t: e.text, ...(e.done && { done: true as const }) },
            now,
          );
          break;
        case 'refuse':
          void this.#toDevice(
            m.id,
            e.to,
            { k: 'refuse', c: m.id, f: e.field, r: `${e.field}: ${e.reason}` },
            now,
          );
          break;
        case 'offline':
          this.#deps.notifyOffline?.({
            call_id: m.id,
            from: m.caller.user,
            to: m.callee.user,
            call_type: m.type,
          });
          break;
        case 'ringing':
          this.#obs.ringing(now - m.createdAt);
          break;
        case 'answered':
          this.#obs.answered(now - m.createdAt);
          break;
        case 'connected':
          this.#obs.connected(now - m.createdAt);
          break;
        case 'stats':
          this.#obs.stats(e.stats);
          break;
        case 'ended':
          this.#owned.delete(m.id);
          this.#obs.ended(e.summary.reason, e.summary.duration);
          void this.#release(e.summary);
          break;
      }
    }
  }

  /** Sends a frame to a device; one that cannot be reached has left (its grace starts). */
  async #toDevice(id: string, to: DeviceRef, f: ToDevice, now: number): Promise<void> {
    if (to.node === this.#router.nodeId) return this.#deliverLocal(to.conn, f);
    const sent = await this.#router
      .sendTextAt({ id: DEVICE_ID, node: to.node, conn: to.conn }, JSON.stringify(f))
      .catch(() => false);
    const m = this.#owned.get(id);
    if (!sent && m) this.#run(m, m.left(to, now), now);
  }

  /** An ended call frees its id and its parties' locks, and goes into both parties' history. */
  async #release(s: CallSummary): Promise<void> {
    const store = this.#router.store;
    const unlock = async (user: string): Promise<void> => {
      const lock = await store.get<BusyLock>(busyKey(user));
      if (lock?.call === s.call_id) await store.delete(busyKey(user));
    };
    await Promise.allSettled([store.delete(ownerId(s.call_id)), unlock(s.caller), unlock(s.callee)]);
    await this.#deps.history?.record(s).catch(() => undefined);
  }
}

function parseMember(m: string): DeviceRef | undefined {
  const bar = m.lastIndexOf('|');
  const conn = Number(m.slice(bar + 1));
  return bar > 0 && Number.isInteger(conn) ? { node: m.slice(0, bar), conn } : undefined;
}
