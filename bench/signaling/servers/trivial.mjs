// A trivial forwarder: the least work a signaling server can do (no validation, no auth, no limits).
// It shows the load generator can drive more than the servers under test, and is the KVS scenario's
// named peer (there is no local AWS to measure). Routing:
// - peer scenario: `?id=p7a` and `?id=p7b` send to each other;
// - KVS scenario: a viewer names its master at connect (`?id=c3v1&to=c3`); a master (`?id=c3&role=master`)
//   names each frame's recipient in `recipientClientId`, as a KVS master does, so its frames are parsed.
import { WebSocketServer } from 'ws';

const port = Number(process.argv[2] ?? 9001);
const byId = new Map();
const wss = new WebSocketServer({ host: '127.0.0.1', port, perMessageDeflate: false }, () => {
  process.stdout.write(`ready ${port}\n`);
});
const pairPartner = (id) => (id.endsWith('a') ? `${id.slice(0, -1)}b` : `${id.slice(0, -1)}a`);
wss.on('connection', (ws, req) => {
  const q = new URL(req.url, 'http://x').searchParams;
  const id = q.get('id');
  byId.set(id, ws);
  const fixed = q.get('role') === 'master' ? undefined : (q.get('to') ?? pairPartner(id));
  ws.on('message', (data, isBinary) => {
    let to = fixed;
    if (to === undefined) {
      try {
        to = JSON.parse(data.toString()).recipientClientId;
      } catch {
        return;
      }
    }
    byId.get(to)?.send(data, { binary: isBinary });
  });
  ws.on('close', () => byId.delete(id));
});
