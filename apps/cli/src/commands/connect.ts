/**
 * `peerlink connect`: connect to a peer, report the first byte (a probe's echo), wait until the path
 * is direct or `--settle` seconds pass, then send `--bytes` random bytes on a stream and check their
 * echo by SHA-256. With --json: one event per line (connected, path, done, error); the lab reads them.
 */
import { createHash, randomBytes } from 'node:crypto';
import { ClientError, PeerNode, type PeerConnection } from '@peerlink/client';
import { UsageError, type Io } from '../io.js';
import { eventPrinter, PEER_HELP, parsePeerArgs, peerNodeOptions } from './peer-args.js';

export const CONNECT_HELP = [
  'Usage: peerlink connect --server URL --id ID --token T --to PEER [--bytes N] [--settle S] [--timeout S] [--no-direct] [--json]',
  '',
  'Connects to PEER (relay first), reports the probe echo as the first byte, waits for a direct',
  'path up to --settle seconds (not with --no-direct), then sends N random bytes and verifies',
  'their echo.',
  '',
  ...PEER_HELP,
  '  --to PEER          the peer to connect to (running `peerlink listen`)',
  "  --peer-key K       pin the peer's Ed25519 key (base64url); a different key is an error",
  '  --bytes N          bytes to send and verify (default 1048576)',
  '  --settle S         seconds to wait for a direct path (default 15)',
  '  --timeout S        give up after S seconds (default 60)',
].join('\n');

const num = (v: unknown, name: string, dflt: number): number => {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new UsageError(`connect: --${name} must be a non-negative number`);
  return n;
};

/** Bytes written to the stream at a time. */
const CHUNK = 64 * 1024;

async function transfer(conn: PeerConnection, bytes: number): Promise<string> {
  const stream = conn.createStream();
  const sent = createHash('sha256');
  const got = createHash('sha256');
  let received = 0;
  const echoed = new Promise<void>((resolve, reject) => {
    if (bytes === 0) resolve();
    stream.on('data', (d: Buffer) => {
      got.update(d);
      received += d.length;
      if (received >= bytes) resolve();
    });
    stream.on('error', reject);
    conn.once('close', (err) =>
      reject(err ?? new ClientError('CLIENT_CLOSED', 'connection closed during the transfer')),
    );
  });
  echoed.catch(() => {}); // awaited below; a failure during the writes must not go unhandled
  for (let off = 0; off < bytes; off += CHUNK) {
    const chunk = randomBytes(Math.min(CHUNK, bytes - off));
    sent.update(chunk);
    if (!stream.write(chunk)) await new Promise((r) => stream.once('drain', r));
  }
  await echoed;
  stream.end();
  const a = sent.digest('hex');
  const b = got.digest('hex');
  if (a !== b) throw new ClientError('CLIENT_TRANSPORT', `echo differs: sent ${a}, got ${b}`);
  return a;
}

export async function connect(argv: string[], io: Io): Promise<number> {
  const a = parsePeerArgs(
    'connect',
    argv,
    {
      to: { type: 'string' },
      bytes: { type: 'string' },
      settle: { type: 'string' },
      timeout: { type: 'string' },
      'peer-key': { type: 'string' },
    },
    io.env,
  );
  if (a.help) {
    io.out(CONNECT_HELP);
    return 0;
  }
  const to = a.values['to'];
  if (typeof to !== 'string') throw new UsageError('connect: --to PEER is required');
  const bytes = num(a.values['bytes'], 'bytes', 1024 * 1024);
  const settleMs = num(a.values['settle'], 'settle', 15) * 1000;
  const timeoutMs = num(a.values['timeout'], 'timeout', 60) * 1000;
  const peerKey =
    typeof a.values['peer-key'] === 'string'
      ? new Uint8Array(Buffer.from(a.values['peer-key'], 'base64url'))
      : undefined;
  const print = eventPrinter(a.values['json'] === true, io.out);
  const started = performance.now();
  let t0 = started;
  /** ms since the connect call (after registration, which is reported apart as registerMs). */
  const ms = (): number => Math.round(performance.now() - t0);
  let node: PeerNode | undefined;
  /** Where a timeout caught the run: the error names it, so a lab failure says which step hung. */
  let stage = 'registering';
  const deadline = setTimeout(() => {
    print({
      event: 'error',
      code: 'CLIENT_TIMEOUT',
      message: `not done within ${timeoutMs / 1000} s (stage: ${stage})`,
      stage,
    });
    node?.close();
    process.exit(1);
  }, timeoutMs);
  deadline.unref();
  try {
    node = await PeerNode.start(peerNodeOptions(a));
    const registerMs = Math.round(performance.now() - started);
    t0 = performance.now();
    stage = 'signaling';
    const conn = await node.connect(to, { timeoutMs, ...(peerKey ? { peerKey } : {}) });
    /** Connect, incoming, answer and answered: the session is open when they are done. */
    const signalingMs = ms();
    conn.on('path', (p) => print({ event: 'path', path: p.path, remote: p.remote, ms: ms() }));
    const probe = randomBytes(16);
    const echo = new Promise<void>((resolve) => {
      const on = (m: Uint8Array): void => {
        if (Buffer.compare(Buffer.from(m), probe) === 0) {
          conn.off('message', on);
          resolve();
        }
      };
      conn.on('message', on);
    });
    stage = `first byte over ${conn.path}`;
    conn.send(probe);
    await echo;
    stage = 'waiting for a direct path';
    // First byte: the probe's echo; `firstByteAfterSignalingMs` is the relay round trip it took.
    const connectedMs = ms();
    print({
      event: 'connected',
      path: conn.path,
      ms: connectedMs,
      registerMs,
      signalingMs,
      firstByteAfterSignalingMs: connectedMs - signalingMs,
    });
    // Wait for a direct path, up to --settle, while the node is still looking for one.
    if (conn.path !== 'direct' && settleMs > 0 && conn.seekingDirect) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, settleMs);
        conn.on('path', (p) => {
          if (p.path === 'direct') {
            clearTimeout(t);
            resolve();
          }
        });
      });
    }
    const path = conn.path;
    stage = `transfer over ${conn.path}`;
    const sha256 = await transfer(conn, bytes);
    // Decode failures: datagrams that reached the session but did not open or parse (a path switch
    // must never cause one); switches: every move between relay, direct and TURN paths.
    const st = conn.stats();
    const decodeFailures = st.session.dropped.malformed + st.session.dropped.unauthenticated;
    print({
      event: 'done',
      bytes,
      sha256,
      ms: ms(),
      path,
      pathSwitches: st.pathSwitches,
      decodeFailures,
      peerRouterHops: st.punch.peerRouterHops ?? null,
    });
    conn.close();
    node.close();
    return 0;
  } catch (err) {
    const e = err as Error & { code?: string };
    print({ event: 'error', code: e.code ?? 'CLIENT_ERROR', message: e.message });
    node?.close();
    return 1;
  } finally {
    clearTimeout(deadline);
  }
}
