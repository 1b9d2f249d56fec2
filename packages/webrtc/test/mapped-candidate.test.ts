// Port-mapped candidates: the pure candidate built from a host candidate and a mapping, and the
// GatewayMapper asking a PCP gateway on loopback (real UDP, the SDK's PCP codecs on the far side)
// once per port, turning its answer into a candidate and releasing the mapping on close.
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { after, before, describe, it } from 'node:test';
import { decodePcpMapRequest, encodePcpMapResponse, PcpResult } from '@peerlink/p2p';
import {
  candidatePriority,
  GatewayMapper,
  mappableHost,
  mappedCandidate,
  parseCandidateLine,
  validateCandidateInit,
} from '../src/index.js';

const HOST = {
  candidate: 'candidate:1467250027 1 udp 2122260223 198.51.100.2 40123 typ host generation 0',
  sdpMid: '0',
  sdpMLineIndex: 0,
  usernameFragment: 'abcd',
};
const EXTERNAL = { address: '203.0.113.20', port: 61000 };

describe('mappedCandidate', () => {
  it('advertises the mapped address as srflx, related to the host candidate, on the same m-line', () => {
    const c = mappedCandidate(HOST, EXTERNAL);
    assert.ok(c);
    assert.ok(validateCandidateInit(c).ok, c.candidate);
    const l = parseCandidateLine(c.candidate);
    assert.ok(l.ok);
    assert.equal(l.value.type, 'srflx');
    assert.equal(l.value.address, EXTERNAL.address);
    assert.equal(l.value.port, EXTERNAL.port);
    assert.equal(l.value.component, 1);
    assert.notEqual(l.value.foundation, '1467250027');
    assert.match(c.candidate, / raddr 198\.51\.100\.2 rport 40123$/);
    assert.deepEqual([c.sdpMid, c.sdpMLineIndex, c.usernameFragment], ['0', 0, 'abcd']);
  });

  it('takes the RFC 8445 priority of a server-reflexive candidate: below host, above relay', () => {
    const l = parseCandidateLine(mappedCandidate(HOST, EXTERNAL)!.candidate);
    assert.ok(l.ok);
    assert.equal(l.value.priority, 100 * 2 ** 24 + 65535 * 2 ** 8 + 255);
    assert.ok(l.value.priority < candidatePriority(126, 65535, 1));
    assert.ok(l.value.priority > candidatePriority(0, 65535, 1));
  });

  it('maps only IPv4 UDP host candidates', () => {
    const other = (line: string) => ({ ...HOST, candidate: line });
    assert.deepEqual(mappableHost(HOST), { address: '198.51.100.2', port: 40123 });
    for (const line of [
      'candidate:2 1 udp 1686052607 203.0.113.20 5000 typ srflx raddr 198.51.100.2 rport 40123',
      'candidate:3 1 tcp 1518280447 198.51.100.2 9 typ host tcptype active',
      'candidate:4 1 udp 2122262783 2001:db8:1::2 40124 typ host',
      'candidate:5 1 udp 2122262783 5f9d8a7e-1c2b-4d3e-8f90-123456789abc.local 40125 typ host',
      'candidate:6 1 udp 41885439 203.0.113.10 49152 typ relay raddr 0.0.0.0 rport 0',
      '',
      'garbage',
    ]) {
      assert.equal(mappableHost(other(line)), undefined, line);
      assert.equal(mappedCandidate(other(line), EXTERNAL), undefined, line);
    }
  });
});

describe('GatewayMapper against a PCP gateway on loopback', () => {
  const GW = '127.0.0.63';
  const log: string[] = [];
  let gw: Socket;
  before(async () => {
    gw = createSocket('udp4');
    gw.on('message', (msg, from) => {
      const q = decodePcpMapRequest(new Uint8Array(msg));
      if (!q.ok) return;
      log.push(`${q.value.internalPort} ${q.value.lifetimeSec}`);
      const r = encodePcpMapResponse({
        ...q.value,
        resultCode: PcpResult.Success,
        epochSec: 1,
        externalPort: q.value.lifetimeSec ? 61000 : 0,
        externalAddress: EXTERNAL.address,
      });
      gw.send(r, from.port, from.address);
    });
    await new Promise<void>((resolve) => gw.bind(5351, GW, resolve));
  });
  after(() => gw.close());

  it('maps a host port once, returns the candidate, ignores the rest, releases on close', async () => {
    const granted: string[] = [];
    const mapper = new GatewayMapper({
      mapOptions: { gateway: GW, protocols: ['pcp'], timeoutMs: 5000 },
      onMapping: (m) => granted.push(`${m.protocol} ${m.external.address}:${m.external.port}`),
    });
    const local = { ...HOST, candidate: HOST.candidate.replace('198.51.100.2', '127.0.0.1') };
    const [first, second] = await Promise.all([mapper.candidatesFor(local), mapper.candidatesFor(local)]);
    assert.equal(first?.length, 1);
    assert.deepEqual(first, second);
    assert.match(first![0]!.candidate, / 203\.0\.113\.20 61000 typ srflx raddr 127\.0\.0\.1 rport 40123$/);
    assert.deepEqual(
      await mapper.candidatesFor({ ...HOST, candidate: 'candidate:4 1 udp 1 2001:db8::2 9 typ host' }),
      [],
    );
    assert.deepEqual(granted, ['pcp 203.0.113.20:61000']);
    await mapper.close();
    assert.deepEqual(log, ['40123 7200', '40123 0']);
    assert.deepEqual(await mapper.candidatesFor(local), []);
  });

  it('yields no candidate when no gateway answers', async () => {
    const errors: string[] = [];
    const mapper = new GatewayMapper({
      mapOptions: { gateway: '127.0.0.64', protocols: ['pcp'], timeoutMs: 300 },
      onError: (e) => errors.push(e.message),
    });
    assert.deepEqual(await mapper.candidatesFor(HOST), []);
    await mapper.close();
  });
});
