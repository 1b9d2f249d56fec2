// Hostile input on the QUIC carrier (docs/quic-signaling.md, "Limits"): garbage datagrams, an
// oversized length prefix, a stream that never completes a frame, a second stream, stream data sent
// with the handshake's Finished (a raw quiche client), and 1,000 handshakes from one address. Each is
// a counted drop or a limit; the server keeps serving a well-behaved client throughout.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { native } from '@matrixai/quic';
import { encodeFrame, formatChannelArn, mintKvsToken, QUIC_ALPN } from '@peerlink/signaling';
import type { RunningServer } from '../src/index.js';
import { quicConnect, quicJoin, quicStream } from './helpers/quic-client.js';
import { KVS_REGION, putKvsChannel } from './helpers/kvs-channel.js';
import { SECRET, start } from './helpers/start-server.js';

const ARN = formatChannelArn({ region: KVS_REGION, account: '123456789012', name: 'yard', created: 1 });
let server: RunningServer;
let cert: string;
const port = (): number => server.quic?.port as number;
const masterToken = (): Promise<string> =>
  mintKvsToken({ secret: SECRET, channel: 'yard', role: 'master', clientId: '', ttlSeconds: 600 });
const drops = async (reason: string): Promise<number> => {
  await server.quic?.flushCounts();
  const m = await server.metrics.registry.getSingleMetric('peerlink_quic_drops_total')?.get();
  return m?.values.find((v) => v.labels['reason'] === reason)?.value ?? 0;
};
/** A well-behaved master still joins (and replaces the previous one). */
async function stillServes(localHost?: string): Promise<void> {
  const { c, answer } = await quicJoin(
    port(),
    cert,
    { channel_name: 'yard', role: 'master', token: await masterToken() },
    localHost ? { localHost } : {},
  );
  assert.equal(answer['messageType'], 'JOINED');
  await c.close();
}

describe('hostile input on the QUIC carrier', () => {
  before(async () => {
    server = await start({ quicOptions: { joinTimeoutMs: 1000, closeGraceMs: 200, maxPendingPerIp: 16 } });
    cert = readFileSync(join(server.dataDir.path, 'tls', 'dev-cert.pem'), 'utf8');
    assert.equal(await putKvsChannel(server, 'yard', {}, 1), ARN);
  });
  after(() => server.close());

  it('counts datagrams that are not QUIC as drops', async () => {
    const udp = createSocket('udp4');
    for (let i = 0; i < 200; i++) udp.send(randomBytes(1 + (i % 3)), port(), '127.0.0.1');
    for (let i = 0; i < 50; i++) udp.send(randomBytes(1200), port(), '127.0.0.1'); // parse or not: no crash
    await stillServes(); // sent after the garbage on the same path: the garbage was read first
    udp.close();
    assert.ok((await drops('not-quic')) >= 200);
  });

  it('closes a connection whose length prefix is over 65,536 bytes, with the reason', async () => {
    const { c } = await quicJoin(port(), cert, {
      channel_name: 'yard',
      role: 'master',
      token: await masterToken(),
    });
    await c.send(new Uint8Array([0, 1, 0, 1, 123]));
    assert.deepEqual(await c.closed, { code: 1008, reason: 'a frame of 65537 bytes, over 65536', app: true });
    await c.close();
    assert.ok((await drops('bad-frame')) >= 1);
  });

  it('closes a connection that never completes its JOIN, and one that never opens a stream', async () => {
    const partial = await quicStream(await quicConnect(port(), cert));
    await partial.send(new Uint8Array([0, 0])); // half a length prefix, then nothing
    const silent = await quicConnect(port(), cert);
    const silentClosed = new Promise<void>((r) =>
      silent.addEventListener('EventQUICClientDestroyed', () => r()),
    );
    assert.deepEqual(await partial.closed, { code: 1008, reason: 'no JOIN in time', app: true });
    await silentClosed;
    await partial.close();
    assert.ok((await drops('join-timeout')) >= 2);
  });

  it('resets a second stream and keeps serving the first', async () => {
    const { c } = await quicJoin(port(), cert, {
      channel_name: 'yard',
      role: 'master',
      token: await masterToken(),
    });
    const second = await quicStream(c.client);
    await second.send({ action: 'GET_ICE_CONFIG' });
    await second.ended;
    await c.send({ action: 'GET_ICE_CONFIG', CorrelationId: 'c-1' });
    assert.equal((await c.next())['messageType'], 'ICE_CONFIG');
    await c.close();
    assert.ok((await drops('extra-stream')) >= 1);
  });

  it('survives stream data sent with the handshake Finished (raw quiche client)', async () => {
    const outcome = await rawEarlyStreamJoin(port(), await masterToken());
    // The library resets a stream that arrives before the connection has started; a client then
    // joins on its next stream. Either way the answer is a JOINED, and the server lives on.
    assert.equal(outcome.joined, true, JSON.stringify(outcome));
    await stillServes();
  });

  it('bounds 1,000 handshakes from one address by the per-IP limit', async () => {
    const flood = rawHandshakeFlood(port(), 1000, 2000);
    await stillServes('127.0.0.2'); // meanwhile a client from another address joins
    const { established, elapsedMs } = await flood;
    // At most 16 at a time; each unjoined one holds its slot until the join timeout (1 s).
    const windows = Math.ceil(elapsedMs / 1000) + 1;
    assert.ok(established <= 16 * windows, `${established} established in ${elapsedMs} ms`);
    // Over the limit, each Initial (and each retransmission) is a counted drop; what the kernel's
    // receive buffer lost of the burst never reaches the server to be counted.
    const dropped = await drops('pending-per-ip');
    assert.ok(dropped > 0, `${dropped} dropped, ${established} established`);
    await stillServes();
  });
});

