/**
 * Interop with kcp-go (xtaci/kcp-go, Debian golang-github-xtaci-kcp-dev), a third-party KCP: the
 * echo peer in interop/kcp-echo-peer.go is built at test time and talks plain ikcp over loopback
 * UDP (nil block cipher, no FEC). Data flows both ways: our KCP sends and reads the echo; then
 * kcp-go dials us, sends, and checks what our KCP echoes.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { kcpConv } from '@peerlink/wire';
import { Kcp } from '../src/kcp/kcp.js';
import { KcpMode, type KcpModeName } from '../src/kcp/constants.js';

const source = fileURLToPath(new URL('../../test/interop/kcp-echo-peer.go', import.meta.url));
let dir = '';
let binary = '';

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'peerlink-kcp-go-'));
  binary = join(dir, 'kcp-echo-peer');
  execFileSync('go', ['build', '-o', binary, source], {
    cwd: dir,
    env: {
      ...process.env,
      GO111MODULE: 'off',
      GOPATH: '/usr/share/gocode',
      GOCACHE: join(tmpdir(), 'peerlink-gocache'),
    },
    stdio: 'pipe',
  });
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** Runs a KCP on a UDP socket with real timers: the thin adapter a test needs. */
function drive(kcp: Kcp, socket: Socket, port: number, onMessage: (m: Uint8Array) => void): () => void {
  const start = Date.now();
  const now = () => (Date.now() - start) >>> 0;
  const pump = () => {
    kcp.update(now());
    for (const d of kcp.takeOutput()) socket.send(d, port, '127.0.0.1');
    for (let m = kcp.recv(); m; m = kcp.recv()) onMessage(m);
  };
  socket.on('message', (bytes) => {
    kcp.input(new Uint8Array(bytes), now());
    pump();
  });
  const timer = setInterval(pump, 5);
  return () => clearInterval(timer);
}

function pattern(i: number): Uint8Array {
  const n = 1 + ((i * 977) % 4000);
  return Uint8Array.from({ length: n }, (_, j) => (i + j * 7) & 0xff);
}

async function lineFrom(child: ChildProcess): Promise<string> {
  let text = '';
  for await (const chunk of child.stdout ?? []) {
    text += String(chunk);
    if (text.includes('\n')) return text.trim();
  }
  throw new Error(`peer exited before printing a line`);
}

describe('KCP interop with kcp-go', () => {
  for (const mode of ['normal', 'fast', 'turbo'] as KcpModeName[]) {
    it(`${mode}: our KCP sends 200 messages to the kcp-go echo peer and reads them back`, async () => {
      const child = spawn(binary, ['listen', mode], { stdio: ['pipe', 'pipe', 'inherit'] });
      try {
        const port = Number((await lineFrom(child)).split(' ')[1]);
        const socket = createSocket('udp4');
        await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
        const kcp = new Kcp(0x1234abcd, { noDelay: KcpMode[mode], sendWindow: 128, receiveWindow: 128 });
        const sent = Array.from({ length: 200 }, (_, i) => pattern(i));
        const expected = Buffer.concat(sent);
        const received: Uint8Array[] = [];
        let total = 0;
        const done = new Promise<void>((resolve) => {
          const stop = drive(kcp, socket, port, (m) => {
            received.push(m);
            total += m.length;
            if (total >= expected.length) {
              stop();
              resolve();
            }
          });
        });
        for (const m of sent) kcp.send(m);
        await done;
        socket.close();
        // kcp-go echoes with its own message boundaries (it writes in mss-sized pieces): compare bytes.
        assert.deepEqual(Buffer.concat(received), expected);
      } finally {
        child.stdin?.end();
        child.kill();
      }
    });
  }

  it('kcp-go dials our KCP, sends 100 messages and checks our echo', async () => {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    const port = socket.address().port;
    let kcp: Kcp | undefined;
    let stop: (() => void) | undefined;
    let peerPort = 0;
    socket.once('message', (bytes, rinfo) => {
      // Accept the conv the dialer picked, as kcp-go's listener does, then hand over to the driver.
      const conv = kcpConv(new Uint8Array(bytes));
      assert.ok(conv !== undefined);
      peerPort = rinfo.port;
      kcp = new Kcp(conv, { noDelay: KcpMode.fast, sendWindow: 128, receiveWindow: 128 });
      const k = kcp;
      stop = drive(k, socket, peerPort, (m) => k.send(m));
      socket.emit('message', bytes, rinfo);
    });
    const child = spawn(binary, ['dial', `127.0.0.1:${port}`, 'fast', '100'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const [line, exit] = await Promise.all([lineFrom(child), once(child, 'exit')]);
    stop?.();
    socket.close();
    const expectedBytes = Array.from({ length: 100 }, (_, i) => pattern(i).length).reduce((a, b) => a + b, 0);
    assert.equal(line, `ok ${expectedBytes}`);
    assert.equal(exit[0], 0);
  });
});
