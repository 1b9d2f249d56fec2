/**
 * One IM call as a sans-IO state machine (docs/im-calls.md has the diagram): inputs are the messages
 * of its parties' devices, devices joining and leaving, and `now`; outputs are effects (frames for
 * devices, the end of the call, statistics) and the time it wants to be woken (`wakeAt`). It knows
 * nothing of sockets, nodes or the store: the engine that owns the call executes its effects.
 *
 *   ringing --answer--> answered --status connected--> connected <--> disconnected
 *      |                    \___________ end, failed, grace over, server error ___________> ended
 *      +-- timeout, reject, hang-up, caller's grace over --> ended
 */
import {
  encodeImMessage,
  type ImCallMessage,
  type ImCallStatus,
  type ImEndReason,
  type ImMessageOf,
  type ImNetworkStats,
  type ImUserId,
} from '@peerlink/wire';

/** A device: one connection of a user, on some node. */
export interface DeviceRef {
  readonly node: string;
  readonly conn: number;
}

export const sameDevice = (a: DeviceRef | undefined, b: DeviceRef | undefined): boolean =>
  a !== undefined && b !== undefined && a.node === b.node && a.conn === b.conn;

export interface CallTimers {
  /** No answer within this: the call ends `timeout` on both sides. */
  readonly ringTimeoutMs: number;
  /** A party whose device left has this long to come back on any device. */
  readonly graceMs: number;
}

/** What history keeps of an ended call (GET /im/calls). */
export interface CallSummary {
  readonly call_id: string;
  readonly caller: string;
  readonly callee: string;
  readonly call_type: 'audio' | 'video';
  readonly created_at: number;
  readonly answered_at?: number;
  readonly connected_at?: number;
  readonly ended_at: number;
  /** Seconds from the answer to the end; 0 for a call never answered. */
  readonly duration: number;
  readonly reason: ImEndReason;
  readonly audio_quality?: string;
  readonly video_quality?: string;
  /** The last network_stats a party reported, and how many reports there were. */
  readonly network_stats?: ImNetworkStats;
  readonly stats_reports: number;
}

export type CallEffect =
  /** A frame for a device; `done`: the call is over for that device (its node forgets it). */
  | { readonly kind: 'send'; readonly to: DeviceRef; readonly text: string; readonly done?: boolean }
  /** A message the machine refuses (a SIGNALING_ERROR for its sender). */
  | { readonly kind: 'refuse'; readonly to: DeviceRef; readonly field: string; readonly reason: string }
  /** The offer reached no callee device: the app may push a notification. */
  | { readonly kind: 'offline' }
  | { readonly kind: 'ringing'; readonly devices: number }
  | { readonly kind: 'answered' }
  | { readonly kind: 'connected' }
  | { readonly kind: 'stats'; readonly stats: ImNetworkStats }
  | { readonly kind: 'ended'; readonly summary: CallSummary };

interface Party {
  readonly user: string;
  /** The id as the offer spelt it (number or string), for the frames the server writes. */
  readonly wire: ImUserId;
  /** The device in the call (the caller's from the offer, the callee's from its answer). */
  device: DeviceRef | undefined;
  /** When its device left: the end of its grace. */
  awayUntil: number | undefined;
  /**
   * A device of the party that came online while its call device was still here: a client that
   * reconnected before the server saw its old socket close. It takes over when the old one leaves.
   */
  standby?: DeviceRef | undefined;
}

type Offer = ImMessageOf<'call.offer'>;

export class CallMachine {
  readonly id: string;
  readonly type: 'audio' | 'video';
  readonly caller: Party;
  readonly callee: Party;
  readonly createdAt: number;
  status: Exclude<ImCallStatus, 'failed'> = 'ringing';
  answeredAt: number | undefined;
  connectedAt: number | undefined;
  #ended = false;
  #offer: Offer;
  readonly #ringDeadline: number;
  readonly #timers: CallTimers;
  /** Callee devices the offer reached (while ringing). */
  #rung: DeviceRef[] = [];
  #quality: { audio?: string; video?: string; stats?: ImNetworkStats; reports: number } = { reports: 0 };

  constructor(offer: Offer, callerDevice: DeviceRef, now: number, timers: CallTimers) {
    const p = offer.payload;
    this.id = p.call_id;
    this.type = p.call_type;
    this.#offer = offer;
    this.#timers = timers;
    this.createdAt = now;
    this.#ringDeadline = now + timers.ringTimeoutMs;
    this.caller = {
      user: String(p.from_user),
      wire: p.from_user,
      device: callerDevice,
      awayUntil: undefined,
    };
    this.callee = { user: String(p.to_user), wire: p.to_user, device: undefined, awayUntil: undefined };
  }

  get ended(): boolean {
    return this.#ended;
  }

