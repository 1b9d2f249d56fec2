/**
 * The UPnP IGD codecs: SSDP search and answers, the device description, SOAP envelopes and faults,
 * /proc/net/route. Hostile documents (entities, wrong hosts, random text) give typed errors.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  IGD_DEVICE,
  PortMapError,
  encodeMSearch,
  parseDescription,
  parseProcNetRoute,
  parseSearchResponse,
  parseSsdp,
  readSoap,
  soapEnvelope,
  soapFault,
} from '../src/index.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const GW = '192.168.1.1';
const answer = (location: string, st = IGD_DEVICE): Uint8Array =>
  enc(`HTTP/1.1 200 OK\r\nST: ${st}\r\nLOCATION: ${location}\r\nUSN: uuid:x::${st}\r\n\r\n`);

const description = (control: string, extra = ''): string =>
  `<?xml version="1.0"?><root xmlns="urn:schemas-upnp-org:device-1-0">${extra}<device><deviceType>${IGD_DEVICE}</deviceType>` +
  '<deviceList><device><serviceList>' +
  '<service><serviceType>urn:schemas-upnp-org:service:Layer3Forwarding:1</serviceType><controlURL>/l3f</controlURL></service>' +
  `<service><serviceType>urn:schemas-upnp-org:service:WANPPPConnection:1</serviceType><controlURL>/ppp</controlURL></service>` +
  `<service><serviceType>urn:schemas-upnp-org:service:WANIPConnection:1</serviceType><controlURL>${control}</controlURL></service>` +
  '</serviceList></device></deviceList></device></root>';

describe('SSDP', () => {
  it('searches for the IGD:1 device with the standard headers', () => {
    const m = parseSsdp(encodeMSearch());
    assert.ok(m.ok);
    assert.equal(m.value.start, 'M-SEARCH * HTTP/1.1');
    assert.equal(m.value.headers.get('st'), IGD_DEVICE);
    assert.equal(m.value.headers.get('man'), '"ssdp:discover"');
    assert.equal(m.value.headers.get('host'), '239.255.255.250:1900');
  });

  it('takes a LOCATION on the gateway and refuses one elsewhere or not http', () => {
    const ok = parseSearchResponse(answer(`http://${GW}:5000/rootDesc.xml`), GW);
    assert.ok(ok.ok && ok.value.href === `http://${GW}:5000/rootDesc.xml`);
    for (const bad of [
      'http://203.0.113.9/x.xml',
      `https://${GW}/x`,
      `file:///etc/passwd`,
      'not a url',
      `http://u:p@${GW}/`,
    ]) {
      const r = parseSearchResponse(answer(bad), GW);
      assert.ok(!r.ok && r.error.code === 'PORTMAP_HTTP', bad);
    }
    const other = parseSearchResponse(
      answer(`http://${GW}/x`, 'urn:schemas-upnp-org:device:MediaServer:1'),
      GW,
    );
    assert.ok(!other.ok && other.error.code === 'PORTMAP_MALFORMED');
  });
});

describe('device description', () => {
  it('picks WANIPConnection over WANPPPConnection and resolves its control URL', () => {
    const r = parseDescription(description('/ctl/IPConn'), new URL(`http://${GW}:5000/rootDesc.xml`), GW);
    assert.ok(r.ok);
    assert.equal(r.value.controlUrl.href, `http://${GW}:5000/ctl/IPConn`);
    assert.equal(r.value.serviceType, 'urn:schemas-upnp-org:service:WANIPConnection:1');
  });

  it('honours URLBase, but only on the gateway', () => {
    const loc = new URL(`http://${GW}:5000/rootDesc.xml`);
    const r = parseDescription(description('ctl', `<URLBase>http://${GW}:6000/base/</URLBase>`), loc, GW);
    assert.ok(r.ok && r.value.controlUrl.href === `http://${GW}:6000/base/ctl`);
    const away = parseDescription(description('ctl', '<URLBase>http://10.9.9.9/</URLBase>'), loc, GW);
    assert.ok(!away.ok && away.error.code === 'PORTMAP_HTTP');
    const abs = parseDescription(description('http://10.9.9.9/ctl'), loc, GW);
    assert.ok(!abs.ok && abs.error.code === 'PORTMAP_HTTP');
  });

  it('refuses DTDs and entity declarations (no expansion), and a description without the service', () => {
    const loc = new URL(`http://${GW}/d.xml`);
    const bomb = `<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;">]>${description('/c')}`;
    const r = parseDescription(bomb, loc, GW);
    assert.ok(!r.ok && r.error.code === 'PORTMAP_BAD_XML');
    const none = parseDescription('<root><device></device></root>', loc, GW);
    assert.ok(!none.ok && none.error.code === 'PORTMAP_BAD_XML');
  });
});

describe('SOAP', () => {
  const svc = 'urn:schemas-upnp-org:service:WANIPConnection:1';

  it('round-trips an action with escaped arguments', () => {
    const xml = soapEnvelope('AddPortMapping', svc, {
      NewExternalPort: '4000',
      NewPortMappingDescription: 'a<b & "c"',
    });
    const r = readSoap(xml);
    assert.ok(r.ok);
    assert.equal(r.value.action, 'AddPortMapping');
    assert.equal(r.value.args.get('NewExternalPort'), '4000');
    assert.equal(r.value.args.get('NewPortMappingDescription'), 'a<b & "c"');
  });

  it('reads empty and self-closing arguments and another prefix', () => {
    const xml =
      '<S:Envelope xmlns:S="http://schemas.xmlsoap.org/soap/envelope/"><S:Body>' +
      `<m:GetExternalIPAddressResponse xmlns:m="${svc}"><NewExternalIPAddress>203.0.113.20</NewExternalIPAddress><X/><Y></Y>` +
      '</m:GetExternalIPAddressResponse></S:Body></S:Envelope>';
    const r = readSoap(xml);
    assert.ok(r.ok);
    assert.equal(r.value.action, 'GetExternalIPAddressResponse');
    assert.deepEqual(
      [...r.value.args],
      [
        ['NewExternalIPAddress', '203.0.113.20'],
        ['X', ''],
        ['Y', ''],
      ],
    );
  });

  it('turns a fault into PORTMAP_REFUSED with the UPnP error code', () => {
    const r = readSoap(soapFault(718, 'ConflictInMappingEntry'));
    assert.ok(!r.ok && r.error.code === 'PORTMAP_REFUSED' && r.error.resultCode === 718);
  });

  it('never throws on random or truncated documents, and stays fast on unclosed tags', () => {
    const valid = soapEnvelope('AddPortMapping', svc, { A: '1', B: '2' });
    fc.assert(
      fc.property(fc.string({ maxLength: 2000 }), fc.nat(valid.length), (s, cut) => {
        for (const doc of [s, valid.slice(0, cut), valid.slice(0, cut) + s]) {
          const r = readSoap(doc);
          if (!r.ok) assert.ok(r.error instanceof PortMapError);
          const d = parseDescription(doc, new URL(`http://${GW}/`), GW);
          if (!d.ok) assert.ok(d.error instanceof PortMapError);
        }
      }),
      { numRuns: 1000 },
    );
    const started = performance.now();
    readSoap('<s:Body>' + '<service>'.repeat(7000));
    parseDescription('<service><controlURL>'.repeat(3000), new URL(`http://${GW}/`), GW);
    assert.ok(performance.now() - started < 500, 'linear scanning');
  });
});

describe('/proc/net/route', () => {
  it('finds the default gateway (little-endian hex, RTF_UP|RTF_GATEWAY)', () => {
    const text =
      'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n' +
      'eth0\t006433C6\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n' +
      'eth0\t00000000\t016433C6\t0003\t0\t0\t0\t00000000\t0\t0\t0\n';
    assert.equal(parseProcNetRoute(text), '198.51.100.1');
    assert.equal(parseProcNetRoute(text.split('\n').slice(0, 2).join('\n')), undefined);
    assert.equal(parseProcNetRoute('garbage'), undefined);
  });
});
