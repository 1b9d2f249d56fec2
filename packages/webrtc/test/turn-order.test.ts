// TURN over TCP first where UDP does not get out: the pure reordering, the UDP probe against a real
// STUN server (answered) and a real socket that never answers, and the master's choice at start.
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { after, before, describe, it } from 'node:test';
import { RTCPeerConnection } from 'werift';
import {
  createKvsMaster,
  firstStunUri,
  iceServersForNetwork,
  tcpTurnFirst,
  udpReaches,
  type IceServer,
} from '../src/index.js';
import { kvsTestServer, type KvsTestServer } from './helpers/kvs-server.js';

const LIST: IceServer[] = [
  { urls: 'stun:192.0.2.1:3478' },
  { urls: 'turn:192.0.2.1:3478?transport=udp', username: 'u', credential: 'p' },
  { urls: 'turn:192.0.2.1:3478?transport=tcp', username: 'u', credential: 'p' },
  { urls: 'turns:turn.example:443?transport=tcp', username: 'u', credential: 'p' },
];

let srv: KvsTestServer;
/** A UDP socket that takes every datagram and answers none: UDP out, but nothing comes back. */
let silent: Socket;
let silentPort: number;
before(async () => {
  srv = await kvsTestServer();
  silent = createSocket('udp4');
  await new Promise<void>((r) => silent.bind(0, '127.0.0.1', r));
  silentPort = silent.address().port;
});
after(async () => {
  silent?.close();
  await srv?.close();
});

describe('TURN over TCP first without UDP', () => {
  it('puts the ?transport=tcp TURN URIs ahead of the others, STUN first, each group in order', () => {
    assert.deepEqual(
      tcpTurnFirst(LIST).map((s) => s.urls),
      [
        'stun:192.0.2.1:3478',
        'turn:192.0.2.1:3478?transport=tcp',
        'turns:turn.example:443?transport=tcp',
        'turn:192.0.2.1:3478?transport=udp',
      ],
    );
    const udpOnly = [LIST[0]!, LIST[1]!];
    assert.deepEqual(tcpTurnFirst(udpOnly), udpOnly);
    assert.equal(firstStunUri(LIST), 'stun:192.0.2.1:3478');
    assert.equal(firstStunUri([LIST[1]!]), null);
  });

  it('without UDP the list werift gets has TURN over TCP first: the answer carries a relay candidate', async () => {
    const master = await createKvsMaster({
      ...(await srv.channel('tcp-first')),
      sources: [],
      probeUdp: false,
    });
    const given = master.iceServers;
    await master.close();
    // The server's UDP port silent (UDP dropped on the way), its TCP TURN as it is.
    const udp = /^(stun:|turn:.*transport=udp)/;
    const port = /:(\d+)(?:\?|$)/.exec(given.find((s) => udp.test(s.urls))!.urls)![1]!;
    const blocked = given.map((s) =>
      udp.test(s.urls) ? { ...s, urls: s.urls.replace(`:${port}`, `:${silentPort}`) } : s,
    );
    const fit = await iceServersForNetwork(blocked);
    assert.equal(fit.udpOut, false);
    const offerer = new RTCPeerConnection({});
    const answerer = new RTCPeerConnection({ iceServers: fit.servers.map((s) => ({ ...s })) });
    try {
      offerer.addTransceiver('video', { direction: 'recvonly' });
      await offerer.setLocalDescription(await offerer.createOffer());
      await answerer.setRemoteDescription(offerer.localDescription!);
      // werift answers once gathering is over: the TCP allocation made, no UDP Allocate waited out.
      await answerer.setLocalDescription(await answerer.createAnswer());
      assert.match(answerer.localDescription!.sdp, /typ relay/);
    } finally {
      await offerer.close();
      await answerer.close();
    }
  });

  it('the probe: a real STUN server answers, a socket that never answers does not', async () => {
    const master = await createKvsMaster({ ...(await srv.channel('probe')), sources: [] });
    try {
      // GetIceServerConfig's list on loopback: UDP reaches the STUN server, the list as given.
      assert.equal(master.udpOut, true);
      const stun = firstStunUri(master.iceServers);
      assert.ok(stun, 'a stun: URI derived from the TURN servers');
      assert.equal(await udpReaches(stun), true);
      assert.match(master.iceServers.find((s) => s.urls.startsWith('turn:'))!.urls, /transport=udp/);
    } finally {
      await master.close();
    }
    assert.equal(await udpReaches(`stun:127.0.0.1:${silentPort}`), false);
    const blocked = [{ urls: `stun:127.0.0.1:${silentPort}` }, ...LIST.slice(1)];
    const fit = await iceServersForNetwork(blocked);
    assert.equal(fit.udpOut, false);
    // TCP TURN first, UDP TURN after it, no STUN (no srflx to wait for without UDP).
    assert.deepEqual(
      fit.servers.map((s) => s.urls),
      [LIST[2]!.urls, LIST[3]!.urls, LIST[1]!.urls],
    );
  });
});
