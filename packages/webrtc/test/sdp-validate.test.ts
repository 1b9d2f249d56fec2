// Our SDP and candidate rules: a browser's and werift's descriptions pass; each missing or broken
// field is refused with that field named; random and mutated input never throws.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { RTCPeerConnection } from 'werift';
import { parseCandidateLine, validateCandidateInit, validateDescription, validateSdp } from '../src/index.js';

// Chromium 120's offer for one video section and a data channel (trimmed of extmaps), as sent.
const CHROME = [
  'v=0',
  'o=- 4611731400430051336 2 IN IP4 127.0.0.1',
  's=-',
  't=0 0',
  'a=group:BUNDLE 0 1',
  'a=extmap-allow-mixed',
  'a=msid-semantic: WMS',
  'm=video 9 UDP/TLS/RTP/SAVPF 96 97',
  'c=IN IP4 0.0.0.0',
  'a=rtcp:9 IN IP4 0.0.0.0',
  'a=ice-ufrag:Wb4k',
  'a=ice-pwd:9Yc5XQ8M2Zo2Zr4ah+8mvpLF',
  'a=ice-options:trickle',
  'a=fingerprint:sha-256 5C:6D:0B:2F:86:55:8A:2F:15:5E:0C:6E:3C:28:4D:11:8A:35:A8:9E:21:70:4A:49:6D:2F:42:83:0C:0A:7A:12',
  'a=setup:actpass',
  'a=mid:0',
  'a=recvonly',
  'a=rtcp-mux',
  'a=rtpmap:96 VP8/90000',
  'a=rtpmap:97 rtx/90000',
  'a=fmtp:97 apt=96',
  'a=candidate:1 1 udp 2113937151 1f0e2c8a-7b52-4a4f-9f2e-7f1c9b0e5d11.local 54321 typ host generation 0 network-cost 999',
  'm=application 9 UDP/DTLS/SCTP webrtc-datachannel',
  'c=IN IP4 0.0.0.0',
  'a=ice-ufrag:Wb4k',
  'a=ice-pwd:9Yc5XQ8M2Zo2Zr4ah+8mvpLF',
  'a=fingerprint:sha-256 5C:6D:0B:2F:86:55:8A:2F:15:5E:0C:6E:3C:28:4D:11:8A:35:A8:9E:21:70:4A:49:6D:2F:42:83:0C:0A:7A:12',
  'a=setup:actpass',
  'a=mid:1',
  'a=sctp-port:5000',
  '',
].join('\r\n');

const without = (prefix: string): string =>
  CHROME.split('\r\n')
    .filter((l) => !l.startsWith(prefix))
    .join('\r\n');
const replace = (from: string, to: string): string => CHROME.replace(from, to);

describe('validateSdp', () => {
  it("accepts Chromium's offer and werift's own", async () => {
    assert.equal(validateSdp(CHROME).ok, true);
    const pc = new RTCPeerConnection();
    pc.addTransceiver('audio', { direction: 'recvonly' });
    pc.createDataChannel('x');
    const offer = await pc.createOffer();
    await pc.close();
    const r = validateSdp(offer.sdp);
    assert.equal(r.ok, true, r.ok ? '' : r.error.message);
  });

  const cases: [string, string, string][] = [
    ['v=0 not first', CHROME.replace('v=0\r\n', ''), 'v='],
    ['no o=', without('o='), 'o='],
    ['a bad o=', replace('IN IP4 127.0.0.1', 'IN IP9 x'), 'o='],
    ['no s=', without('s='), 's='],
    ['no t=', without('t='), 't='],
    ['no m=', CHROME.split('\r\nm=')[0] + '\r\n', 'm='],
    ['a bad m=', replace('m=video 9 UDP', 'm=video nine UDP'), 'm=[0]'],
    ['no ice-ufrag', without('a=ice-ufrag'), 'm=[0] a=ice-ufrag'],
    ['a short ice-pwd', replace('9Yc5XQ8M2Zo2Zr4ah+8mvpLF', 'short'), 'm=[0] a=ice-pwd'],
    ['no fingerprint', without('a=fingerprint'), 'm=[0] a=fingerprint'],
    ['a bad fingerprint', replace('sha-256 5C:6D', 'sha-256 ZZ:6D'), 'm=[0] a=fingerprint'],
    ['a bad setup', replace('a=setup:actpass', 'a=setup:sometimes'), 'm=[0] a=setup'],
    ['a bad candidate', replace('54321 typ host', '99999 typ host'), 'm=[0] a=candidate'],
    ['a line that is not type=value', replace('a=rtcp-mux', 'rtcp-mux'), 'line 18'],
  ];
  for (const [name, sdp, field] of cases)
    it(`refuses ${name}, naming ${field}`, () => {
      const r = validateSdp(sdp);
      assert.equal(r.ok, false);
      if (!r.ok) {
        assert.equal(r.error.code, 'WEBRTC_SDP_INVALID');
        assert.equal(r.error.field, field, r.error.message);
      }
    });

  it('takes ICE and DTLS attributes from the session level', () => {
    const lines = CHROME.split('\r\n');
    const session = lines.filter((l) => /^a=(ice-ufrag|ice-pwd|fingerprint)/.test(l)).slice(0, 3);
    const rest = lines.filter((l) => !/^a=(ice-ufrag|ice-pwd|fingerprint)/.test(l));
    rest.splice(4, 0, ...session);
    assert.equal(validateSdp(rest.join('\r\n')).ok, true);
  });

  it('skips a rejected section (port 0)', () => {
    const sdp = CHROME + 'm=audio 0 UDP/TLS/RTP/SAVPF 0\r\nc=IN IP4 0.0.0.0\r\n';
    assert.equal(validateSdp(sdp).ok, true);
  });

  it('checks the description object: type and sdp', () => {
    assert.equal(validateDescription({ type: 'offer', sdp: CHROME }, 'offer').ok, true);
    for (const bad of [
      null,
      'x',
      [],
      { type: 'answer', sdp: CHROME },
      { type: 'offer' },
      { type: 'offer', sdp: 7 },
    ])
      assert.equal(validateDescription(bad, 'offer').ok, false, JSON.stringify(bad));
  });

  it('never throws on random or mutated input', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 2000 }), (s) => {
        validateSdp(s);
        validateSdp('v=0\r\n' + s);
      }),
    );
    fc.assert(
      fc.property(fc.nat(CHROME.length - 1), fc.string({ maxLength: 8 }), (at, s) => {
        validateSdp(CHROME.slice(0, at) + s + CHROME.slice(at + 1));
      }),
    );
    fc.assert(fc.property(fc.anything(), (v) => void validateDescription(v, 'offer')));
  });
});

