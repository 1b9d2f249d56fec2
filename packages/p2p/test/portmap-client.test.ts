/**
 * The port-mapping client against an in-process fake gateway on loopback (127.0.0.61: PCP and
 * NAT-PMP on 5351, SSDP on 1900, HTTP on a free port), built from the same codecs. Each behaviour
 * of a real or hostile gateway is a mode of the fake.
 */
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import {
  PcpResult,
  decodeNatPmpRequest,
  decodePcpMapRequest,
  encodeNatPmpError,
  encodeNatPmpExternalResponse,
  encodeNatPmpMapResponse,
  encodePcpMapResponse,
  mapPort,
  mapPortVia,
  parseSsdp,
  PortMapError,
  readSoap,
  soapEnvelope,
  soapFault,
  type MapPortOptions,
} from '../src/index.js';

const GW = '127.0.0.61';
const WAN = '203.0.113.77';
const SVC = 'urn:schemas-upnp-org:service:WANIPConnection:1';

type Mode = 'full' | 'nat-pmp-only' | 'garbage' | 'refuse' | 'doctype' | 'elsewhere' | 'silent-http' | 'huge';

interface Fake {
  mode: Mode;
  /** Every request seen: "pcp 7200", "natpmp 0 0", "soap AddPortMapping 5000", ... */
  log: string[];
  /** UPnP external ports already taken (AddPortMapping answers 718). */
  taken: Set<number>;
}

const fake: Fake = { mode: 'full', log: [], taken: new Set() };
let control: Socket;
let ssdp: Socket;
let http: Server;

function onControl(msg: Buffer, from: { address: string; port: number }): void {
  const b = new Uint8Array(msg);
  const reply = (r: Uint8Array): void => void control.send(r, from.port, from.address);
  if (fake.mode === 'garbage') return reply(Uint8Array.from([2, 0x81, 9, 9, 1]));
  if (b[0] === 2) {
    if (fake.mode === 'nat-pmp-only') return reply(encodeNatPmpError(0, 1, 0)); // version 0, result 1
    const q = decodePcpMapRequest(b);
    if (!q.ok) return;
    fake.log.push(`pcp ${q.value.lifetimeSec} ${q.value.suggestedExternalPort}`);
    const code = fake.mode === 'refuse' ? PcpResult.NotAuthorized : PcpResult.Success;
    return reply(
      encodePcpMapResponse({
        ...q.value,
        resultCode: code,
        epochSec: 1,
        externalPort: q.value.lifetimeSec ? q.value.internalPort + 1 : 0,
        externalAddress: WAN,
      }),
    );
  }
  const q = decodeNatPmpRequest(b);
  if (!q.ok) return;
  if (q.value.op === 'external')
    return reply(encodeNatPmpExternalResponse({ resultCode: 0, epochSec: 1, externalAddress: WAN }));
  fake.log.push(`natpmp ${q.value.lifetimeSec} ${q.value.suggestedExternalPort}`);
  reply(
    encodeNatPmpMapResponse({
      protocol: 'udp',
      resultCode: 0,
      epochSec: 1,
      internalPort: q.value.internalPort,
      externalPort: q.value.lifetimeSec ? q.value.internalPort + 2 : 0,
      lifetimeSec: q.value.lifetimeSec,
    }),
  );
}

function description(): string {
  const doctype = fake.mode === 'doctype' ? '<!DOCTYPE root [<!ENTITY x "y">]>' : '';
  return (
    `<?xml version="1.0"?>${doctype}<root><device><serviceList><service><serviceType>${SVC}</serviceType>` +
    '<controlURL>/ctl</controlURL></service></serviceList></device></root>'
  );
}

const bind = (s: Socket, port: number): Promise<void> => new Promise((r) => s.bind(port, GW, () => r()));

before(async () => {
  control = createSocket('udp4').on('message', onControl);
  ssdp = createSocket('udp4').on('message', (msg, from) => {
    const m = parseSsdp(new Uint8Array(msg));
    if (!m.ok) return;
    const where = fake.mode === 'elsewhere' ? '127.0.0.62' : GW;
    const location = `http://${where}:${(http.address() as AddressInfo).port}/desc.xml`;
    const st = m.value.headers.get('st') ?? '';
    ssdp.send(`HTTP/1.1 200 OK\r\nST: ${st}\r\nLOCATION: ${location}\r\n\r\n`, from.port, from.address);
  });
  http = createServer((req, res) => {
    if (fake.mode === 'silent-http') return; // never answers
    if (fake.mode === 'huge') return void res.end('<root>' + 'x'.repeat(200_000));
    if (req.method === 'GET') return void res.end(description());
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const r = readSoap(body);
      assert.ok(r.ok);
      const { action, args } = r.value;
      fake.log.push(`soap ${action} ${args.get('NewExternalPort') ?? ''}`);
      if (action === 'GetExternalIPAddress') {
        return void res.end(soapEnvelope(`${action}Response`, SVC, { NewExternalIPAddress: WAN }));
      }
      const port = Number(args.get('NewExternalPort'));
      if (action === 'AddPortMapping' && fake.taken.has(port)) {
        res.statusCode = 500;
        return void res.end(soapFault(718, 'ConflictInMappingEntry'));
      }
      res.end(soapEnvelope(`${action}Response`, SVC, {}));
    });
  });
  await Promise.all([
    bind(control, 5351),
    bind(ssdp, 1900),
    new Promise<void>((r) => http.listen(0, GW, () => r())),
  ]);
});
after(() => {
  control.close();
  ssdp.close();
  http.closeAllConnections();
  http.close();
});
beforeEach(() => {
  fake.mode = 'full';
  fake.log = [];
  fake.taken = new Set();
});

