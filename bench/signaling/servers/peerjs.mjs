// The PeerJS signaling server (npm `peer`), as the named peer of this benchmark.
import { PeerServer } from 'peer';

const port = Number(process.argv[2] ?? 9000);
PeerServer(
  { port, host: '127.0.0.1', path: '/', concurrent_limit: 1_000_000, alive_timeout: 600_000 },
  () => {
    process.stdout.write(`ready ${port}\n`);
  },
);
