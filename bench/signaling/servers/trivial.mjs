// A trivial forwarder: the least work a signaling server can do (no validation, no auth, no limits).
// It only exists to show the load generator can drive more than the servers under test.
import { WebSocketServer } from 'ws';

const port = Number(process.argv[2] ?? 9001);
const byId = new Map();
const wss = new WebSocketServer({ host: '127.0.0.1', port, perMessageDeflate: false }, () => {
  process.stdout.write(`ready ${port}\n`);
});
wss.on('connection', (ws, req) => {
  const id = new URL(req.url, 'http://x').searchParams.get('id');
  byId.set(id, ws);
  const partner = id.endsWith('a') ? `${id.slice(0, -1)}b` : `${id.slice(0, -1)}a`;
  ws.on('message', (data, isBinary) => {
    const to = byId.get(partner);
    if (to) to.send(data, { binary: isBinary });
  });
  ws.on('close', () => byId.delete(id));
});
