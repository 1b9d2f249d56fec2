/**
 * One STUN request/response transaction over an injected socket (RFC 8489 §6.2.1), with
 * retransmissions on a doubling timer. Responses are matched by transaction id alone, whatever
 * address they come from: RFC 5780 answers to CHANGE-REQUEST arrive from another address by design.
 */
import {
  StunAttr,
  StunClass,
  StunMethod,
  decodeAddress,
  decodeStunMessage,
  decodeXorAddress,
  findAttribute,
  encodeStunMessage,
  newTransactionId,
  type StunAttribute,
  type StunMessage,
  type TransportAddress,
} from '@peerlink/wire';
import type { DatagramSocket } from '../net/datagram-socket.js';

export interface TransactionTiming {
  /** First retransmission timeout, doubled after each try. */
  readonly rtoMs: number;
  /** Sends before giving up. */
  readonly tries: number;
  /** Extra wait after the last send. */
  readonly lastWaitMs: number;
}

export const DEFAULT_TIMING: TransactionTiming = { rtoMs: 250, tries: 4, lastWaitMs: 1000 };

export interface StunReply {
  readonly message: StunMessage;
  readonly from: TransportAddress;
}

/** Multiplexes transactions on one socket. */
export class StunTransactions {
  readonly #socket: DatagramSocket;
  readonly #pending = new Map<string, (r: StunReply) => void>();
  /** Requests that arrived on this socket (hairpinning test), by transaction id. */
  readonly #requests = new Set<string>();
  readonly #requestWaiters = new Map<string, () => void>();

  constructor(socket: DatagramSocket) {
    this.#socket = socket;
    socket.onMessage((bytes, from) => {
      const d = decodeStunMessage(bytes);
      if (!d.ok) return;
      const id = hex(d.value.transactionId);
      if (d.value.cls === StunClass.Request) {
        this.#requests.add(id);
        this.#requestWaiters.get(id)?.();
        return;
      }
      this.#pending.get(id)?.({ message: d.value, from });
    });
  }

  get socket(): DatagramSocket {
    return this.#socket;
  }

  /** Resolves with the reply, or null when every try timed out. */
  request(
    to: TransportAddress,
    attributes: StunAttribute[] = [],
    timing: TransactionTiming = DEFAULT_TIMING,
  ): Promise<StunReply | null> {
    const transactionId = newTransactionId();
    const bytes = encodeStunMessage(
      { method: StunMethod.Binding, cls: StunClass.Request, transactionId, attributes },
      { fingerprint: true },
    );
    const id = hex(transactionId);
    return new Promise((resolve) => {
      const timers: ReturnType<typeof setTimeout>[] = [];
      const finish = (r: StunReply | null): void => {
        for (const t of timers) clearTimeout(t);
        this.#pending.delete(id);
        resolve(r);
      };
      this.#pending.set(id, finish);
      let at = 0;
      let rto = timing.rtoMs;
      for (let i = 0; i < timing.tries; i++) {
        timers.push(setTimeout(() => this.#socket.send(bytes, to), at));
        at += i === timing.tries - 1 ? timing.lastWaitMs : rto;
        rto *= 2;
      }
      timers.push(setTimeout(() => finish(null), at));
    });
  }

  /** Sends a request we do not expect an answer to, and returns its id (hairpinning test). */
  sendProbe(to: TransportAddress): string {
    const transactionId = newTransactionId();
    this.#socket.send(
      encodeStunMessage({
        method: StunMethod.Binding,
        cls: StunClass.Request,
        transactionId,
        attributes: [],
      }),
      to,
    );
    return hex(transactionId);
  }

  /** Resolves true once a request with this id arrives on this socket, false after `timeoutMs`. */
  awaitRequest(id: string, timeoutMs: number): Promise<boolean> {
    if (this.#requests.has(id)) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#requestWaiters.delete(id);
        resolve(false);
      }, timeoutMs);
      this.#requestWaiters.set(id, () => {
        clearTimeout(timer);
        this.#requestWaiters.delete(id);
        resolve(true);
      });
    });
  }
}

function hex(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += x.toString(16).padStart(2, '0');
  return s;
}

/** The reflexive address a Binding response reports (XOR-MAPPED-ADDRESS, else MAPPED-ADDRESS). */
export function mappedAddressOf(reply: StunReply | null): TransportAddress | null {
  if (!reply) return null;
  const xor = findAttribute(reply.message, StunAttr.XorMappedAddress);
  if (xor) {
    const r = decodeXorAddress(xor.value, reply.message.transactionId);
    if (r.ok) return r.value;
  }
  const plain = findAttribute(reply.message, StunAttr.MappedAddress);
  if (plain) {
    const r = decodeAddress(plain.value);
    if (r.ok) return r.value;
  }
  return null;
}
