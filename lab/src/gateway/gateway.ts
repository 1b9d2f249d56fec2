/**
 * The fake gateway's I/O: UDP 5351 (PCP, NAT-PMP) and an HTTP port (description, SOAP control) on
 * the router's LAN address, SSDP on 1900 (unicast and the 239.255.255.250 group), a timer that
 * expires mappings, and nftables rules for every mapping. The protocol logic is sans-IO in
 * port-control.ts and upnp-control.ts; this file only moves bytes and time.
 */
import { createSocket, type Socket } from 'node:dgram';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { NAT_PMP_PORT, SSDP_MULTICAST, SSDP_PORT } from '@peerlink/p2p';
import { MappingTable, type GatewayMapping } from './mapping-table.js';
import { NftMappings } from './nft.js';
import { handleControl, type ControlContext } from './port-control.js';
import { CONTROL_PATH, DESCRIPTION_PATH, description, handleSoap, searchAnswer } from './upnp-control.js';

export interface GatewayOptions {
  readonly lanIp: string;
  readonly wanIp: string;
  /** The router's nftables table (ip family) holding the portmap chains. */
  readonly table: string;
  readonly httpPort: number;
  /** Print one line per mapping change (the lab test reads none of it; it helps a human). */
  readonly log?: (line: string) => void;
}

export interface Gateway {
  close(): Promise<void>;
}

const MAX_SOAP_BYTES = 16 * 1024;

const bind = (sock: Socket, port: number, address?: string): Promise<void> =>
  new Promise((resolve, reject) => {
    sock.once('error', reject);
    sock.bind(port, address, () => {
      sock.off('error', reject);
      sock.on('error', () => {});
      resolve();
    });
  });

export async function startGateway(o: GatewayOptions): Promise<Gateway> {
  const ctx: ControlContext = { table: new MappingTable(), wanIp: o.wanIp, startedAt: Date.now() };
  const nft = new NftMappings(o.table, o.wanIp);
  const log = o.log ?? (() => {});
  let timer: ReturnType<typeof setTimeout> | undefined;
  const apply = (removed: readonly GatewayMapping[], added: readonly GatewayMapping[]): Promise<void> => {
    // Logged once the rules are in place: a reader of `unmap` may rely on the port being closed.
    const done = nft.apply(removed, added).then(() => {
      for (const m of removed) log(`unmap ${o.wanIp}:${m.externalPort}`);
      for (const m of added)
        log(`map ${o.wanIp}:${m.externalPort} -> ${m.internalAddress}:${m.internalPort}`);
    });
    schedule();
    return done;
  };
  const schedule = (): void => {
    clearTimeout(timer);
    const at = ctx.table.nextExpiry();
    if (at === undefined) return;
    timer = setTimeout(
      () => void apply(ctx.table.expire(Date.now()), []).catch(() => {}),
      Math.max(0, at - Date.now()) + 5,
    );
  };

  // PCP and NAT-PMP: answer only once the rules are in place, so a granted mapping works at once.
  const control = createSocket('udp4');
  control.on('message', (msg, from) => {
    const r = handleControl(ctx, new Uint8Array(msg), from.address, Date.now());
    void apply(r.removed, r.added)
      .then(() => r.reply && control.send(r.reply, from.port, from.address))
      .catch((e: unknown) => log(`nft failed: ${(e as Error).message}`));
  });
  await bind(control, NAT_PMP_PORT, o.lanIp);

  const location = `http://${o.lanIp}:${o.httpPort}${DESCRIPTION_PATH}`;
  const ssdp = createSocket({ type: 'udp4', reuseAddr: true });
  ssdp.on('message', (msg, from) => {
    const a = searchAnswer(new Uint8Array(msg), location);
    if (a) ssdp.send(a, from.port, from.address);
  });
  await bind(ssdp, SSDP_PORT);
  ssdp.addMembership(SSDP_MULTICAST, o.lanIp);

  const http: Server = createServer((req, res) => {
    const reply = (status: number, body: string): void => {
      res.writeHead(status, { 'content-type': 'text/xml; charset="utf-8"', connection: 'close' });
      res.end(body);
    };
    if (req.method === 'GET' && req.url === DESCRIPTION_PATH) return reply(200, description());
    if (req.method !== 'POST' || req.url !== CONTROL_PATH) return reply(404, '');
    void readBody(req)
      .then(
        async (body) => {
          const from = (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
          const a = handleSoap(ctx, body, from, Date.now());
          await apply(a.removed, a.added);
          reply(a.status, a.body);
        },
        () => reply(413, ''),
      )
      .catch(() => reply(500, ''));
  });
  http.requestTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(o.httpPort, o.lanIp, () => resolve());
  });

  return {
    close: async () => {
      clearTimeout(timer);
      control.close();
      ssdp.close();
      await new Promise<void>((resolve) => http.close(() => resolve()));
      await nft.apply(ctx.table.expire(Infinity), []).catch(() => {});
    },
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    req.on('data', (c: Buffer) => {
      total += c.length;
      if (total > MAX_SOAP_BYTES) {
        req.destroy();
        reject(new Error('body too large'));
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
