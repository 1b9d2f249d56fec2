/**
 * A scriptable UDP endpoint for the port-mapping lab test, run inside a host namespace. It reads
 * commands on stdin and prints one JSON event per line:
 *
 *   bind NAME                      -> {"event":"bound","name":N,"port":P}
 *   map NAME pcp|nat-pmp|upnp [IP|- [SEC]] -> {"event":"mapped","name":N,"external":"ip:port"} | {"event":"map-failed",...}
 *   send NAME IP PORT TEXT         (no event)
 *   release NAME                   -> {"event":"released","name":N} | {"event":"release-failed",...}
 *   (a datagram arrives)           -> {"event":"recv","name":N,"from":"ip:port","text":T}
 */
import { createInterface } from 'node:readline';
import {
  mapPortVia,
  nodeUdpSocketFactory,
  PortMapError,
  type DatagramSocket,
  type PortMapping,
  type PortMapProtocol,
} from '@peerlink/p2p';

const sockets = new Map<string, DatagramSocket>();
const mappings = new Map<string, PortMapping>();
const say = (o: object): void => void process.stdout.write(JSON.stringify(o) + '\n');
const failure = (e: unknown): string => (e instanceof PortMapError ? `${e.code}: ${e.message}` : String(e));

async function command(line: string): Promise<void> {
  const [cmd, name = '', ...rest] = line.trim().split(' ');
  if (cmd === 'bind') {
    const s = await nodeUdpSocketFactory(4);
    s.onMessage((bytes, from) =>
      say({ event: 'recv', name, from: `${from.address}:${from.port}`, text: Buffer.from(bytes).toString() }),
    );
    sockets.set(name, s);
    say({ event: 'bound', name, port: s.local().port });
  } else if (cmd === 'map') {
    const s = sockets.get(name);
    if (!s) return say({ event: 'map-failed', name, why: 'no such socket' });
    try {
      // IP: claim another internal address than our own (the gateway must refuse); SEC: lifetime.
      const claim = rest[1] && rest[1] !== '-' ? { internalAddress: rest[1] } : {};
      const lifetime = rest[2] ? { lifetimeSec: Number(rest[2]) } : {};
      const opts = { internalPort: s.local().port, timeoutMs: 3000, ...claim, ...lifetime };
      const m = await mapPortVia(rest[0] as PortMapProtocol, opts);
      mappings.set(name, m);
      say({
        event: 'mapped',
        name,
        protocol: m.protocol,
        external: `${m.external.address}:${m.external.port}`,
      });
    } catch (e) {
      say({ event: 'map-failed', name, why: failure(e), resultCode: (e as PortMapError).resultCode });
    }
  } else if (cmd === 'send') {
    const [ip = '', port = '0', ...text] = rest;
    sockets.get(name)?.send(Buffer.from(text.join(' ')), { family: 4, address: ip, port: Number(port) });
  } else if (cmd === 'release') {
    try {
      await mappings.get(name)?.release();
      say({ event: 'released', name });
    } catch (e) {
      say({ event: 'release-failed', name, why: failure(e) });
    }
  }
}

let chain = Promise.resolve();
createInterface({ input: process.stdin }).on('line', (l) => {
  chain = chain.then(() => command(l)).catch((e: unknown) => say({ event: 'error', why: String(e) }));
});
process.stdin.on('close', () => {
  for (const s of sockets.values()) s.close();
});
say({ event: 'ready' });