  /** Every device that hears of this call now. */
  get devices(): DeviceRef[] {
    const d = [this.caller.device, this.callee.device, ...this.#rung];
    return d.filter((x): x is DeviceRef => x !== undefined);
  }

  /** Rings the callee's devices online now; none: the call waits for one until the ring timeout. */
  start(calleeDevices: readonly DeviceRef[], now: number): CallEffect[] {
    const out: CallEffect[] = [];
    for (const d of calleeDevices) out.push(...this.#ring(d, now));
    if (this.#rung.length === 0) out.push({ kind: 'offline' });
    return out;
  }

  /** A device of `user` came online (or back). */
  joined(user: string, device: DeviceRef, now: number): CallEffect[] {
    if (this.#ended) return [];
    const party = this.#party(user);
    if (party?.awayUntil !== undefined) {
      party.device = device;
      party.awayUntil = undefined;
      // The returning device learns the call survived; the client restarts ICE with a re-offer.
      return [this.#send(device, 'call.status', { call_id: this.id, status: this.status }, now)];
    }
    if (party === this.callee && this.status === 'ringing') return this.#ring(device, now);
    if (party?.device !== undefined && !sameDevice(party.device, device)) party.standby = device;
    return [];
  }

  /** A device's connection closed. */
  left(device: DeviceRef, now: number): CallEffect[] {
    if (this.#ended) return [];
    const before = this.#rung.length;
    this.#rung = this.#rung.filter((d) => !sameDevice(d, device));
    if (this.#rung.length !== before) return [];
    const party = sameDevice(device, this.caller.device)
      ? this.caller
      : sameDevice(device, this.callee.device)
        ? this.callee
        : undefined;
    if (!party) return [];
    if (party.standby !== undefined) {
      // Back already: the device that reconnected first learns the call survived, as after a grace.
      party.device = party.standby;
      party.standby = undefined;
      return [this.#send(party.device, 'call.status', { call_id: this.id, status: this.status }, now)];
    }
    party.device = undefined;
    party.awayUntil = now + this.#timers.graceMs;
    const status = { call_id: this.id, status: 'disconnected' as const };
    return this.#others(party).map((d) => this.#send(d, 'call.status', status, now));
  }

  /** A message from a device of `user` (the engine checked that `user` is a party). */
  message(user: string, from: DeviceRef, msg: ImCallMessage, now: number): CallEffect[] {
    if (this.#ended) return [refuse(from, 'payload.call_id', `call ${this.id} has ended`)];
    const party = this.#party(user);
    if (!party) return [refuse(from, 'payload.call_id', `you are not a party of call ${this.id}`)];
    const ringingCallee = party === this.callee && this.status === 'ringing';
    if (ringingCallee ? !this.#rung.some((d) => sameDevice(d, from)) : !sameDevice(from, party.device))
      return [refuse(from, 'payload.call_id', `call ${this.id} is on another of your devices`)];
    switch (msg.type) {
      case 'call.offer':
        return this.#reoffer(party, from, msg);
      case 'call.answer':
        if (ringingCallee) return this.#answer(from, msg, now);
        if (this.status === 'ringing') return [refuse(from, 'type', 'the caller cannot answer its own call')];
        return this.#forward(party, msg); // the answer to an ICE-restart re-offer
      case 'call.ice':
      case 'call.error':
        return this.#forward(party, msg);
      case 'call.status':
        return this.#status(party, msg, now);
      case 'call.end':
        if (msg.payload.reason === 'answered_elsewhere')
          return [refuse(from, 'payload.reason', "answered_elsewhere is the server's to send")];
        return this.#end(msg.payload.reason, now, from, msg.payload);
    }
  }

  /** The callee is in another call: `user_busy` to the caller, at once. */
  busy(now: number): CallEffect[] {
    return this.#end('user_busy', now, undefined);
  }

  /** The server itself ends the call (a store outage, a node gone): `server_error` to every device. */
  fail(now: number): CallEffect[] {
    return this.#ended ? [] : this.#end('server_error', now, undefined);
  }

  tick(now: number): CallEffect[] {
    if (this.#ended) return [];
    if (this.status === 'ringing' && now >= this.#ringDeadline) return this.#end('timeout', now, undefined);
    for (const p of [this.caller, this.callee])
      if (p.awayUntil !== undefined && now >= p.awayUntil) return this.#end('network_error', now, undefined);
    return [];
  }

  /** When `tick` has something to do; undefined once ended. */
  wakeAt(): number | undefined {
    if (this.#ended) return undefined;
    const times = [this.caller.awayUntil, this.callee.awayUntil];
    if (this.status === 'ringing') times.push(this.#ringDeadline);
    const due = times.filter((t): t is number => t !== undefined);
    return due.length > 0 ? Math.min(...due) : undefined;
  }

  #party(user: string): Party | undefined {
    return user === this.caller.user ? this.caller : user === this.callee.user ? this.callee : undefined;
  }

  /** The devices on the other side of `party`: the callee's ringing devices until the answer. */
  #others(party: Party): DeviceRef[] {
    if (party === this.caller) return this.status === 'ringing' ? [...this.#rung] : opt(this.callee.device);
    return opt(this.caller.device);
  }

  #ring(device: DeviceRef, now: number): CallEffect[] {
    if (this.#rung.some((d) => sameDevice(d, device))) return [];
    this.#rung.push(device);
    const out: CallEffect[] = [{ kind: 'send', to: device, text: JSON.stringify(this.#offer) }];
    if (this.#rung.length === 1) {
      out.push({ kind: 'ringing', devices: 1 });
      const ringing = { call_id: this.id, status: 'ringing' as const };
      for (const d of opt(this.caller.device)) out.push(this.#send(d, 'call.status', ringing, now));
    }
    return out;
  }

  #reoffer(party: Party, from: DeviceRef, msg: Offer): CallEffect[] {
    if (party === this.callee && this.status === 'ringing')
      return [refuse(from, 'type', 'a ringing callee answers or ends the call; it cannot offer')];
    if (this.status === 'ringing') this.#offer = msg; // devices that come online get the newest offer
    return this.#forward(party, msg);
  }

  #answer(from: DeviceRef, msg: ImMessageOf<'call.answer'>, now: number): CallEffect[] {
    this.status = 'answered';
    this.answeredAt = now;
    this.callee.device = from;
    const others = this.#rung.filter((d) => !sameDevice(d, from));
    this.#rung = [];
    const answered = { call_id: this.id, status: 'answered' as const };
    const out: CallEffect[] = [{ kind: 'answered' }, ...this.#forward(this.callee, msg)];
    for (const d of [...opt(this.caller.device), from]) out.push(this.#send(d, 'call.status', answered, now));
    const elsewhere = this.#endPayload('answered_elsewhere', now);
    for (const d of others) out.push(this.#send(d, 'call.end', elsewhere, now, true));
    return out;
  }

  #status(party: Party, msg: ImMessageOf<'call.status'>, now: number): CallEffect[] {
    const p = msg.payload;
    const out: CallEffect[] = [];
    if (p.audio_quality !== undefined) this.#quality.audio = p.audio_quality;
    if (p.video_quality !== undefined) this.#quality.video = p.video_quality;
    if (p.network_stats !== undefined) {
      this.#quality.stats = p.network_stats;
      this.#quality.reports++;
      out.push({ kind: 'stats', stats: p.network_stats });
    }
    if (p.status === 'failed') return [...out, ...this.#end('network_error', now, undefined)];
    if (this.status !== 'ringing' && (p.status === 'connected' || p.status === 'disconnected')) {
      if (p.status === 'connected' && this.connectedAt === undefined) {
        this.connectedAt = now;
        out.push({ kind: 'connected' });
      }
      this.status = p.status;
    }
    return [...out, ...this.#forward(party, msg)];
  }

  #forward(from: Party, msg: ImCallMessage): CallEffect[] {
    const text = JSON.stringify(msg);
    return this.#others(from).map((to) => ({ kind: 'send', to, text }));
  }

  #endPayload(reason: ImEndReason, now: number): ImMessageOf<'call.end'>['payload'] {
    return {
      call_id: this.id,
      from_user: this.caller.wire,
      to_user: this.callee.wire,
      reason,
      duration: this.#duration(now),
      ended_at: new Date(now).toISOString(),
    };
  }

  #duration(now: number): number {
    return this.answeredAt === undefined ? 0 : Math.round((now - this.answeredAt) / 1000);
  }

  /**
   * Ends the call: every device but `except` gets `call.end`, the sender's own payload when it sent
   * one, with the server's `duration` and `ended_at` either way.
   */
  #end(
    reason: ImEndReason,
    now: number,
    except: DeviceRef | undefined,
    sent?: ImMessageOf<'call.end'>['payload'],
  ): CallEffect[] {
    const own = this.#endPayload(reason, now);
    const payload = sent ? { ...sent, duration: this.#duration(now), ended_at: own.ended_at } : own;
    const to = this.devices.filter((d) => !sameDevice(d, except));
    this.#ended = true;
    this.#rung = [];
    const out: CallEffect[] = to.map((d) => this.#send(d, 'call.end', payload, now, true));
    const q = this.#quality;
    const summary: CallSummary = {
      call_id: this.id,
      caller: this.caller.user,
      callee: this.callee.user,
      call_type: this.type,
      created_at: this.createdAt,
      ...(this.answeredAt !== undefined && { answered_at: this.answeredAt }),
      ...(this.connectedAt !== undefined && { connected_at: this.connectedAt }),
      ended_at: now,
      duration: this.#duration(now),
      reason,
      ...(q.audio !== undefined && { audio_quality: q.audio }),
      ...(q.video !== undefined && { video_quality: q.video }),
      ...(q.stats !== undefined && { network_stats: q.stats }),
      stats_reports: q.reports,
    };
    out.push({ kind: 'ended', summary });
    return out;
  }

  #send<T extends 'call.status' | 'call.end'>(
    to: DeviceRef,
    type: T,
    payload: ImMessageOf<T>['payload'],
    now: number,
    done?: boolean,
  ): CallEffect {
    return { kind: 'send', to, text: encodeImMessage(type, payload, now), ...(done && { done }) };
  }
}

const opt = <T>(x: T | undefined): T[] => (x === undefined ? [] : [x]);

function refuse(to: DeviceRef, field: string, reason: string): CallEffect {
  return { kind: 'refuse', to, field, reason };
}
