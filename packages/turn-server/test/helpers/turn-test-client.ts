// A small TURN client over a real UDP socket or TCP connection, for adapter tests on loopback: it
// answers 401 with the given credentials once, matches responses by transaction id, and queues what
// the server relays (Data indications, ChannelData, ConnectionAttempt).
import { createSocket } from 'node:dgram';
import { connect, type Socket as TcpSocket } from 'node:net';
import {
  StunAttr,
  StunClass,
  decodeStunMessage,
  encodeChannelNumber,
  findAttribute,
  isChannelData,
  newTransactionId,
  type StunAttribute,
  type StunMessage,
  type TransportAddress,
} from '@peerlink/wire';
import { StreamFramer } from '../../src/index.js';
import {
  StunMethod,
  codeOf,
  peerAttr,
  relayedOf,
  request,
  textOf,
  udpTransport,
  type Credentials,
} from './turn-messages.js';

const ALICE = { username: 'alice', password: 'wonderland' };
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

export class TurnTestClient {
  readonly #send: (bytes: Uint8Array) => void;
  readonly #close: () => void;
  readonly #pending = new Map<string, (m: StunMessage) => void>();
  readonly #relayed: Uint8Array[] = [];
  #waiter: (() => void) | undefined;
  #stopFraming: () => void = () => {};
  creds: Credentials | undefined;
  /** The TCP connection, for RFC 6062 data once ConnectionBind succeeded. */
  readonly tcp: TcpSocket | undefined;
  readonly user: { username: string; password: string };

  private constructor(
    send: (bytes: Uint8Array) => void,
    close: () => void,
    tcp: TcpSocket | undefined,
    user: { username: string; password: string },
  ) {
    this.#send = send;
    this.#close = close;
    this.tcp = tcp;
    this.user = user;
  }

  static async udp(server: TransportAddress, user = ALICE): Promise<TurnTestClient> {
    const s = createSocket('udp4');
    await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
    const c = new TurnTestClient(
      (b) => s.send(b, server.port, server.address),
      () => s.close(),
      undefined,
      user,
    );
    s.on('message', (msg) => c.#receive(new Uint8Array(msg)));
    return c;
  }

  static async tcp(server: TransportAddress, user = ALICE): Promise<TurnTestClient> {
    const s = connect({ host: server.address, port: server.port });
    await new Promise<void>((r) => s.once('connect', () => r()));
    const c = new TurnTestClient(
      (b) => s.write(b),
      () => s.destroy(),
      s,
      user,
    );
    const framer = new StreamFramer();
    const onData = (chunk: Buffer): void => {
      for (const f of framer.push(new Uint8Array(chunk)).frames) c.#receive(f);
    };
    s.on('data', onData);
    c.#stopFraming = () => s.off('data', onData);
    return c;
  }

  #receive(bytes: Uint8Array): void {
    const d = isChannelData(bytes) ? undefined : decodeStunMessage(bytes);
    if (d?.ok && (d.value.cls === StunClass.SuccessResponse || d.value.cls === StunClass.ErrorResponse)) {
      const key = hex(d.value.transactionId);
      this.#pending.get(key)?.(d.value);
      this.#pending.delete(key);
      return;
    }
    this.#relayed.push(bytes);
    this.#waiter?.();
  }

  /** RFC 6062: from now on the TCP connection carries raw bytes; returns it. */
  raw(): TcpSocket {
    this.#stopFraming();
    if (this.tcp === undefined) throw new Error('not a TCP client');
    return this.tcp;
  }

  send(bytes: Uint8Array): void {
    this.#send(bytes);
  }

  /** Sends a request (authenticated once a nonce is known) and resolves with its answer. */
  async request(method: number, attrs: (tid: Uint8Array) => StunAttribute[]): Promise<StunMessage> {
    for (let attempt = 0; attempt < 2; attempt++) {
      const tid = newTransactionId();
      const answer = new Promise<StunMessage>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error('no answer in 2 s')), 2000);
        this.#pending.set(hex(tid), (m) => {
          clearTimeout(t);
          resolve(m);
        });
      });
      this.send(request(method, attrs(tid), this.creds, tid));
      const m = await answer;
      const code = codeOf(m);
      if ((code === 401 || code === 438) && findAttribute(m, StunAttr.Nonce) && attempt === 0) {
        this.creds = { ...this.user, realm: textOf(m, StunAttr.Realm)!, nonce: textOf(m, StunAttr.Nonce)! };
        continue;
      }
      return m;
    }
    throw new Error('authentication failed twice');
  }

  /** Allocate (UDP), then ChannelBind `channel` to `peer`; returns the relayed address. */
  async allocateChannel(peer: TransportAddress, channel = 0x4001): Promise<TransportAddress> {
    const alloc = await this.request(StunMethod.Allocate, () => [udpTransport()]);
    if (codeOf(alloc) !== 0) throw new Error(`Allocate answered ${codeOf(alloc)}`);
    const bind = await this.request(StunMethod.ChannelBind, (t) => [
      { type: StunAttr.ChannelNumber, value: encodeChannelNumber(channel) },
      peerAttr(peer, t),
    ]);
    if (codeOf(bind) !== 0) throw new Error(`ChannelBind answered ${codeOf(bind)}`);
    return relayedOf(alloc)[0]!;
  }

  /** The next thing the server relayed to us (Data indication, ChannelData, ConnectionAttempt). */
  async nextRelayed(timeoutMs = 2000): Promise<Uint8Array> {
    const deadline = Date.now() + timeoutMs;
    while (this.#relayed.length === 0) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('nothing relayed in time');
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.#waiter = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
    return this.#relayed.shift()!;
  }

  close(): void {
    this.#close();
  }
}
