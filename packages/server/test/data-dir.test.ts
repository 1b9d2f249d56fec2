import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { describe, it } from 'node:test';
import { openDataDir, ServerError } from '../src/index.js';

describe('data dir', () => {
  it('generates secrets once and keeps them across restarts', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'peerlink-')), 'data');
    const first = openDataDir(dir);
    assert.equal(first.generated.length, 2);
    assert.ok(first.secrets.authSecret.length >= 40);
    assert.notEqual(first.secrets.authSecret, first.secrets.turnSecret);
    assert.equal(statSync(join(dir, 'secrets.json')).mode & 0o777, 0o600);
    const second = openDataDir(dir);
    assert.equal(second.generated.length, 0);
    assert.deepEqual(second.secrets, first.secrets);
  });

  it('generates a development certificate for localhost once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'peerlink-'));
    const d = openDataDir(dir);
    const tls = await d.tls({});
    assert.equal(tls.selfSigned, true);
    const cert = new X509Certificate(tls.cert);
    assert.ok(cert.checkHost('localhost'));
    assert.ok(cert.checkIP('127.0.0.1'));
    const again = await openDataDir(dir).tls({});
    assert.equal(again.cert, tls.cert);
    assert.equal(readFileSync(join(dir, 'tls', 'dev-cert.pem'), 'utf8'), tls.cert);
  });

  it('names the hosts it is reached by, and is made again when one is missing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'peerlink-'));
    const first = await openDataDir(dir).tls({ names: ['peerlink.example', '203.0.113.9'] });
    const cert = new X509Certificate(first.cert);
    assert.ok(cert.checkHost('peerlink.example'));
    assert.ok(cert.checkIP('203.0.113.9'));
    assert.ok(cert.checkHost('localhost'), 'and the defaults');
    assert.equal((await openDataDir(dir).tls({ names: ['203.0.113.9'] })).cert, first.cert, 'covered: kept');
    const d = openDataDir(dir);
    const more = await d.tls({ names: ['peerlink.example', '2001:db8::7'] });
    assert.notEqual(more.cert, first.cert);
    assert.ok(new X509Certificate(more.cert).checkIP('2001:db8::7'));
    assert.ok(new X509Certificate(more.cert).checkHost('peerlink.example'));
    assert.match(d.generated.join('\n'), /made again/);
  });

  it('refuses a corrupt secrets file with a typed error', () => {
    const dir = mkdtempSync(join(tmpdir(), 'peerlink-'));
    writeFileSync(join(dir, 'secrets.json'), '{not json');
    assert.throws(
      () => openDataDir(dir),
      (e) => e instanceof ServerError && e.code === 'DATA_DIR_UNUSABLE',
    );
  });
});
