import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadServeConfig, ServerError } from '../src/index.js';

const files = (map: Record<string, string>) => (p: string) => {
  const f = map[p];
  if (f === undefined) throw new Error(`ENOENT: ${p}`);
  return f;
};

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ServerError, `expected ServerError, got ${String(err)}`);
    return err.code;
  }
  return undefined;
}

describe('loadServeConfig', () => {
  it('uses the documented defaults with no input', () => {
    const c = loadServeConfig({ flags: {}, env: {} });
    assert.equal(c.dataDir, './peerlink-data');
    assert.equal(c.host, '0.0.0.0');
    assert.equal(c.httpPort, 8080);
    assert.equal(c.httpsPort, 8443);
    assert.equal(c.stunPort, 3478);
    assert.equal(c.altPort, 3479);
    assert.equal(c.logLevel, 'info');
    assert.equal(c.altIp, undefined);
    assert.equal(c.sources['http-port'], 'default');
    assert.deepEqual(c.adminListen, { host: '127.0.0.1', port: 9090 });
  });

  it('takes --admin-listen HOST:PORT or off; unset with an ephemeral HTTP port, it is ephemeral too', () => {
    const load = (flags: Record<string, string>) => loadServeConfig({ flags, env: {} }).adminListen;
    assert.deepEqual(load({ 'admin-listen': '[::1]:9191' }), { host: '::1', port: 9191 });
    assert.equal(load({ 'admin-listen': 'off' }), undefined);
    assert.deepEqual(load({ 'http-port': '0' }), { host: '127.0.0.1', port: 0 });
    assert.deepEqual(load({ 'http-port': '0', 'admin-listen': '127.0.0.1:9300' }), {
      host: '127.0.0.1',
      port: 9300,
    });
    assert.throws(() => load({ 'admin-listen': '9090' }), /--admin-listen: expected HOST:PORT or off/);
  });

  it('applies flag > env > file > default', () => {
    const readFile = files({
      '/c.yaml': 'http-port: 9001\nhttps-port: 9002\nstun-port: 9003\nlog-level: warn\n',
    });
    const c = loadServeConfig({
      flags: { config: '/c.yaml', 'http-port': '7001' },
      env: { PEERLINK_HTTP_PORT: '8001', PEERLINK_HTTPS_PORT: '8002' },
      readFile,
    });
    assert.equal(c.httpPort, 7001);
    assert.equal(c.sources['http-port'], 'flag');
    assert.equal(c.httpsPort, 8002);
    assert.equal(c.sources['https-port'], 'env');
    assert.equal(c.stunPort, 9003);
    assert.equal(c.sources['stun-port'], 'file');
    assert.equal(c.logLevel, 'warn');
  });

  it('reads the config file path from the environment too', () => {
    const c = loadServeConfig({
      flags: {},
      env: { PEERLINK_CONFIG: '/x.yml' },
      readFile: files({ '/x.yml': 'host: 127.0.0.1' }),
    });
    assert.equal(c.host, '127.0.0.1');
  });

  it('reads the IM options (issue #18) from any source, and refuses a URL that is not http(s)', () => {
    const c = loadServeConfig({
      flags: { config: '/f', 'ring-timeout': '2' },
      env: { PEERLINK_JWT_SECRET: 'a' },
      readFile: files({ '/f': 'jwks-url: https://keys.example/jwks.json\ncall-grace: 5' }),
    });
    assert.deepEqual(c.im, {
      jwtSecret: 'a',
      jwksUrl: 'https://keys.example/jwks.json',
      ringTimeoutSeconds: 2,
      callGraceSeconds: 5,
      messageRate: 50,
      callPolicyUrl: undefined,
      offlineWebhook: undefined,
      devLogin: false,
    });
    assert.equal(
      loadServeConfig({ flags: {}, env: { PEERLINK_IM_MESSAGE_RATE: '500' } }).im.messageRate,
      500,
    );
    assert.equal(
      code(() => loadServeConfig({ flags: { 'im-message-rate': '0' }, env: {} })),
      'CONFIG_INVALID',
    );
    // The dev login is off unless asked for, from a flag or the environment.
    assert.equal(loadServeConfig({ flags: { 'im-dev-login': true }, env: {} }).im.devLogin, true);
    assert.equal(loadServeConfig({ flags: {}, env: { PEERLINK_IM_DEV_LOGIN: 'true' } }).im.devLogin, true);
    assert.equal(
      code(() => loadServeConfig({ flags: { 'offline-webhook': 'ftp://x' }, env: {} })),
      'CONFIG_INVALID',
    );
  });

  it('rejects unknown options and bad values with a clear code', () => {
    assert.equal(
      code(() => loadServeConfig({ flags: { nope: '1' }, env: {} })),
      'CONFIG_UNKNOWN_OPTION',
    );
    assert.equal(
      code(() => loadServeConfig({ flags: { 'http-port': '70000' }, env: {} })),
      'CONFIG_INVALID',
    );
    assert.equal(
      code(() => loadServeConfig({ flags: { 'http-port': 'eighty' }, env: {} })),
      'CONFIG_INVALID',
    );
    assert.equal(
      code(() => loadServeConfig({ flags: { host: 'not-an-ip' }, env: {} })),
      'CONFIG_INVALID',
    );
    assert.equal(
      code(() => loadServeConfig({ flags: { 'log-level': 'loud' }, env: {} })),
      'CONFIG_INVALID',
    );
    assert.equal(
      code(() => loadServeConfig({ flags: { cert: '/a.pem' }, env: {} })),
      'CONFIG_INVALID',
    );
    assert.equal(
      code(() => loadServeConfig({ flags: { 'public-url': 'ftp://x' }, env: {} })),
      'CONFIG_INVALID',
    );
  });

  it('rejects unreadable, non-YAML and non-mapping config files', () => {
    assert.equal(
      code(() => loadServeConfig({ flags: { config: '/missing' }, env: {}, readFile: files({}) })),
      'CONFIG_FILE_UNREADABLE',
    );
    assert.equal(
      code(() => loadServeConfig({ flags: { config: '/f' }, env: {}, readFile: files({ '/f': 'a: [' }) })),
      'CONFIG_INVALID',
    );
    assert.equal(
      code(() =>
        loadServeConfig({ flags: { config: '/f' }, env: {}, readFile: files({ '/f': '- 1\n- 2' }) }),
      ),
      'CONFIG_INVALID',
    );
    assert.equal(
      code(() =>
        loadServeConfig({ flags: { config: '/f' }, env: {}, readFile: files({ '/f': 'bogus: 1' }) }),
      ),
      'CONFIG_UNKNOWN_OPTION',
    );
    assert.equal(
      code(() =>
        loadServeConfig({ flags: { config: '/f' }, env: {}, readFile: files({ '/f': 'host: {a: 1}' }) }),
      ),
      'CONFIG_INVALID',
    );
  });

  it('needs a concrete primary address for --alt-ip', () => {
    assert.equal(
      code(() => loadServeConfig({ flags: { 'alt-ip': '127.0.0.2' }, env: {} })),
      'CONFIG_INVALID',
    );
    const c = loadServeConfig({ flags: { host: '127.0.0.1', 'alt-ip': '127.0.0.2' }, env: {} });
    assert.equal(c.altIp, '127.0.0.2');
    const d = loadServeConfig({ flags: { 'public-ip': '127.0.0.1', 'alt-ip': '127.0.0.2' }, env: {} });
    assert.equal(d.publicIp, '127.0.0.1');
    assert.equal(
      code(() => loadServeConfig({ flags: { host: '127.0.0.1', 'alt-ip': '::1' }, env: {} })),
      'CONFIG_INVALID',
    );
    assert.equal(
      code(() => loadServeConfig({ flags: { host: '127.0.0.1', 'alt-ip': '127.0.0.1' }, env: {} })),
      'CONFIG_INVALID',
    );
    assert.equal(
      code(() =>
        loadServeConfig({ flags: { host: '127.0.0.1', 'alt-ip': '127.0.0.2', 'alt-port': '3478' }, env: {} }),
      ),
      'CONFIG_INVALID',
    );
  });

  it('reads the TURN options with their defaults, lists from env and flags', () => {
    const d = loadServeConfig({ flags: {}, env: {} });
    assert.deepEqual(
      [d.realm, d.minPort, d.maxPort, d.tlsPort, d.turnSecrets, d.relayIps, d.allowLoopbackPeers],
      ['peerlink', 49152, 65535, 5349, [], [], false],
    );
    const c = loadServeConfig({
      flags: {
        'turn-user': ['alice:p:w', 'bob:x'],
        'relay-ip': ['127.0.0.1', '::1'],
        'allow-loopback-peers': true,
      },
      env: { PEERLINK_TURN_SECRET: 'new,old', PEERLINK_ALLOW_PEER: '198.51.100.0/24,2001:db8::/32' },
    });
    assert.deepEqual(
      [...c.turnUsers],
      [
        ['alice', 'p:w'],
        ['bob', 'x'],
      ],
    );
    assert.deepEqual(c.turnSecrets, ['new', 'old']);
    assert.deepEqual(c.relayIps, ['127.0.0.1', '::1']);
    assert.deepEqual(c.allowPeers, ['198.51.100.0/24', '2001:db8::/32']);
    assert.equal(c.allowLoopbackPeers, true);
    assert.equal(loadServeConfig({ flags: { 'stun-port': '0' }, env: {} }).tlsPort, 0);
    assert.equal(loadServeConfig({ flags: { 'stun-port': '0', 'tls-port': '5350' }, env: {} }).tlsPort, 5350);
    const q = loadServeConfig({ flags: { 'user-quota': '2', 'max-bps': '125000', software: 'x' }, env: {} });
    assert.deepEqual([q.userQuota, q.totalQuota, q.maxBps, q.software], [2, 10000, 125000, 'x']);
    assert.deepEqual([d.maxBps, d.software], [undefined, undefined]);
  });

  it('refuses bad TURN options', () => {
    for (const flags of [
      { 'turn-user': ['alice'] },
      { 'turn-user': [':pw'] },
      { 'relay-ip': ['127.0.0.1', '127.0.0.2'] },
      { 'relay-ip': ['not-an-ip'] },
      { 'min-port': '5000', 'max-port': '4000' },
      { 'allow-peer': ['10.0.0.0/33'] },
      { 'allow-peer': ['ten'] },
    ]) {
      assert.equal(
        code(() => loadServeConfig({ flags, env: {} })),
        'CONFIG_INVALID',
        JSON.stringify(flags),
      );
    }
  });
});
