/**
 * Where the records that outlive a restart live (DurableRecords: channels, access keys): the SQLite
 * file `<data-dir>/state.db` for the embedded store, else the cluster's Redis under its prefix. The
 * server opens them beside its signaling store, and CLI commands (`peerlink access-keys`) open the
 * same ones while it runs: SQLite lets two processes share the file, Redis is shared anyway.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  RedisRecords,
  SqliteRecords,
  type DurableRecords,
  type UnreadableListener,
} from '@peerlink/signaling';
import { ServerError } from '../errors.js';

/** The embedded store's file in a data dir. */
export const STATE_DB = 'state.db';

export interface DurableStoreOptions {
  /** The data dir (created, mode 0700, when missing); its state.db unless `redisUrl` is given. */
  readonly dataDir: string;
  readonly redisUrl?: string | undefined;
  readonly redisPrefix: string;
  readonly onUnreadable?: UnreadableListener;
}

/** Opens the durable records; STORE_UNAVAILABLE (a ServerError) when the file or Redis cannot be used. */
export async function openDurableRecords(opts: DurableStoreOptions): Promise<DurableRecords> {
  const listener = opts.onUnreadable ? { onUnreadable: opts.onUnreadable } : {};
  if (opts.redisUrl !== undefined) {
    try {
      return await RedisRecords.open({ url: opts.redisUrl, prefix: opts.redisPrefix, ...listener });
    } catch (err) {
      throw new ServerError(
        'STORE_UNAVAILABLE',
        `cannot reach Redis at ${redactUrl(opts.redisUrl)}: ${(err as Error).message}`,
        { cause: err },
      );
    }
  }
  const dir = resolve(opts.dataDir);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    return SqliteRecords.open(join(dir, STATE_DB), listener);
  } catch (err) {
    throw new ServerError('STORE_UNAVAILABLE', (err as Error).message, { cause: err });
  }
}

/** The URL without its password, for messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(invalid URL)';
  }
}
