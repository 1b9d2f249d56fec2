// The KVS API's configuration and the pieces it builds answers from, without sockets: --ice-server
// with its secrets, --kvs-account-id, the endpoints GetSignalingChannelEndpoint gives for each way a
// client can reach the server, and the TURN URIs and credentials GetIceServerConfig hands out.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { turnRestPassword } from '@peerlink/wire';
import {
  expandTurnUri,
  kvsEndpoints,
  kvsTurnServers,
  loadServeConfig,
  ServerError,
  stunTurnUrls,
} from '../src/index.js';

const load = (flags: Record<string, string>) => loadServeConfig({ flags, env: {} });

describe('KVS configuration', () => {
  it('defaults to no --ice-server and the account 123456789012', () => {
    const c = load({});
    assert.deepEqual(c.iceServers, []);
    assert.equal(c.kvsAccountId, '123456789012');
  });

  it("defaults its limits to the service's (10 viewers, 10 KiB, 5 offers, 5 answers, 20 candidates a second, 10 min idle, 1 h)", () => {
    assert.deepEqual(load({}).kvsLimits, {
      maxViewers: 10,
      maxPayloadBytes: 10240,
      offersPerSecond: 5,
      answersPerSecond: 5,
      candidatesPerSecond: 20,
      messagesPerSecond: 100,
      idleTimeoutMs: 600_000,
      maxDurationMs: 3_600_000,
    });
    assert.deepEqual(
      load({
        'kvs-max-viewers': '50',
        'kvs-offer-rate': '1',
        'kvs-answer-rate': '2',
        'kvs-candidate-rate': '3',
        'kvs-message-rate': '4',
        'kvs-max-payload': '5',
        'kvs-idle-seconds': '6',
        'kvs-max-connection-seconds': '7',
      }).kvsLimits,
      {
        maxViewers: 50,
        maxPayloadBytes: 5,
        offersPerSecond: 1,
        answersPerSecond: 2,
        candidatesPerSecond: 3,
        messagesPerSecond: 4,
        idleTimeoutMs: 6000,
        maxDurationMs: 7000,
      },
    );
  });

  it('pairs --ice-server with one secret for all or one each, in order', () => {
    assert.deepEqual(
      load({ 'ice-server': 'turn:a:3478,turns:b:5349', 'ice-server-secret': 's' }).iceServers,
      [
        { uri: 'turn:a:3478', secret: 's' },
        { uri: 'turns:b:5349', secret: 's' },
      ],
    );
    assert.deepEqual(
      loadServeConfig({
        flags: {},
        env: {
          PEERLINK_ICE_SERVER: 'turn:[2001:db8::1]:3478?transport=udp,turn:c:1',
          PEERLINK_ICE_SERVER_SECRET: 'x,y',
        },
      }).iceServers,
      [
        { uri: 'turn:[2001:db8::1]:3478?transport=udp', secret: 'x' },
        { uri: 'turn:c:1', secret: 'y' },
      ],
    );
  });

  it('refuses servers without their secrets, secrets without servers, odd URIs and account ids', () => {
    for (const flags of [
      { 'ice-server': 'turn:a:3478' },
      { 'ice-server': 'turn:a:1,turn:b:2,turn:c:3', 'ice-server-secret': 'x,y' },
      { 'ice-server-secret': 'x' },
      { 'ice-server': 'stun:a:3478', 'ice-server-secret': 'x' },
      { 'ice-server': 'turn:a', 'ice-server-secret': 'x' },
      { 'ice-server': 'turn:a:3478?transport=sctp', 'ice-server-secret': 'x' },
      { 'ice-server': 'https://a:3478', 'ice-server-secret': 'x' },
      { 'kvs-account-id': '12345' },
      { 'kvs-account-id': 'abcdefghijkl' },
      { 'kvs-offer-rate': '0' },
      { 'kvs-max-viewers': 'ten' },
    ])
      assert.throws(
        () => load(flags),
        (e: unknown) => e instanceof ServerError && e.code === 'CONFIG_INVALID',
        JSON.stringify(flags),
      );
  });
});