const opts = (o: Partial<MapPortOptions> = {}): MapPortOptions => ({
  internalPort: 5000,
  internalAddress: '127.0.0.1',
  gateway: GW,
  timeoutMs: 600,
  ...o,
});

async function rejectsWith(p: Promise<unknown>, code: string, resultCode?: number): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof PortMapError, String(e));
    assert.equal(e.code, code, e.message);
    if (resultCode !== undefined) assert.equal(e.resultCode, resultCode);
    return true;
  });
}

describe('mapPort against a fake gateway on loopback', () => {
  it('prefers PCP; renew keeps the port; release sends lifetime 0', async () => {
    const m = await mapPort(opts());
    assert.ok(m);
    assert.equal(m.protocol, 'pcp');
    assert.deepEqual(m.external, { family: 4, address: WAN, port: 5001 });
    assert.equal(m.lifetimeSec, 7200);
    const again = await m.renew();
    assert.deepEqual(again.external, m.external);
    await m.release();
    assert.deepEqual(fake.log, ['pcp 7200 0', 'pcp 7200 5001', 'pcp 0 5001']);
  });

  it('falls back to NAT-PMP when the gateway answers PCP as NAT-PMP (version 0)', async () => {
    fake.mode = 'nat-pmp-only';
    const started = Date.now();
    const m = await mapPort(opts({ lifetimeSec: 60 }));
    assert.equal(m?.protocol, 'nat-pmp');
    assert.ok(Date.now() - started < 500, 'the version answer ends PCP at once, no timeout');
    assert.deepEqual(m.external, { family: 4, address: WAN, port: 5002 });
    await m.release();
    assert.deepEqual(fake.log, ['natpmp 60 5000', 'natpmp 0 0']);
  });

  it('maps by UPnP, choosing another port on a conflict, and deletes on release', async () => {
    fake.taken.add(5000);
    const m = await mapPortVia('upnp', opts());
    assert.equal(m.protocol, 'upnp');
    assert.equal(m.external.address, WAN);
    assert.notEqual(m.external.port, 5000);
    await m.release();
    assert.deepEqual(fake.log, [
      'soap GetExternalIPAddress ',
      'soap AddPortMapping 5000',
      `soap AddPortMapping ${m.external.port}`,
      `soap DeletePortMapping ${m.external.port}`,
    ]);
  });

  it('times out with PORTMAP_TIMEOUT on bytes that never decode, and mapPort gives undefined', async () => {
    fake.mode = 'garbage';
    const started = Date.now();
    await rejectsWith(mapPortVia('pcp', opts({ timeoutMs: 300 })), 'PORTMAP_TIMEOUT');
    assert.ok(Date.now() - started < 1000);
    assert.equal(await mapPort(opts({ protocols: ['pcp', 'nat-pmp'], timeoutMs: 200 })), undefined);
  });

  it('reports a refusal with its result code', async () => {
    fake.mode = 'refuse';
    await rejectsWith(mapPortVia('pcp', opts()), 'PORTMAP_REFUSED', PcpResult.NotAuthorized);
  });

  it('gives typed errors for hostile UPnP answers, within the budget', async () => {
    for (const [mode, code] of [
      ['doctype', 'PORTMAP_BAD_XML'],
      ['elsewhere', 'PORTMAP_TIMEOUT'], // the only answer names another host: ignored
      ['silent-http', 'PORTMAP_TIMEOUT'],
      ['huge', 'PORTMAP_HTTP'],
    ] as const) {
      fake.mode = mode;
      const started = Date.now();
      await rejectsWith(mapPortVia('upnp', opts({ timeoutMs: 500 })), code);
      assert.ok(Date.now() - started < 1500, `${mode} took ${Date.now() - started} ms`);
    }
  });

  it('says PORTMAP_NO_GATEWAY when no local address faces the gateway, and mapPort gives undefined', async () => {
    // Loopback interfaces never count as facing a gateway.
    const bare = { internalPort: 5000, gateway: GW, timeoutMs: 200 };
    await rejectsWith(mapPortVia('pcp', bare), 'PORTMAP_NO_GATEWAY');
    assert.equal(await mapPort(bare), undefined);
    assert.deepEqual(fake.log, []);
  });
});
