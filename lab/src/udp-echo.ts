/**
 * The link meter, run inside lab namespaces as its own process (node cannot enter a namespace):
 *
 *   node udp-echo.js echo IP PORT            echoes every datagram, prints "ready" once bound
 *   node udp-echo.js ping IP PORT COUNT GAP  sends COUNT probes GAP ms apart, prints one JSON line
 *   node udp-echo.js echo-late IP PORT MS    echoes at once and again MS later (mapping lifetime)
 *   node udp-echo.js once IP PORT WINDOW     sends one datagram, prints {"replies":N} after WINDOW ms
 *
 * A probe carries its sequence number; the echo adds how many probes it has received so far, so the
 * pinger can split loss into the forward and the return direction. After the last probe, the pinger
 * asks for the echo's final count (a STATS datagram, retried) and waits for late echoes no longer
 * than a deadline derived from the slowest round trip it saw.
 */
import { createSocket, type RemoteInfo } from 'node:dgram';

const PROBE = 1;
const STATS = 2;

/** Mirrored by `PingResult` in link-check.ts (not imported: importing this file runs it). */
interface PingResult {
  sent: number;
  echoReceived: number;
  received: number;
  rttMs: number[];
}

const family = (ip: string): 'udp4' | 'udp6' => (ip.includes(':') ? 'udp6' : 'udp4');

function echo(ip: string, port: number): void {
  const sock = createSocket(family(ip));
  let received = 0;
  sock.on('message', (msg: Buffer, from: RemoteInfo) => {
    if (msg[0] === PROBE) received++;
    const out = Buffer.from(msg);
    out.writeUInt32BE(received, 5);
    sock.send(out, from.port, from.address);
  });
  sock.bind(port, ip, () => process.stdout.write('ready\n'));
}

function ping(ip: string, port: number, count: number, gapMs: number): Promise<PingResult> {
  const sock = createSocket(family(ip));
  const sentAt = new Map<number, number>();
  const rttMs: number[] = [];
  let echoReceived = -1;
  let finish: () => void = () => {};
  const done = new Promise<void>((r) => (finish = r));
  sock.on('message', (msg: Buffer) => {
    const seq = msg.readUInt32BE(1);
    if (msg[0] === STATS) {
      echoReceived = msg.readUInt32BE(5);
      finish();
      return;
    }
    const t = sentAt.get(seq);
    if (t !== undefined) {
      rttMs.push(performance.now() - t);
      sentAt.delete(seq);
    }
  });
  const datagram = (kind: number, seq: number): Buffer => {
    const b = Buffer.alloc(64);
    b[0] = kind;
    b.writeUInt32BE(seq, 1);
    return b;
  };
  return new Promise((resolve) => {
    sock.bind(0, () => {
      let seq = 0;
      const tick = setInterval(() => {
        sentAt.set(seq, performance.now());
        sock.send(datagram(PROBE, seq++), port, ip);
        if (seq < count) return;
        clearInterval(tick);
        // Late echoes: wait twice the slowest round trip seen (at least 200 ms), then ask for stats.
        const slowest = Math.max(100, ...rttMs);
        setTimeout(() => askStats(0), 2 * slowest);
      }, gapMs);
      const askStats = (n: number): void => {
        if (echoReceived >= 0) return;
        if (n === 20) return finish(); // stats lost 20 times: report the forward count as unknown
        sock.send(datagram(STATS, 0), port, ip);
        setTimeout(() => askStats(n + 1), 250);
      };
      void done.then(() => {
        sock.close();
        resolve({ sent: count, echoReceived, received: rttMs.length, rttMs });
      });
    });
  });
}

/** The second answer tests whether the client's NAT mapping outlived an idle period of `lateMs`. */
function echoLate(ip: string, port: number, lateMs: number): void {
  const sock = createSocket(family(ip));
  sock.on('message', (msg: Buffer, from: RemoteInfo) => {
    sock.send(msg, from.port, from.address);
    setTimeout(() => sock.send(msg, from.port, from.address), lateMs);
  });
  sock.bind(port, ip, () => process.stdout.write('ready\n'));
}

function once(ip: string, port: number, windowMs: number): void {
  const sock = createSocket(family(ip));
  let replies = 0;
  sock.on('message', () => replies++);
  sock.bind(0, () => {
    sock.send(Buffer.from('hello'), port, ip);
    setTimeout(() => {
      sock.close();
      process.stdout.write(JSON.stringify({ replies }) + '\n');
    }, windowMs);
  });
}

const [mode, ip, port, count, gap] = process.argv.slice(2);
if (mode === 'echo' && ip && port) echo(ip, Number(port));
else if (mode === 'echo-late' && ip && port && count) echoLate(ip, Number(port), Number(count));
else if (mode === 'once' && ip && port && count) once(ip, Number(port), Number(count));
else if (mode === 'ping' && ip && port && count && gap) {
  void ping(ip, Number(port), Number(count), Number(gap)).then((r) =>
    process.stdout.write(JSON.stringify(r) + '\n'),
  );
} else if (mode !== undefined) {
  process.stderr.write('usage: udp-echo.js echo|echo-late|ping|once IP PORT ... (see its header)\n');
  process.exitCode = 2;
}