describe('KVS endpoints', () => {
  const src = { publicUrl: undefined, httpsPort: () => 8443, fallbackHost: () => '203.0.113.7' };

  it('names the host the client used, on the HTTPS port, /kvs on the WebSocket one', () => {
    assert.deepEqual(kvsEndpoints(src, 'cams.example.org:8080'), {
      https: 'https://cams.example.org:8443',
      wss: 'wss://cams.example.org:8443/kvs',
    });
    assert.deepEqual(kvsEndpoints(src, '[::1]:8080'), {
      https: 'https://[::1]:8443',
      wss: 'wss://[::1]:8443/kvs',
    });
    assert.deepEqual(kvsEndpoints(src, undefined), {
      https: 'https://203.0.113.7:8443',
      wss: 'wss://203.0.113.7:8443/kvs',
    });
  });

  it('drops port 443 (the C SDK connects there and refuses an explicit port)', () => {
    assert.deepEqual(kvsEndpoints({ ...src, httpsPort: () => 443 }, 'cams.example.org'), {
      https: 'https://cams.example.org',
      wss: 'wss://cams.example.org/kvs',
    });
  });

  it('follows --public-url: its scheme, host and port, not its path', () => {
    assert.deepEqual(
      kvsEndpoints({ ...src, publicUrl: 'https://kvs.example.org:9443/ignored' }, 'internal:8080'),
      {
        https: 'https://kvs.example.org:9443',
        wss: 'wss://kvs.example.org:9443/kvs',
      },
    );
    assert.deepEqual(kvsEndpoints({ ...src, publicUrl: 'http://10.0.0.5:8080' }, undefined), {
      https: 'http://10.0.0.5:8080',
      wss: 'ws://10.0.0.5:8080/kvs',
    });
  });
});

describe('KVS TURN servers', () => {
  it('expands a TURN URI to the transports it offers', () => {
    assert.deepEqual(expandTurnUri('turn:h:3478'), [
      'turn:h:3478?transport=udp',
      'turn:h:3478?transport=tcp',
    ]);
    assert.deepEqual(expandTurnUri('turns:h:5349'), ['turns:h:5349?transport=tcp']);
    assert.deepEqual(expandTurnUri('turn:h:3478?transport=tcp'), ['turn:h:3478?transport=tcp']);
  });

  it("advertises this server's TURN over UDP, TCP and TLS, IPv6 in brackets", () => {
    const o = {
      advertisedHost: (h: string | undefined) => h ?? '2001:db8::5',
      stunPort: 3478,
      tlsPort: 5349,
    };
    assert.deepEqual(stunTurnUrls(o, undefined), {
      stun: 'stun:[2001:db8::5]:3478',
      turn: [
        'turn:[2001:db8::5]:3478?transport=udp',
        'turn:[2001:db8::5]:3478?transport=tcp',
        'turns:[2001:db8::5]:5349?transport=tcp',
      ],
    });
    assert.deepEqual(stunTurnUrls({ ...o, tlsPort: undefined }, 'turn.example.org:8443').turn, [
      'turn:turn.example.org:3478?transport=udp',
      'turn:turn.example.org:3478?transport=tcp',
    ]);
  });

  it('mints REST credentials for channel/user valid for a day, short enough for STUN', () => {
    const servers = kvsTurnServers({
      advertisedHost: () => '192.0.2.1',
      stunPort: 3478,
      tlsPort: undefined,
      ice: { turnSecret: 'sec', external: [] },
      now: () => 1_000_000_000_500,
    });
    const [g] = servers({ channel: 'cam', user: 'v1' }, undefined);
    assert.equal(g?.username, `${1_000_000_000 + 86_400}:cam/v1`);
    assert.equal(g?.password, turnRestPassword('sec', g?.username ?? ''));
    const [long] = servers({ channel: 'c'.repeat(256), user: 'u'.repeat(256) }, undefined);
    assert.equal(long?.username.split(':')[1], 'u'.repeat(256));
    assert.ok(Buffer.byteLength(long?.username ?? '') < 513);
  });
});
