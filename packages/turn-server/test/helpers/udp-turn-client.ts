// A small TURN client over a real UDP socket, for adapter tests on loopback: it answers 401 with the
// given credentials once, matches responses by transaction id, and queues what the server relays.
import { createSocket, type Socket } from 'node:dgram';
import {
  StunAttr,
  StunClass,
  decodeStunMessage,
  findAttribute,
  isChannelData,
  newTransactionId,
  type StunAttribute,
  type StunMessage,
  type TransportAddress,
} from '@peerlink/wire';
import { codeOf, request, textOf, type Credentials } from './turn-messages.js';

export class UdpTurnClient {
  readonly #socket: Socket;
  readonly #server: TransportAddress;
  readonly #pending = new Map<string, (m: StunMessage) => void>();
  readonly #relayed: Uint8Array[] = [];
  #waiter: (() => void) | undefined;
  creds: Credentials | undefined;

  private constructor(
    socket: Socket,
    server: TransportAddress,
    readonly user: { username: string; password: string },
  ) {
    this.#socket = socket;
    this.#server = server;
    socket.on('message', (msg) => {
      const bytes = new Uint8Array(msg);
      const d = isChannelData(bytes) ? undefined : decodeStunMessage(bytes);
      if (d?.ok && (d.value.cls === StunClass.SuccessResponse || d.value.cls === StunClass.ErrorResponse)) {
        const key = Buffer.from(d.value.transactionId).toString('hex');
        this.#pending.get(key)?.(d.value);
        this.#pending.delete(key);
        return;
      }
      this.#relayed.push(bytes);
      this.#waiter?.();
    });
  }

  static async open(
    server: TransportAddress,
    user = { username: 'alice', password: 'wonderland' },
  ): Promise<UdpTurnClient> {
    const s = createSocket('udp4');
    await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
    return new UdpTurnClient(s, server, user);
  }

  send(bytes: Uint8Array): void {
    this.#socket.send(bytes, this.#server.port, this.#server.address);
  }

  /** Sends a request (authenticated once a nonce is known) and resolves with its answer. */
  async request(method: number, attrs: (tid: Uint8Array) => StunAttribute[]): Promise<StunMessage> {
    for (let attempt = 0; attempt < 2; attempt++) {
      const tid = newTransactionId();
      const answer = new Promise<StunMessage>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error('no answer in 2 s')), 2000);
        this.#pending.set(Buffer.from(tid).toString('hex'), (m) => {
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

  /** The next thing the server relayed to us (Data indication or ChannelData bytes). */
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
    this.#socket.close();
  }
}