/**
 * `n` handshakes from one UDP socket on quiche's own API (cheap enough to start 1,000 at once, which
 * 1,000 library clients in one process are not); resolves after `ms` with how many completed.
 */
async function rawHandshakeFlood(
  serverPort: number,
  n: number,
  ms: number,
): Promise<{ established: number; elapsedMs: number }> {
  const { quiche } = native;
  const t0 = Date.now();
  const config = quiche.Config.withBoringSslCtx(false, false, null, null, null, null);
  config.setApplicationProtos([QUIC_ALPN]);
  config.setMaxIdleTimeout(ms * 2);
  const udp = createSocket('udp4');
  await new Promise<void>((r) => udp.bind(0, '127.0.0.1', () => r()));
  const local = { host: '127.0.0.1', port: udp.address().port };
  const remote = { host: '127.0.0.1', port: serverPort };
  const conns = new Map<string, ReturnType<typeof quiche.Connection.connect>>();
  const buf = Buffer.alloc(1500);
  const flush = (c: ReturnType<typeof quiche.Connection.connect>): void => {
    for (let r = c.send(buf); r !== null; r = c.send(buf))
      udp.send(Buffer.from(buf.subarray(0, r[0])), serverPort, '127.0.0.1');
  };
  udp.on('message', (msg) => {
    let dcid: string;
    try {
      dcid = Buffer.from(quiche.Header.fromSlice(msg, quiche.MAX_CONN_ID_LEN).dcid).toString('hex');
    } catch {
      return;
    }
    const c = conns.get(dcid);
    if (!c) return;
    try {
      c.recv(msg, { to: local, from: remote });
    } catch {
      return;
    }
    flush(c);
  });
  for (let i = 0; i < n; i++) {
    if (i % 50 === 49) await new Promise((r) => setImmediate(r)); // let the socket breathe
    const scid = randomBytes(quiche.MAX_CONN_ID_LEN);
    const c = quiche.Connection.connect(null, scid, local, remote, config);
    conns.set(scid.toString('hex'), c);
    flush(c);
  }
  await new Promise((r) => setTimeout(r, ms)); // the flood's duration, not a wait for an event
  const established = [...conns.values()].filter((c) => c.isEstablished()).length;
  udp.close();
  return { established, elapsedMs: Date.now() - t0 };
}

/**
 * A client on quiche's own API that writes its JOIN on stream 0 before it sends its Finished, so
 * both leave in one datagram; then, if stream 0 was reset, joins again on stream 4.
 */
async function rawEarlyStreamJoin(
  serverPort: number,
  token: string,
): Promise<{ joined: boolean; resets: number }> {
  const { quiche } = native;
  const config = quiche.Config.withBoringSslCtx(false, false, null, null, null, null);
  config.setApplicationProtos([QUIC_ALPN]);
  config.setMaxIdleTimeout(5000);
  config.setInitialMaxData(1 << 20);
  config.setInitialMaxStreamDataBidiLocal(1 << 20);
  config.setInitialMaxStreamDataBidiRemote(1 << 20);
  config.setInitialMaxStreamsBidi(10);
  const udp: Socket = createSocket('udp4');
  await new Promise<void>((r) => udp.bind(0, '127.0.0.1', () => r()));
  const local = { host: '127.0.0.1', port: udp.address().port };
  const remote = { host: '127.0.0.1', port: serverPort };
  const conn = quiche.Connection.connect(null, randomBytes(20), local, remote, config);
  const join = encodeFrame(JSON.stringify({ action: 'JOIN', channel_name: 'yard', role: 'master', token }));
  const flush = (): void => {
    const buf = Buffer.alloc(1500);
    for (let r = conn.send(buf); r !== null; r = conn.send(buf))
      udp.send(buf.subarray(0, r[0]), serverPort, '127.0.0.1');
  };
  let resets = 0;
  let early = false;
  const answered = new Promise<{ joined: boolean; resets: number }>((resolve) => {
    const timer = setTimeout(() => resolve({ joined: false, resets }), 5000);
    udp.on('message', (msg) => {
      conn.recv(msg, { to: local, from: remote });
      if (conn.isEstablished() && !early) {
        early = true;
        conn.streamSend(0, join, false); // packed with the Finished that the next flush sends
      }
      for (const id of conn.readable()) {
        const buf = Buffer.alloc(65_540);
        let got: [number, boolean] | null = null;
        try {
          got = conn.streamRecv(id, buf);
        } catch {
          resets++;
          if (id === 0) conn.streamSend(4, join, false); // stream 0 was reset: join on the next one
          continue;
        }
        if (got && buf.subarray(4, got[0]).toString().includes('"JOINED"')) {
          clearTimeout(timer);
          resolve({ joined: true, resets });
        }
      }
      flush();
    });
  });
  flush();
  const r = await answered;
  conn.close(true, 0, new Uint8Array());
  flush();
  udp.close();
  return r;
}
