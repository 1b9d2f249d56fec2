/**
 * Drives a {@link TurnClient} over an injected {@link DatagramSocket} with real timers: for tests,
 * for users who give TURN a socket of its own, and for a node that shares its socket (it hands the
 * runner a view of it and takes back, through `onOtherDatagram`, what the client did not want). The
 * socket stays the caller's: `close()` ends the allocation, not the socket. The timers never hold
 * the process open by themselves; an open socket does.
 *
 * ```ts
 * const socket = await nodeUdpSocketFactory(4);
 * const turn = runTurnClient(new TurnClient({ server, username, password }), socket, {
 *   onEvent: (e) => { if (e.type === 'data') console.log(e.peer, e.bytes); },
 * });
 * const { relayed } = await turn.allocated();
 * turn.permit(peer);
 * turn.sendTo(peer, new TextEncoder().encode('hello'));
 * await turn.close();
 * ```
 */
import { formatIp, parseIp, type TransportAddress } from '@peerlink/wire';
import type { DatagramSocket } from '../net/datagram-socket.js';
import { TurnClientError, TurnClientErrorCode } from './turn-client-errors.js';
import type { TurnClient } from './turn-client.js';
import type { TurnClientEvent } from './turn-client-types.js';

export interface RunTurnClientOptions {
  /** The clock. Default Date.now. */
  readonly now?: () => number;
  /** Every event the client emits, in order. */
  readonly onEvent?: (e: TurnClientEvent) => void;
  /** Datagrams from other addresses, and those from the server the client did not take. */
  readonly onOtherDatagram?: (bytes: Uint8Array, from: TransportAddress) => void;
}

export type TurnAllocation = Omit<Extract<TurnClientEvent, { type: 'allocated' }>, 'type'>;

export interface RunningTurnClient {
  readonly client: TurnClient;
  /** Resolves once allocated; rejects with a TurnClientError if the client fails or closes first. */
  allocated(): Promise<TurnAllocation>;
  permit(peer: TransportAddress): void;
  sendTo(peer: TransportAddress, data: Uint8Array): void;
  /** Deletes the allocation; resolves once the server answered or the request timed out. */
  close(): Promise<void>;
}

const canonical = (a: TransportAddress): string => {
  const ip = parseIp(a.address);
  return `${ip === undefined ? a.address : formatIp(ip.bytes)}|${a.port}`;
};

/** Starts the client (if it was not started) and keeps it fed until it is closed or failed. */
export function runTurnClient(
  client: TurnClient,
  socket: DatagramSocket,
  opts: RunTurnClientOptions = {},
): RunningTurnClient {
  const now = opts.now ?? Date.now;
  const server = canonical(client.server);
  let timer: ReturnType<typeof setTimeout> | undefined;
  let allocation: TurnAllocation | undefined;
  let ended: TurnClientError | undefined;
  const allocationWaiters: { resolve: (a: TurnAllocation) => void; reject: (e: Error) => void }[] = [];
  const endWaiters: (() => void)[] = [];

  const settle = (e: TurnClientEvent): void => {
    if (e.type === 'allocated') {
      allocation = { relayed: e.relayed, mapped: e.mapped, lifetimeSec: e.lifetimeSec };
      for (const w of allocationWaiters.splice(0)) w.resolve(allocation);
    } else if (e.type === 'failed' || e.type === 'closed') {
      ended =
        e.type === 'failed'
          ? new TurnClientError(e.code, e.reason, e.status)
          : new TurnClientError(TurnClientErrorCode.NotAllocated, 'closed');
      for (const w of allocationWaiters.splice(0)) w.reject(ended);
      for (const w of endWaiters.splice(0)) w();
    }
  };

  const pump = (): void => {
    for (const bytes of client.takeOutput()) socket.send(bytes, client.server);
    for (const e of client.takeEvents()) {
      settle(e);
      opts.onEvent?.(e);
    }
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    const at = client.nextTimeout();
    if (at === undefined) return;
    timer = setTimeout(
      () => {
        timer = undefined;
        client.handleTimer(now());
        pump();
      },
      Math.max(0, at - now()),
    );
    timer.unref();
  };

  socket.onMessage((bytes, from) => {
    const taken = canonical(from) === server && client.handleDatagram(bytes, now());
    if (taken) pump();
    else opts.onOtherDatagram?.(bytes, from);
  });
  if (client.state === 'idle') client.start(now());
  pump();

  return {
    client,
    allocated() {
      if (ended !== undefined) return Promise.reject(ended);
      if (allocation !== undefined) return Promise.resolve(allocation);
      return new Promise((resolve, reject) => allocationWaiters.push({ resolve, reject }));
    },
    permit(peer) {
      client.permit(peer, now());
      pump();
    },
    sendTo(peer, data) {
      client.sendTo(peer, data, now());
      pump();
    },
    close() {
      client.close(now());
      pump();
      if (ended !== undefined) return Promise.resolve();
      return new Promise((resolve) => endWaiters.push(resolve));
    },
  };
}
