// TURN over TLS writes one message per TLS record, as coturn does: turnutils_uclient reads a TLS
// connection one record at a time and takes each record for one message. The client here talks TLS
// through a TCP proxy that counts the records the server sends. The proxy stops reading while a peer
// sends a burst, so the server's writes queue up behind a full socket: the moment Node would hand
// them to TLS as one batch, sealed as one record.
import assert from 'node:assert/strict';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { connect as tcpConnect, createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { connect as tlsConnect } from 'node:tls';
import selfsigned from 'selfsigned';
import {
  StunAttr,
  StunMethod,
  decodeChannelData,
  decodeStunMessage,
  encodeChannelNumber,
  isChannelData,
  newTransactionId,
  type TransportAddress,
} from '@peerlink/wire';
import {
  NodeTurnRelays,
  PeerPolicy,
  StreamFramer,
  startStunListeners,
  type StunListeners,
} from '../src/index.js';
import {
  codeOf,
  peerAttr,
  relayedOf,
  request,
  textOf,
  udpTransport,
  type Credentials,
} from './helpers/turn-messages.js';

const TLS_APPLICATION_DATA = 23;
const CHANNEL = 0x4000;
const MESSAGES = 12_000; // 12 MB: more than loopback TCP buffers hold, so the server's writes queue
const SIZE = 1000;

/** A TCP proxy that forwards both ways and counts the TLS records going to the client. */
class RecordCountingProxy {
  records = 0;
  #upstream: Socket | undefined;
  #pending = Buffer.alloc(0);
  readonly server: Server;

  constructor(target: TransportAddress) {
    this.server = createServer((down) => {
      const up = tcpConnect({ host: target.address, port: target.port });
      this.#upstream = up;
      down.pipe(up);
      up.on('data', (chunk: Buffer) => {
        this.#count(chunk);
        down.write(chunk);
      });
      const end = (): void => {
        up.destroy();
        down.destroy();
      };
      up.on('error', end).on('close', end);
      down.on('error', end).on('close', end);
    });
  }

  #count(chunk: Buffer): void {
    this.#pending = Buffer.concat([this.#pending, chunk]);
    while (this.#pending.length >= 5) {
      const length = this.#pending.readUInt16BE(3);
      if (this.#pending.length < 5 + length) break;
      if (this.#pending[0] === TLS_APPLICATION_DATA) this.records++;
      this.#pending = this.#pending.subarray(5 + length);
    }
  }

  pause(): void {
    this.#upstream?.pause();
  }

  resume(): void {
    this.#upstream?.resume();
  }
}

describe('TURN over TLS: one message per TLS record', () => {
  let turn: NodeTurnRelays;
  let stun: StunListeners;
  let proxy: RecordCountingProxy;
  let peer: UdpSocket;

  before(async () => {
    const pems = await selfsigned.generate([{ name: 'commonName', value: 'localhost' }], {
      keyType: 'ec',
      curve: 'P-256',
      algorithm: 'sha256',
    });
    turn = new NodeTurnRelays({
      relayIps: { 4: '127.0.0.1' },
      users: new Map([['alice', 'wonderland']]),
      peerPolicy: new PeerPolicy({ allowLoopback: true }),
    });
    stun = await startStunListeners({
      address: '127.0.0.1',
      port: 0,
      turn: turn.hook,
      tls: { port: 0, cert: pems.cert, key: pems.private },
    });
    proxy = new RecordCountingProxy(stun.tls!);
    await new Promise<void>((r) => proxy.server.listen(0, '127.0.0.1', () => r()));
    peer = createSocket('udp4');
    await new Promise<void>((r) => peer.bind(0, '127.0.0.1', () => r()));
  });
  after(async () => {
    peer.close();
    proxy.server.close();
    await stun.close();
    await turn.close();
  });

  it('ChannelData queued behind a full socket still leaves one per record', async () => {
    const port = (proxy.server.address() as { port: number }).port;
    const tls = tlsConnect({ host: '127.0.0.1', port, rejectUnauthorized: false });
    await new Promise<void>((r, j) => tls.once('secureConnect', () => r()).once('error', j));
    const framer = new StreamFramer();
    const answers: ((m: ReturnType<typeof decodeStunMessage>) => void)[] = [];
    let channelData = 0;
    let bytes = 0;
    let sentinelSeen = false;
    tls.on('data', (chunk: Buffer) => {
      for (const f of framer.push(new Uint8Array(chunk)).frames) {
        if (isChannelData(f)) {
          const d = decodeChannelData(f);
          assert.ok(d.ok && d.value.channel === CHANNEL);
          if (d.value.data.length === 1) sentinelSeen = true;
          else {
            channelData++;
            bytes += d.value.data.length;
          }
        } else answers.shift()?.(decodeStunMessage(f));
      }
    });
    const ask = (bytes: Uint8Array): Promise<ReturnType<typeof decodeStunMessage>> =>
      new Promise((resolve) => {
        answers.push(resolve);
        tls.write(bytes);
      });
    const challenge = await ask(request(StunMethod.Allocate, [], undefined));
    assert.ok(challenge.ok);
    const creds: Credentials = {
      username: 'alice',
      password: 'wonderland',
      realm: textOf(challenge.value, StunAttr.Realm)!,
      nonce: textOf(challenge.value, StunAttr.Nonce)!,
    };
    const alloc = await ask(request(StunMethod.Allocate, [udpTransport()], creds));
    assert.ok(alloc.ok);
    assert.equal(codeOf(alloc.value), 0);
    const relayed = relayedOf(alloc.value)[0]!;
    const peerAddress = { family: 4 as const, address: '127.0.0.1', port: peer.address().port };
    const tid = newTransactionId();
    const channel = { type: StunAttr.ChannelNumber, value: encodeChannelNumber(CHANNEL) };
    const bind = await ask(
      request(StunMethod.ChannelBind, [channel, peerAttr(peerAddress, tid)], creds, tid),
    );
    assert.ok(bind.ok);
    assert.equal(codeOf(bind.value), 0);

    const before = proxy.records;
    proxy.pause();
    const payload = Buffer.alloc(SIZE, 7);
    for (let i = 0; i < MESSAGES; i += 100) {
      for (let k = 0; k < 100; k++) peer.send(payload, relayed.port, relayed.address);
      await new Promise((r) => setImmediate(r)); // paced: the relay socket's buffer is not the subject
    }
    proxy.resume();
    // Then a 1-byte sentinel, again until it is back: the peer's datagrams reach the relay in order and
    // the server relays them in order, so with it back everything the server took has arrived.
    const deadline = Date.now() + 60_000;
    while (!sentinelSeen) {
      assert.ok(Date.now() < deadline, 'the sentinel came back within 60 s');
      peer.send(Buffer.alloc(1), relayed.port, relayed.address);
      await new Promise((r) => setTimeout(r, 250));
    }
    tls.destroy();
    // The server drops what would queue past its cap for a stream client (counted); what it took came.
    assert.ok(channelData > 1000, `a good part of the burst arrived (${channelData})`);
    assert.equal(bytes, channelData * SIZE);
    assert.ok(
      proxy.records - before >= channelData,
      `${channelData} ChannelData messages came in ${proxy.records - before} TLS records`,
    );
  });
});
