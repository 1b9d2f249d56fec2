// The test suites and what each needs from the machine. A suite whose needs are missing prints
// `SKIPPED (needs X)` and is skipped, unless PEERLINK_REQUIRE_ALL=1 (CI), where that is a failure.
// Test files pick their suite by name: `name.test.ts` is a unit test, `name.<suite>.test.ts` belongs to
// <suite>. Every suite has a time budget: a test file still running past it fails.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const has = (cmd) => {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

/** What building clients/c (the C QUIC signaling client) needs: the c suite's, and the lab's. */
const cClientNeeds = () => {
  for (const t of ['cmake', 'cc', 'pkg-config'])
    if (!has(t)) return `${t} (apt-get install cmake gcc pkg-config)`;
  return existsSync('/usr/include/ngtcp2/ngtcp2_crypto_gnutls.h') && existsSync('/usr/include/jansson.h')
    ? null
    : 'ngtcp2, gnutls and jansson headers (apt-get install libngtcp2-dev libngtcp2-crypto-gnutls-dev libgnutls28-dev libjansson-dev)';
};

/** @type {{ name: string; match: (file: string) => boolean; needs: () => string | null; budgetSeconds: number; concurrency: number }[]} */
export const suites = [
  {
    name: 'unit',
    match: (f) => /^[^.]+\.test\.js$/.test(f.split('/').pop() ?? ''),
    needs: () => null,
    budgetSeconds: 300,
    concurrency: 2,
  },
  {
    name: 'coturn',
    match: (f) => f.endsWith('.coturn.test.js'),
    needs: () =>
      ['turnutils_stunclient', 'turnutils_natdiscovery', 'turnutils_uclient', 'turnutils_peer'].every(has)
        ? null
        : 'coturn tools (apt-get install coturn)',
    budgetSeconds: 300,
    concurrency: 1,
  },
  {
    name: 'chromium',
    match: (f) => f.endsWith('.chromium.test.js'),
    needs: () =>
      existsSync('/usr/bin/chromium') ? null : 'Chromium at /usr/bin/chromium (apt-get install chromium)',
    budgetSeconds: 300,
    concurrency: 1,
  },
  {
    // The NAT lab: real kernel NATs in network namespaces (docs/lab.md). Files run one at a time: each
    // already runs its own work in parallel, and two cores are all CI has.
    name: 'lab',
    match: (f) => f.endsWith('.lab.test.js'),
    needs: () => {
      if (process.getuid?.() !== 0) return 'root (network namespaces)';
      for (const t of ['ip', 'nft', 'cc']) if (!has(t)) return `${t} (apt-get install iproute2 nftables gcc)`;
      if (!existsSync('/dev/net/tun')) return '/dev/net/tun (TUN/TAP)';
      return cClientNeeds(); // quic-c-client.lab.test: the C QUIC client behind a lab NAT
    },
    budgetSeconds: 240,
    concurrency: 1,
  },
  {
    // Real WebRTC sessions across the NAT lab (lab/src/webrtc/): the Node master and a Chromium viewer
    // in two sites' namespaces, KVS signaling and STUN/TURN through the lab's peerlink. The CI pairs
    // (WEBRTC_CI_PAIRS, five with port-restricted-open x itself, the TTL remedy's) and one port-mapped
    // session run all at once, each watched for 10 s after its first frame (stayed direct): 77 s with
    // four pairs at load average 10 to 15 on 2 cores, 76 s with five at 5 to 18.
    name: 'webrtc-lab',
    match: (f) => f.endsWith('.webrtc-lab.test.js'),
    needs: () => {
      if (process.getuid?.() !== 0) return 'root (network namespaces)';
      for (const t of ['ip', 'nft', 'cc']) if (!has(t)) return `${t} (apt-get install iproute2 nftables gcc)`;
      if (!existsSync('/dev/net/tun')) return '/dev/net/tun (TUN/TAP)';
      return existsSync('/usr/bin/chromium')
        ? null
        : 'Chromium at /usr/bin/chromium (apt-get install chromium)';
    },
    budgetSeconds: 240,
    concurrency: 1,
  },
  {
    name: 'go',
    match: (f) => f.endsWith('.go.test.js'),
    needs: () =>
      has('go') && existsSync('/usr/share/gocode/src/github.com/xtaci/kcp-go')
        ? null
        : 'go and kcp-go (apt-get install golang-go golang-github-xtaci-kcp-dev)',
    budgetSeconds: 300,
    concurrency: 1,
  },
  {
    // WebRTC with real processes: ffmpeg sends RTP to `peerlink kvs-master`, tshark captures loopback
    // (root, or dumpcap's capabilities) and decodes the session.
    name: 'webrtc',
    match: (f) => f.endsWith('.webrtc.test.js'),
    needs: () => {
      for (const t of ['ffmpeg', 'tshark']) if (!has(t)) return `${t} (apt-get install ffmpeg tshark)`;
      return process.getuid?.() === 0 ? null : 'root (tshark captures on lo)';
    },
    budgetSeconds: 300,
    concurrency: 1,
  },
  {
    // The C QUIC signaling client (clients/c) built with cmake and AddressSanitizer, against a server.
    name: 'c',
    match: (f) => f.endsWith('.c.test.js'),
    needs: () => cClientNeeds(),
    budgetSeconds: 300,
    concurrency: 1,
  },
  {
    // Several signaling nodes sharing state: a private redis-server per test file (never the machine's
    // Redis on 6379), haproxy in front of the nodes. Files run one at a time: each starts servers of its own.
    name: 'cluster',
    match: (f) => f.endsWith('.cluster.test.js'),
    needs: () => {
      for (const t of ['redis-server', 'haproxy'])
        if (!has(t)) return `${t} (apt-get install redis-server haproxy)`;
      return null;
    },
    budgetSeconds: 300,
    concurrency: 1,
  },
];
