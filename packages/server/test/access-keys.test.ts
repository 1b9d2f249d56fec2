// Access keys over the embedded store (SqliteRecords in a temporary data dir): the shapes AWS clients
// expect, secrets that only the KEK opens, revocation that erases, and a wrong or missing KEK named
// as such (a typed ServerError), never a crash or a quiet "no such key".
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { RECORD_VERSION, SqliteRecords, type DurableRecords } from '@peerlink/signaling';
import {
  ACCESS_KEY_PREFIX,
  AccessKeys,
  isAccessKeyId,
  newAccessKeyId,
  newSecretAccessKey,
  openDurableRecords,
  ServerError,
  type AccessKeyRecord,
} from '../src/index.js';

const NOW = Date.UTC(2025, 0, 2, 3, 4, 5);
const fails = (code: string) => (e: unknown) => e instanceof ServerError && e.code === code;

async function fixture(): Promise<{ dir: string; kekFile: string; records: DurableRecords }> {
  const dir = mkdtempSync(join(tmpdir(), 'peerlink-keys-'));
  return { dir, kekFile: join(dir, 'kek.key'), records: SqliteRecords.open(join(dir, 'state.db')) };
}

describe('access keys', () => {
  it('ids and secrets are shaped like AWS keys: AKIA + 16 of [A-Z2-7], 40 of base64', () => {
    const ids = new Set<string>();
    for (let i = 0; i < 500; i++) {
      const id = newAccessKeyId();
      assert.match(id, /^AKIA[A-Z2-7]{16}$/);
      assert.ok(isAccessKeyId(id));
      ids.add(id);
      assert.match(newSecretAccessKey(), /^[A-Za-z0-9+/]{40}$/);
    }
    assert.equal(ids.size, 500);
    for (const bad of ['', 'AKIA', 'AKIAABCDEFGHIJKLMNO1', 'akiaABCDEFGHIJKLMNOP', 'AKIAABCDEFGHIJKLMNOPQ'])
      assert.equal(isAccessKeyId(bad), false, bad);
  });

  it('create, secretOf, list: the secret comes back only from secretOf, never from list', async () => {
    const { kekFile, records } = await fixture();
    const keys = await AccessKeys.open(records, { kekFile });
    const a = await keys.create(NOW);
    const b = await keys.create(NOW + 1000);
    assert.equal(await keys.secretOf(a.AccessKeyId), a.SecretAccessKey);
    assert.equal(await keys.secretOf(b.AccessKeyId), b.SecretAccessKey);
    const listed = await keys.list();
    assert.deepEqual(listed, [
      { AccessKeyId: a.AccessKeyId, CreatedAt: '2025-01-02T03:04:05.000Z', Status: 'Active' },
      { AccessKeyId: b.AccessKeyId, CreatedAt: '2025-01-02T03:04:06.000Z', Status: 'Active' },
    ]);
    assert.ok(!JSON.stringify(listed).includes(a.SecretAccessKey));
    assert.equal(await keys.secretOf(newAccessKeyId()), undefined, 'unknown');
    assert.equal(await keys.secretOf('not-an-id'), undefined, 'the wrong shape');
    await records.close();
  });

  it('the stored record holds the secret sealed (AES-256-GCM), not in clear', async () => {
    const { kekFile, records } = await fixture();
    const keys = await AccessKeys.open(records, { kekFile });
    const { AccessKeyId, SecretAccessKey } = await keys.create(NOW);
    const rec = await records.get<AccessKeyRecord>(ACCESS_KEY_PREFIX + AccessKeyId);
    assert.ok(rec);
    assert.deepEqual(Object.keys(rec).sort(), [
      'ciphertext',
      'createdAt',
      'id',
      'iv',
      'kek',
      'status',
      'tag',
      'v',
    ]);
    assert.equal(Buffer.from(rec.iv as string, 'base64').length, 12);
    assert.equal(Buffer.from(rec.tag as string, 'base64').length, 16);
    assert.ok(!JSON.stringify(rec).includes(SecretAccessKey));
    await records.close();
  });

  it('revoke erases the secret for good; a second revoke says so; an unknown id is ACCESS_KEY_NOT_FOUND', async () => {
    const { kekFile, records } = await fixture();
    const keys = await AccessKeys.open(records, { kekFile });
    const { AccessKeyId } = await keys.create(NOW);
    assert.equal(await keys.revoke(AccessKeyId), true);
    assert.equal(await keys.secretOf(AccessKeyId), undefined);
    assert.equal(await keys.revoke(AccessKeyId), false);
    assert.equal((await keys.list())[0]?.Status, 'Revoked');
    const rec = await records.get<AccessKeyRecord>(ACCESS_KEY_PREFIX + AccessKeyId);
    assert.deepEqual(rec, { v: RECORD_VERSION, id: AccessKeyId, createdAt: NOW, status: 'revoked' });
    // Flipping the status back by hand brings back no secret.
    await records.put(ACCESS_KEY_PREFIX + AccessKeyId, { ...rec, status: 'active' } as AccessKeyRecord);
    await assert.rejects(keys.secretOf(AccessKeyId), fails('SECRET_UNREADABLE'));
    await assert.rejects(keys.revoke(newAccessKeyId()), fails('ACCESS_KEY_NOT_FOUND'));
    await assert.rejects(keys.revoke('garbage'), fails('ACCESS_KEY_NOT_FOUND'));
    await records.close();
  });

  it('the KEK file is made with the first key, mode 0600, and not before', async () => {
    const { kekFile, records } = await fixture();
    const keys = await AccessKeys.open(records, { kekFile });
    assert.deepEqual(await keys.list(), []);
    assert.equal(await keys.secretOf(newAccessKeyId()), undefined);
    assert.equal(existsSync(kekFile), false, 'listing and looking up make no KEK');
    await keys.create(NOW);
    assert.equal(statSync(kekFile).mode & 0o777, 0o600);
    assert.equal(Buffer.from(readFileSync(kekFile, 'utf8').trim(), 'base64').length, 32);
    await records.close();
  });

  it('two processes making the first key at once agree on one KEK', async () => {
    const { kekFile, records } = await fixture();
    const [one, two] = await Promise.all([
      AccessKeys.open(records, { kekFile }),
      AccessKeys.open(records, { kekFile }),
    ]);
    const [a, b] = await Promise.all([one.create(NOW), two.create(NOW)]);
    assert.equal(await two.secretOf(a.AccessKeyId), a.SecretAccessKey);
    assert.equal(await one.secretOf(b.AccessKeyId), b.SecretAccessKey);
    await records.close();
  });

  it('a wrong KEK is KEK_MISMATCH at open, a missing one KEK_MISSING, naming the file', async () => {
    const { dir, kekFile, records } = await fixture();
    const keys = await AccessKeys.open(records, { kekFile });
    const { AccessKeyId } = await keys.create(NOW);
    const other = join(dir, 'other.key');
    writeFileSync(other, `${Buffer.alloc(32, 7).toString('base64')}\n`);
    await assert.rejects(
      AccessKeys.open(records, { kekFile: other }),
      (e) => fails('KEK_MISMATCH')(e) && (e as Error).message.includes(other),
    );
    await assert.rejects(
      AccessKeys.open(records, { kekFile: join(dir, 'none.key') }),
      (e) => fails('KEK_MISSING')(e) && (e as Error).message.includes('none.key'),
    );
    writeFileSync(other, 'not a key\n');
    await assert.rejects(AccessKeys.open(records, { kekFile: other }), fails('KEK_UNREADABLE'));
    assert.ok(await keys.secretOf(AccessKeyId), 'the right KEK still opens it');
    await records.close();
  });

  it('a sealed secret altered, or moved onto another key, is SECRET_UNREADABLE', async () => {
    const { kekFile, records } = await fixture();
    const keys = await AccessKeys.open(records, { kekFile });
    const a = await keys.create(NOW);
    const b = await keys.create(NOW);
    const recA = (await records.get<AccessKeyRecord>(ACCESS_KEY_PREFIX + a.AccessKeyId)) as AccessKeyRecord;
    const recB = (await records.get<AccessKeyRecord>(ACCESS_KEY_PREFIX + b.AccessKeyId)) as AccessKeyRecord;
    // B's record carrying A's sealed secret: the id is the associated data, so it does not open.
    await records.put(ACCESS_KEY_PREFIX + b.AccessKeyId, {
      ...recB,
      iv: recA.iv,
      tag: recA.tag,
      ciphertext: recA.ciphertext,
    } as AccessKeyRecord);
    await assert.rejects(keys.secretOf(b.AccessKeyId), fails('SECRET_UNREADABLE'));
    const flipped = Buffer.from(recA.ciphertext as string, 'base64');
    flipped[0] = (flipped[0] as number) ^ 1;
    await records.put(ACCESS_KEY_PREFIX + a.AccessKeyId, {
      ...recA,
      ciphertext: flipped.toString('base64'),
    } as AccessKeyRecord);
    await assert.rejects(keys.secretOf(a.AccessKeyId), fails('SECRET_UNREADABLE'));
    await records.close();
  });

  it('openDurableRecords: the data dir is made (0700) and state.db opened in it', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'peerlink-keys-')), 'fresh');
    const records = await openDurableRecords({ dataDir: dir, redisPrefix: 'unused:' });
    assert.equal(records.kind, 'sqlite');
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    assert.ok(existsSync(join(dir, 'state.db')));
    await records.close();
  });
});
