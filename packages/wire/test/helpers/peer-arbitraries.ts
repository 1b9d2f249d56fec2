/**
 * fast-check arbitraries for every message of the peer protocol, keyed by `type` so the compiler
 * checks that none is missing. Each value is what JSON carries back unchanged (no -0, no undefined
 * fields), so `parse(JSON.stringify(m))` must give `m` again.
 */
import fc from 'fast-check';
import {
  PEER_ERROR_CODES,
  PEER_PATHS,
  PEER_PROTOCOL_NAME,
  PEER_PROTOCOL_VERSION,
  type PeerClientMessage,
  type PeerServerMessage,
} from '../../src/index.js';

const noNegativeZero = (n: number): number => (Object.is(n, -0) ? 0 : n);
export const finite = fc.double({ noNaN: true, noDefaultInfinity: true }).map(noNegativeZero);
const nonNegative = fc.double({ min: 0, noNaN: true, noDefaultInfinity: true }).map(noNegativeZero);
export const peerId = fc.stringMatching(/^[A-Za-z0-9._:@-]{1,64}$/);
export const session = fc.integer({ min: 1, max: 0xffffffff });
/** Any JSON value, as JSON gives it back. */
export const opaque = fc.jsonValue().map((v) => JSON.parse(JSON.stringify(v)) as unknown);
const text = (maxLength?: number) => fc.string(maxLength === undefined ? {} : { maxLength });

type ArbitrariesOf<M extends { type: string }> = { [T in M['type']]: fc.Arbitrary<Extract<M, { type: T }>> };

export const clientMessages: ArbitrariesOf<PeerClientMessage> = {
  register: fc.record(
    {
      type: fc.constant('register'),
      v: fc.integer(),
      id: peerId,
      token: fc.string({ minLength: 1, maxLength: 4096 }),
      publicKey: text(128),
    },
    { requiredKeys: ['type', 'id', 'token'] },
  ),
  connect: fc.record(
    { type: fc.constant('connect'), target: peerId, ref: text(64), payload: opaque },
    { requiredKeys: ['type', 'target'] },
  ),
  answer: fc.record(
    { type: fc.constant('answer'), session, payload: opaque },
    { requiredKeys: ['type', 'session'] },
  ),
  reject: fc.record(
    { type: fc.constant('reject'), session, reason: text(200) },
    { requiredKeys: ['type', 'session'] },
  ),
  candidate: fc.record({ type: fc.constant('candidate'), session, candidate: opaque }),
  signal: fc.record({ type: fc.constant('signal'), session, data: opaque }),
  close: fc.record(
    { type: fc.constant('close'), session, reason: text(200) },
    { requiredKeys: ['type', 'session'] },
  ),
  path: fc.record({ type: fc.constant('path'), session, path: fc.constantFrom(...PEER_PATHS) }),
  ping: fc.record({ type: fc.constant('ping'), ts: finite }, { requiredKeys: ['type'] }),
  pong: fc.record({ type: fc.constant('pong'), ts: finite }, { requiredKeys: ['type'] }),
};

const introduction = <T extends 'incoming' | 'answered'>(type: T) =>
  fc.record(
    { type: fc.constant(type), session, from: peerId, address: text(), publicKey: text(), payload: opaque },
    { requiredKeys: ['type', 'session', 'from'] },
  );

export const serverMessages: ArbitrariesOf<PeerServerMessage> = {
  welcome: fc.record(
    {
      type: fc.constant('welcome'),
      protocol: fc.constant(PEER_PROTOCOL_NAME),
      v: fc.constant(PEER_PROTOCOL_VERSION),
      id: peerId,
      node: text(128),
      observedAddress: text(),
      stun: fc.record({
        primary: fc.option(text(), { nil: null }),
        alternate: fc.option(text(), { nil: null }),
      }),
      iceServers: fc.array(
        fc.record(
          { urls: fc.array(text(), { maxLength: 3 }), username: text(), credential: text() },
          { requiredKeys: ['urls'] },
        ),
        { maxLength: 3 },
      ),
      relay: fc.record({ maxFrameBytes: finite, bytesPerSecond: finite, burstBytes: finite }),
      limits: fc.record({ maxMessageBytes: finite, messagesPerSecond: finite, idleTimeoutSeconds: finite }),
      heartbeatSeconds: nonNegative,
      sessions: fc.array(fc.record({ session, peer: peerId }), { maxLength: 4 }),
    },
    {
      requiredKeys: [
        'type',
        'protocol',
        'v',
        'id',
        'observedAddress',
        'stun',
        'iceServers',
        'relay',
        'limits',
        'heartbeatSeconds',
        'sessions',
      ],
    },
  ),
  connecting: fc.record(
    { type: fc.constant('connecting'), session, target: peerId, ref: text(64) },
    { requiredKeys: ['type', 'session', 'target'] },
  ),
  incoming: introduction('incoming'),
  answered: introduction('answered'),
  rejected: fc.record({ type: fc.constant('rejected'), session, from: peerId, reason: text() }),
  candidate: fc.record({ type: fc.constant('candidate'), session, from: peerId, candidate: opaque }),
  signal: fc.record({ type: fc.constant('signal'), session, from: peerId, data: opaque }),
  closed: fc.record({ type: fc.constant('closed'), session, reason: text() }),
  pong: fc.record({ type: fc.constant('pong'), ts: finite }, { requiredKeys: ['type'] }),
  goaway: fc.record({ type: fc.constant('goaway'), reason: text(), reconnectMs: nonNegative }),
  error: fc.record(
    {
      type: fc.constant('error'),
      code: fc.constantFrom(...PEER_ERROR_CODES),
      message: text(),
      session,
      ref: text(64),
    },
    { requiredKeys: ['type', 'code', 'message'] },
  ),
};
