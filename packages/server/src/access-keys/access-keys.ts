/**
 * Access keys: what KVS clients sign their requests with (SigV4), shaped like AWS's: an id
 * `AKIA` + 16 characters of base32, and a 40-character secret shown once, at creation. The secret is
 * kept sealed (AES-256-GCM, sealed-secret.ts) under the key-encryption key (kek.ts), in the durable
 * records:
 *
 * - `access-key/<id>`: `{v, id, createdAt, status, kek, iv, tag, ciphertext}`; revoking drops the
 *   sealed secret, so a revoked key cannot be brought back, by a command or by hand;
 * - `access-key-kek`: `{v, kek}`, the id of the KEK this store's secrets are sealed with, written by
 *   the first `create`. A node opening the store checks its KEK against it: the wrong file (a cluster
 *   node without the shared one) is refused at start, by name, not discovered key by key.
 *
 * Nothing is cached: a key created by `peerlink access-keys create` in another process is found by
 * the next `secretOf`, and a revoked one is refused at once.
 *
 * @example
 * ```ts
 * const keys = await AccessKeys.open(records, { kekFile: './peerlink-data/kek.key' });
 * const { AccessKeyId, SecretAccessKey } = await keys.create(Date.now());
 * (await keys.secretOf(AccessKeyId)) === SecretAccessKey; // true
 * ```
 */
import { randomBytes } from 'node:crypto';
import { RECORD_VERSION, type DurableRecords, type VersionedRecord } from '@peerlink/signaling';
import { ServerError } from '../errors.js';
import { readKek, readOrCreateKek, type Kek } from './kek.js';
import { seal, unseal, type Sealed } from './sealed-secret.js';

export interface AccessKeyRecord extends VersionedRecord, Partial<Sealed> {
  readonly id: string;
  /** ms since the epoch */
  readonly createdAt: number;
  readonly status: 'active' | 'revoked';
  /** The id of the KEK the secret is sealed with (absent once revoked, with the sealed secret). */
  readonly kek?: string;
}

interface KekRecord extends VersionedRecord {
  readonly kek: string;
}

export interface NewAccessKey {
  readonly AccessKeyId: string;
  readonly SecretAccessKey: string;
}

export interface AccessKeySummary {
  readonly AccessKeyId: string;
  /** ISO 8601, as AWS prints CreateDate. */
  readonly CreatedAt: string;
  readonly Status: 'Active' | 'Revoked';
}

export const ACCESS_KEY_PREFIX = 'access-key/';
const KEK_RECORD = 'access-key-kek';
const ID_SHAPE = /^AKIA[A-Z2-7]{16}$/;
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** Whether `id` has the shape of an access key id (AKIA + 16 base32 characters). */
export function isAccessKeyId(id: string): boolean {
  return ID_SHAPE.test(id);
}

/** AKIA + 16 base32 characters: 80 random bits. */
export function newAccessKeyId(): string {
  const bytes = randomBytes(10);
  let bits = 0;
  let value = 0;
  let out = 'AKIA';
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return out;
}

/** 40 characters of base64 (A-Z a-z 0-9 + /), as AWS's: 240 random bits. */
export function newSecretAccessKey(): string {
  return randomBytes(30).toString('base64');
}

export class AccessKeys {
  readonly #records: DurableRecords;
  readonly #kekFile: string;
  #kek: Kek | undefined;

  private constructor(records: DurableRecords, kekFile: string) {
    this.#records = records;
    this.#kekFile = kekFile;
  }

  /**
   * Access keys over `records`, sealed with the KEK in `kekFile`. When the store already holds keys,
   * the file must exist and be their KEK (KEK_MISSING, KEK_MISMATCH); else nothing is read or made
   * until the first `create`, which makes the file if it is missing.
   */
  static async open(records: DurableRecords, opts: { kekFile: string }): Promise<AccessKeys> {
    const keys = new AccessKeys(records, opts.kekFile);
    if (await records.get<KekRecord>(KEK_RECORD)) await keys.#useKek(false);
    return keys;
  }

