// Runs a TurnClient on its own loopback UDP socket and records its events, so a test can wait for
// one with a deadline.
import type { TransportAddress } from '@peerlink/wire';
import {
  TurnClient,
  nodeUdpSocketFactory,
  runTurnClient,
  type DatagramSocket,
  type RunningTurnClient,
  type TurnClientEvent,
  type TurnClientOptions,
} from '../../src/index.js';
import { until } from './udp-peer.js';

export interface RecordedTurn {
  readonly turn: RunningTurnClient;
  readonly socket: DatagramSocket;
  readonly events: TurnClientEvent[];
  /** The first event of `type` matching `pred` not yet returned by this call. */
  waitFor<T extends TurnClientEvent['type']>(
    type: T,
    pred?: (e: Extract<TurnClientEvent, { type: T }>) => boolean,
    timeoutMs?: number,
  ): Promise<Extract<TurnClientEvent, { type: T }>>;
}

export async function recordedTurn(
  server: TransportAddress,
  opts: Partial<TurnClientOptions> & { username: string; password: string },
  now: () => number = Date.now,
): Promise<RecordedTurn> {
  const socket = await nodeUdpSocketFactory(4);
  const events: TurnClientEvent[] = [];
  const taken = new Set<TurnClientEvent>();
  let wake: () => void = () => {};
  const turn = runTurnClient(new TurnClient({ server, ...opts }), socket, {
    now,
    onEvent: (e) => {
      events.push(e);
      wake();
    },
  });
  return {
    turn,
    socket,
    events,
    async waitFor(type, pred = () => true, timeoutMs = 5000) {
      type E = Extract<TurnClientEvent, { type: typeof type }>;
      const find = (): E | undefined =>
        events.find((e): e is E => e.type === type && !taken.has(e) && pred(e as E));
      await until(
        () => find() !== undefined,
        timeoutMs,
        `${type} event`,
        (w) => (wake = w),
      );
      const e = find()!;
      taken.add(e);
      return e;
    },
  };
}
