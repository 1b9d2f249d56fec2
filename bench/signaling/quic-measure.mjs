// Shared by the QUIC signaling benchmarks (quic.mjs on loopback, quic-lab-client.mjs through the NAT
// lab): quantiles, and a windowed master -> viewer run of ICE_CANDIDATEs.

export const quantiles = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p) => +s[Math.min(s.length - 1, Math.floor(p * s.length))].toFixed(2);
  return { p50: q(0.5), p95: q(0.95), n: s.length };
};

export const candidateB64 = Buffer.from(
  JSON.stringify({ candidate: 'candidate:1 1 udp 2130706431 127.0.0.1 50000 typ host' }),
).toString('base64');

/**
 * Sends `n` messages with `send()`, at most `window` not yet seen by the viewer, until `received()`
 * (which the caller's viewer counts up, calling `wake`) reaches `n`. Resolves with messages per
 * second and the process's CPU µs per message.
 */
export async function windowedRun(n, window, send, viewer) {
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  let sent = 0;
  while (viewer.received < n) {
    while (sent < n && sent - viewer.received < window) {
      void send();
      sent++;
    }
    await new Promise((r) => (viewer.wake = r));
  }
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  return { rate: Math.round(n / seconds), cpuUs: Math.round((cpu.user + cpu.system) / n) };
}

/** `n` sequential joins on each carrier, alternating; connect-to-joined quantiles in ms. */
export async function joinTimes(n, quicOpen, wssOpen) {
  const quic = [];
  const wss = [];
  for (let i = 0; i < n; i++) {
    let t0 = performance.now();
    const c = await quicOpen('viewer', `q${i}`);
    quic.push(performance.now() - t0);
    await c.close();
    t0 = performance.now();
    const ws = await wssOpen(`w${i}`);
    wss.push(performance.now() - t0);
    ws.close();
  }
  return { quic: quantiles(quic), wss: quantiles(wss) };
}