  async create(now: number): Promise<NewAccessKey> {
    const kek = await this.#useKek(true);
    const SecretAccessKey = newSecretAccessKey();
    for (;;) {
      const id = newAccessKeyId();
      const rec: AccessKeyRecord = {
        v: RECORD_VERSION,
        id,
        createdAt: now,
        status: 'active',
        kek: kek.id,
        ...seal(kek.accessKeySealer, SecretAccessKey, id),
      };
      // 80 random bits: a collision is never expected, but ifAbsent makes one harmless.
      if (await this.#records.put(ACCESS_KEY_PREFIX + id, rec, { ifAbsent: true }))
        return { AccessKeyId: id, SecretAccessKey };
    }
  }

  /** Every key, oldest first; never a secret. */
  async list(): Promise<AccessKeySummary[]> {
    const all: AccessKeyRecord[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await this.#records.list<AccessKeyRecord>(ACCESS_KEY_PREFIX, {
        limit: 100,
        ...(after !== undefined && { after }),
      });
      all.push(...page.map((p) => p.rec));
      if (page.length < 100) break;
      after = page.at(-1)?.key;
    }
    return all
      .sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1))
      .map((r) => ({
        AccessKeyId: r.id,
        CreatedAt: new Date(r.createdAt).toISOString(),
        Status: r.status === 'active' ? 'Active' : 'Revoked',
      }));
  }

  /**
   * Revokes a key for good: its sealed secret is erased. True when this call revoked it, false when it
   * already was; ACCESS_KEY_NOT_FOUND when there is no such key.
   */
  async revoke(id: string): Promise<boolean> {
    const key = ACCESS_KEY_PREFIX + id;
    for (;;) {
      const cur = isAccessKeyId(id) ? await this.#records.get<AccessKeyRecord>(key) : undefined;
      if (!cur) throw new ServerError('ACCESS_KEY_NOT_FOUND', `no access key ${JSON.stringify(id)}`);
      if (cur.status === 'revoked') return false;
      const revoked: AccessKeyRecord = { v: RECORD_VERSION, id, createdAt: cur.createdAt, status: 'revoked' };
      if (await this.#records.put(key, revoked, { ifMatch: cur })) return true;
      // Changed meanwhile (revoked by someone else?): read again.
    }
  }

  /**
   * The secret of an active key, for SigV4 verification; undefined for an unknown or revoked key (or
   * an id of the wrong shape, without asking the store). A secret that exists but cannot be opened
   * rejects KEK_MISSING, KEK_MISMATCH or SECRET_UNREADABLE: a fault to log, not a client to refuse
   * quietly.
   */
  async secretOf(id: string): Promise<string | undefined> {
    if (!isAccessKeyId(id)) return undefined;
    const rec = await this.#records.get<AccessKeyRecord>(ACCESS_KEY_PREFIX + id);
    if (!rec || rec.status !== 'active') return undefined;
    const { kek: sealedWith, iv, tag, ciphertext } = rec;
    if (sealedWith === undefined || iv === undefined || tag === undefined || ciphertext === undefined)
      throw new ServerError('SECRET_UNREADABLE', `access key ${id} is active but holds no sealed secret`);
    const kek = await this.#useKek(false);
    if (sealedWith !== kek.id) throw mismatch(kek, sealedWith, `access key ${id} is`);
    const secret = unseal(kek.accessKeySealer, { iv, tag, ciphertext }, id);
    if (secret === undefined)
      throw new ServerError(
        'SECRET_UNREADABLE',
        `the sealed secret of access key ${id} does not open: altered in the store`,
      );
    return secret;
  }

  /** The KEK, checked against the store's record of it (which the first `create` writes). */
  async #useKek(create: boolean): Promise<Kek> {
    if (this.#kek) return this.#kek;
    let stored = await this.#records.get<KekRecord>(KEK_RECORD);
    const kek = stored === undefined && create ? readOrCreateKek(this.#kekFile) : readKek(this.#kekFile);
    if (!kek)
      throw new ServerError(
        'KEK_MISSING',
        stored
          ? `no key-encryption key at ${this.#kekFile}; this store's access keys are sealed with KEK ${stored.kek}: copy that file here (every node of a cluster needs the same one) or pass --kek-file`
          : `no key-encryption key at ${this.#kekFile} (none is made until the first access key)`,
      );
    if (stored === undefined && create) {
      const first: KekRecord = { v: RECORD_VERSION, kek: kek.id };
      await this.#records.put(KEK_RECORD, first, { ifAbsent: true });
      stored = await this.#records.get<KekRecord>(KEK_RECORD); // another node may have been first
    }
    if (stored && stored.kek !== kek.id) throw mismatch(kek, stored.kek, "this store's access keys are");
    this.#kek = kek;
    return kek;
  }
}

function mismatch(kek: Kek, expected: string, what: string): ServerError {
  return new ServerError(
    'KEK_MISMATCH',
    `${what} sealed with KEK ${expected}, but ${kek.file} is KEK ${kek.id}: every node needs the same key-encryption key file`,
  );
}
