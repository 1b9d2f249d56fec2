/**
 * The key-encryption key (KEK) that seals access-key secrets at rest: 32 random bytes, base64 on one
 * line in a file (`<data-dir>/kek.key` unless `--kek-file`), mode 0600. It never enters the store:
 * what the store holds is useless without the file, and the file alone holds no access key.
 *
 * Its id (the first 8 bytes of an HKDF of it, hex) is stamped on every sealed secret and on one record
 * per store, so that a node with the wrong file (a cluster node given another node's data dir, a
 * regenerated file) says so by name instead of failing to decrypt key by key.
 */
import { hkdfSync, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { ServerError } from '../errors.js';

export const KEK_FILE = 'kek.key';
const KEK_BYTES = 32;

export interface Kek {
  /** Where it was read from (for messages). */
  readonly file: string;
  /** Names the key without revealing it: 16 hex digits. */
  readonly id: string;
  /** The AES-256-GCM key that seals access-key secrets (derived, so the KEK may serve other uses). */
  readonly accessKeySealer: Buffer;
}

/** What the 32 bytes become: an id and a key for each use, by HKDF-SHA256 with distinct labels. */
export function deriveKek(file: string, bytes: Buffer): Kek {
  const derive = (info: string, length: number) => Buffer.from(hkdfSync('sha256', bytes, '', info, length));
  return {
    file,
    id: derive('peerlink kek id', 8).toString('hex'),
    accessKeySealer: derive('peerlink access-key secrets v1', 32),
  };
}

/** The KEK in `file`, or undefined when there is no such file. KEK_UNREADABLE when it is not one. */
export function readKek(file: string): Kek | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ServerError(
      'KEK_UNREADABLE',
      `cannot read the key-encryption key ${file}: ${(err as Error).message}`,
    );
  }
  const bytes = Buffer.from(text.trim(), 'base64');
  if (bytes.length !== KEK_BYTES || !/^[A-Za-z0-9+/_-]+={0,2}$/.test(text.trim()))
    throw new ServerError(
      'KEK_UNREADABLE',
      `${file} is not a key-encryption key (32 bytes, base64 on one line)`,
    );
  return deriveKek(file, bytes);
}

/**
 * The KEK in `file`, created (mode 0600) when missing. Two processes creating it at once agree: the
 * file is written exclusively, and the one that loses reads the winner's.
 */
export function readOrCreateKek(file: string): Kek {
  const existing = readKek(file);
  if (existing) return existing;
  const bytes = randomBytes(KEK_BYTES);
  try {
    writeFileSync(file, `${bytes.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return readKek(file) as Kek;
    throw new ServerError(
      'KEK_UNREADABLE',
      `cannot create the key-encryption key ${file}: ${(err as Error).message}`,
    );
  }
  return deriveKek(file, bytes);
}
