import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import {
  StunAttr,
  StunClass,
  StunMethod,
  decodeStunMessage,
  decodeXorAddress,
  encodeStunMessage,
  findAttribute,
  newTransactionId,
} from '@peerlink/wire';
import { main } from '../src/index.js';
import { memoryIo } from './helpers/memory-io.js';
import { BIN, spawnServer } from './helpers/spawn-server.js';

const run = promisify(execFile);

describe('peerlink CLI (in process)', () => {
  it('--help lists every command', async () => {
    const io = memoryIo();
    assert.equal(await main(['--help'], io), 0);
    for (const c of ['serve', 'nat', 'token', 'turn-credentials', 'listen', 'connect'])
      assert.match(io.stdout.join('\n'), new RegExp(`\\b${c}\\b`));
  });

  it('an unknown command is one line on stderr and exit 2', async () => {
    const io = memoryIo();
    assert.equal(await main(['frobnicate'], io), 2);
    assert.equal(io.stderr.length, 1);
    assert.match(io.stderr[0] as string, /unknown command/);
  });

  it('a command whose issue has not landed says so', async () => {
    const io = memoryIo();
    // Every command has landed; the contract stays for options (below) and future commands.
    assert.equal(await main(['frobnicate'], io), 2);
    assert.match(io.stderr[0] as string, /unknown command/);
  });

  it('serve refuses an unknown flag and bad values, each with one line and exit 2', async () => {
    for (const [argv, pattern] of [
      [['serve', '--offline-webhook', 'ftp://x'], /--offline-webhook: expected an http\(s\):\/\/ URL/],
      [['serve', '--bogus'], /Unknown option '--bogus'/],
      [['serve', '--http-port', 'x'], /--http-port \(flag\): expected a whole number/],
    ] as const) {
      const io = memoryIo();
      assert.equal(await main([...argv], io), 2, argv.join(' '));
      assert.equal(io.stderr.length, 1);
      assert.match(io.stderr[0] as string, pattern);
    }
  });

  it('serve reads options from the environment', async () => {
    const io = memoryIo({ PEERLINK_HTTP_PORT: 'not-a-port' });
    assert.equal(await main(['serve'], io), 2);
    assert.match(io.stderr[0] as string, /--http-port \(env\)/);
  });

  it('token mints a JWT for the id that the server accepts, and refuses a bad id', async () => {
    const io = memoryIo();
    assert.equal(await main(['token', '--secret', 's3cret', '--id', 'alice', '--ttl', '60'], io), 0);
    const { verifyPeerToken } = await import('@peerlink/signaling');
    assert.deepEqual(await verifyPeerToken('s3cret', io.stdout[0] as string), { ok: true, sub: 'alice' });
    assert.deepEqual(await verifyPeerToken('other', io.stdout[0] as string), {
      ok: false,
      reason: 'bad signature',
    });
    const bad = memoryIo();
    assert.equal(await main(['token', '--secret', 's', '--id', 'has space'], bad), 2);
    assert.match(bad.stderr[0] as string, /--id/);
  });

  it('token --channel mints a KVS join token for one role of one channel, not a peer token', async () => {
    const { verifyKvsToken, verifyPeerToken } = await import('@peerlink/signaling');
    const io = memoryIo();
    const args = [
      'token',
      '--secret',
      's3cret',
      '--channel',
      'porch',
      '--role',
      'viewer',
      '--client-id',
      'p1',
    ];
    assert.equal(await main(args, io), 0);
    const t = io.stdout[0] as string;
    assert.deepEqual(await verifyKvsToken('s3cret', t), {
      ok: true,
      channel: 'porch',
      role: 'viewer',
      clientId: 'p1',
    });
    assert.deepEqual(await verifyPeerToken('s3cret', t), { ok: false, reason: 'no sub claim' });
    for (const [argv, why] of [
      [['--channel', 'porch', '--role', 'viewer'], /client id/],
      [['--channel', 'porch', '--role', 'owner'], /master or viewer/],
      [['--channel', 'porch'], /--role/],
      [['--channel', 'porch', '--role', 'master', '--id', 'alice'], /not both/],
    ] as const) {
      const bad = memoryIo();
      assert.equal(await main(['token', '--secret', 's', ...argv], bad), 2);
      assert.match(bad.stderr[0] as string, why);
    }
  });

  it('keys writes an identity once, shows its public key, and listen/connect can load it', async () => {
    const { mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const file = `${mkdtempSync(`${tmpdir()}/peerlink-keys-`)}/id.key`;
    const made = memoryIo();
    assert.equal(await main(['keys', '--out', file, '--json'], made), 0);
    const { publicKey } = JSON.parse(made.stdout[0] as string) as { publicKey: string };
    assert.equal(Buffer.from(publicKey, 'base64url').length, 32);
    const shown = memoryIo();
    assert.equal(await main(['keys', '--show', file], shown), 0);
    assert.equal(shown.stdout[0], publicKey);
    const again = memoryIo();
    assert.equal(await main(['keys', '--out', file], again), 2);
    assert.match(again.stderr[0] as string, /refusing to overwrite/);
  });

  it('listen and connect take --no-direct (relay only) and say so in --help', async () => {
    for (const cmd of ['listen', 'connect']) {
      const io = memoryIo();
      assert.equal(await main([cmd, '--help'], io), 0);
      assert.match(io.stdout.join('\n'), /--no-direct\s+relay only/);
    }
    const { parsePeerArgs, peerNodeOptions } = await import('../src/commands/peer-args.js');
    const base = ['--server', 'http://127.0.0.1:1', '--id', 'bob', '--token', 't'];
    const options = (argv: string[]) => {
      const a = parsePeerArgs('listen', argv, {}, {});
      assert.ok(!a.help);
      return peerNodeOptions(a);
    };
    assert.equal(options([...base, '--no-direct']).direct, false);
    assert.equal(options(base).direct, true);
  });

  it('nat requires --server', async () => {
    const io = memoryIo();
    assert.equal(await main(['nat', '--json'], io), 2);
    assert.match(io.stderr[0] as string, /--server URL is required/);
  });
});

describe('peerlink CLI (built binary)', () => {
  it('node node_modules/.bin/peerlink --help works after npm install', async () => {
    const root = new URL('../../../../', import.meta.url).pathname;
    const { stdout } = await run(process.execPath, [`${root}node_modules/.bin/peerlink`, '--help']);
    assert.match(stdout, /Usage: peerlink <command>/);
  });

  it('serve answers HTTP, HTTPS, STUN over UDP, and stops cleanly on SIGTERM', async () => {
    const server = await spawnServer();
    try {
      assert.ok(server.lines.some((l) => /generated a self-signed development TLS certificate/.test(l)));
      const landing = await fetch(`${server.httpUrl}/`);
      assert.equal(landing.status, 200);
      assert.match(await landing.text(), /\/metrics/);
      const status = (await (await fetch(`${server.httpUrl}/status`)).json()) as {
        stun: { primary: string };
      };
      assert.equal(status.stun.primary, `127.0.0.1:${server.stun.port}`);

      const sock = createSocket('udp4');
      const tid = newTransactionId();
      const answer = await new Promise<Uint8Array>((resolve) => {
        sock.on('message', (m) => resolve(new Uint8Array(m)));
        sock.send(
          encodeStunMessage({
            method: StunMethod.Binding,
            cls: StunClass.Request,
            transactionId: tid,
            attributes: [],
          }),
          server.stun.port,
          '127.0.0.1',
        );
      });
      const local = sock.address().port;
      sock.close();
      const msg = decodeStunMessage(answer);
      assert.ok(msg.ok);
      const x = msg.ok ? findAttribute(msg.value, StunAttr.XorMappedAddress) : undefined;
      assert.ok(x);
      assert.deepEqual(decodeXorAddress(x.value, tid), {
        ok: true,
        value: { family: 4, address: '127.0.0.1', port: local },
      });

      const metrics = await (await fetch(`${server.httpUrl}/metrics`)).text();
      assert.match(metrics, /peerlink_stun_requests_total\{transport="udp"\} 1/);

      // HTTPS with the generated development certificate (trusted explicitly, not globally).
      const { stdout } = await run(process.execPath, [
        '-e',
        `require('https').get('${server.httpsUrl}/status', { rejectUnauthorized: false }, (r) => { let b=''; r.on('data', (d) => b += d); r.on('end', () => console.log(r.statusCode, b)); })`,
      ]);
      assert.match(stdout, /^200 \{"name":"peerlink"/);
    } finally {
      assert.equal(await server.stop('SIGTERM'), 0);
    }
  });

  it('nat --json prints exactly the documented schema', async () => {
    const server = await spawnServer(['--alt-ip', '127.0.0.2', '--alt-port', '0']);
    try {
      const { stdout, stderr } = await run(process.execPath, [
        BIN,
        'nat',
        '--server',
        `stun:127.0.0.1:${server.stun.port}`,
        '--json',
      ]);
      const report = JSON.parse(stdout) as Record<string, unknown>;
      assert.deepEqual(Object.keys(report).sort(), [
        'filtering',
        'hairpinning',
        'ipv6',
        'mapping',
        'portAllocation',
        'publicAddress',
        'udp',
      ]);
      assert.equal(report['udp'], true);
      assert.equal(report['mapping'], 'endpoint-independent');
      assert.equal(report['filtering'], 'endpoint-independent');
      assert.equal(typeof report['ipv6'], 'boolean');
      assert.match(stderr, /ipv6:/);
      // The http(s) base URL form finds the STUN port through /status.
      const viaHttp = await run(process.execPath, [BIN, 'nat', '--server', server.httpUrl, '--json']);
      assert.equal((JSON.parse(viaHttp.stdout) as { mapping: string }).mapping, 'endpoint-independent');
    } finally {
      await server.stop();
    }
  });
});
