// A TURN engine on a fake clock with deterministic randomness, and a client that speaks to it.
import assert from 'node:assert/strict';
import { StunAttr, type StunAttribute, type StunMessage, type TransportAddress } from '@peerlink/wire';
import {
  PeerPolicy,
  TurnEngine,
  parseCidr,
  type TurnClient,
  type TurnEngineOptions,
  type TurnEvent,
  type TurnOutput,
} from '../../src/index.js';
import { codeOf, decode, request, textOf, udpTransport, type Credentials } from './turn-messages.js';

export function seededRandom(seed = 1): (n: number) => Uint8Array {
  let x = seed >>> 0 || 1;
  return (n) => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      out[i] = x & 0xff;
    }
    return out;
  };
}

export function harness(opts: Partial<TurnEngineOptions> = {}) {
  const events: TurnEvent[] = [];
  const engine = new TurnEngine<string>({
    relayIps: { 4: '192.0.2.10', 6: '2001:db8::10' },
    users: new Map([['alice', 'wonderland']]),
    nonceKey: new Uint8Array(20).fill(7),
    random: seededRandom(),
    peerPolicy: new PeerPolicy({ allow: [parseCidr('198.51.100.0/24')!, parseCidr('2001:db8:1::/48')!] }),
    onEvent: (e) => events.push(e),
    ...opts,
  });
  const count = (pred: (e: TurnEvent) => boolean): number => events.filter(pred).length;
  return { engine, events, count };
}

export function client(port = 40000, transport: 'udp' | 'tcp' = 'udp'): TurnClient<string> {
  const from: TransportAddress = { family: 4, address: '203.0.113.7', port };
  return { key: `${transport}|203.0.113.7:${port}`, from, transport, handle: `client-${port}` };
}

/** The only output, which must be an answer to the client; decoded. */
export function answerOf(out: TurnOutput<string>[]): StunMessage {
  assert.equal(out.length, 1, `one output, got ${JSON.stringify(out.map((o) => o.type))}`);
  const o = out[0]!;
  assert.equal(o.type, 'to-client');
  return decode(o.type === 'to-client' ? o.bytes : new Uint8Array());
}

/** Gets a nonce with an unauthenticated request, as real clients do. */
export function login(
  engine: TurnEngine<string>,
  c: TurnClient<string>,
  now: number,
  username = 'alice',
  password = 'wonderland',
): Credentials {
  const first = answerOf(engine.handleClient(request(0x003, [udpTransport()]), c, now));
  assert.equal(codeOf(first), 401);
  return { username, password, realm: textOf(first, StunAttr.Realm)!, nonce: textOf(first, StunAttr.Nonce)! };
}

/** Allocates and binds: returns the success answer, the allocation id and the credentials. */
export function allocated(
  engine: TurnEngine<string>,
  c: TurnClient<string>,
  now: number,
  extra: StunAttribute[] = [],
  creds = login(engine, c, now),
): { msg: StunMessage; id: number; creds: Credentials; relays: TransportAddress[] } {
  const out = engine.handleClient(request(0x003, [udpTransport(), ...extra], creds), c, now);
  assert.equal(out.length, 1);
  const open = out[0]!;
  assert.equal(open.type, 'open-relays', JSON.stringify(out));
  if (open.type !== 'open-relays') throw new Error('unreachable');
  const msg = answerOf(engine.relaysOpened(open.allocation, true, now));
  assert.equal(codeOf(msg), 0);
  return { msg, id: open.allocation, creds, relays: open.relays };
}