describe('candidates', () => {
  it('parses host, srflx, relay and mDNS candidates', () => {
    const r = parseCandidateLine(
      'candidate:842163049 1 udp 1677729535 203.0.113.7 40312 typ srflx raddr 10.0.0.2 rport 40312 generation 0',
    );
    assert.equal(r.ok, true);
    if (r.ok)
      assert.deepEqual([r.value.type, r.value.address, r.value.port], ['srflx', '203.0.113.7', 40312]);
    for (const line of [
      'candidate:1 1 UDP 2122260223 192.0.2.10 50000 typ host',
      'candidate:2 1 udp 41885439 2001:db8::7 3478 typ relay raddr 203.0.113.7 rport 5000',
      'candidate:3 1 tcp 1518280447 192.0.2.10 9 typ host tcptype active',
      'candidate:4 1 udp 2113937151 1f0e2c8a-7b52-4a4f-9f2e-7f1c9b0e5d11.local 54321 typ host',
    ])
      assert.equal(parseCandidateLine(line).ok, true, line);
  });

  const bad: [string, string][] = [
    ['candidate:f@o 1 udp 1 192.0.2.1 1 typ host', 'foundation'],
    ['candidate:1 0 udp 1 192.0.2.1 1 typ host', 'component'],
    ['candidate:1 1 sctp 1 192.0.2.1 1 typ host', 'transport'],
    ['candidate:1 1 udp 99999999999 192.0.2.1 1 typ host', 'priority'],
    ['candidate:1 1 udp 1 not_an/address 1 typ host', 'connection-address'],
    ['candidate:1 1 udp 1 192.0.2.1 65536 typ host', 'port'],
    ['candidate:1 1 udp 1 192.0.2.1 1 typ stunned', 'typ'],
    ['candidate:1 1 udp 1 192.0.2.1 1 typ srflx raddr', 'raddr'],
  ];
  for (const [line, field] of bad)
    it(`refuses ${line}, naming ${field}`, () => {
      const r = parseCandidateLine(line);
      assert.equal(r.ok, false);
      if (!r.ok) assert.equal(r.error.field, field, r.error.message);
    });

  it('checks the candidate object; an empty candidate is the end of candidates', () => {
    assert.equal(validateCandidateInit({ candidate: '', sdpMid: '0', sdpMLineIndex: 0 }).ok, true);
    const line = 'candidate:1 1 udp 1 192.0.2.1 1 typ host';
    assert.equal(validateCandidateInit({ candidate: line, sdpMid: '0' }).ok, true);
    for (const v of [
      null,
      { candidate: 5, sdpMid: '0' },
      { candidate: line },
      { candidate: line, sdpMLineIndex: -1 },
      { candidate: line, sdpMLineIndex: 1.5 },
      { candidate: line, sdpMid: 'x'.repeat(65) },
    ])
      assert.equal(validateCandidateInit(v).ok, false, JSON.stringify(v));
    fc.assert(fc.property(fc.anything(), (v) => void validateCandidateInit(v)));
    fc.assert(fc.property(fc.string(), (s) => void parseCandidateLine(s)));
  });
});
