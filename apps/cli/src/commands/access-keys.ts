/**
 * `peerlink access-keys create|list|revoke`: the keys KVS clients sign their requests with. It opens
 * the store the server uses (the data dir's state.db, or the cluster's Redis) beside the running
 * server, which sees a new key at its next request and a revoked one refused at once.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { AccessKeys, envName, KEK_FILE, openDurableRecords, SERVE_OPTIONS } from '@peerlink/server';
import { parseCommandArgs } from '../args.js';
import { UsageError, type Io } from '../io.js';

export const ACCESS_KEYS_HELP = [
  'Usage: peerlink access-keys create [--json] [STORE]    make a key; its secret is shown only now',
  '       peerlink access-keys list [--json] [STORE]      every key: id, creation time, status',
  '       peerlink access-keys revoke ID [--json] [STORE] revoke a key for good (its secret is erased)',
  '',
  'The keys KVS clients sign their requests with (SigV4). Secrets are kept encrypted (AES-256-GCM) under',
  'the key-encryption key; the server sees changes without a restart. STORE is what `peerlink serve` uses:',
  '  --data-dir DIR      its data dir: state.db and kek.key (default ./peerlink-data)',
  "  --redis-url URL     a cluster's Redis instead of the data dir's state.db",
  "  --redis-prefix P    the cluster's key prefix (default peerlink:)",
  '  --kek-file PATH     the key-encryption key (default DIR/kek.key; a cluster shares one file)',
  'Each also reads the environment as `peerlink serve` does (PEERLINK_DATA_DIR...).',
].join('\n');

const SUBCOMMANDS = ['create', 'list', 'revoke'] as const;
type Subcommand = (typeof SUBCOMMANDS)[number];

/** A store option: the flag, else PEERLINK_<NAME>, else `peerlink serve`'s default. */
function storeOption(name: string, flag: string | undefined, io: Io): string | undefined {
  const fallback = SERVE_OPTIONS.find((o) => o.name === name)?.default;
  return flag ?? io.env[envName(name)] ?? (typeof fallback === 'string' ? fallback : undefined);
}

export async function accessKeys(argv: string[], io: Io): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '--help' || sub === '-h') {
    io.out(ACCESS_KEYS_HELP);
    return sub === undefined ? 2 : 0;
  }
  if (!(SUBCOMMANDS as readonly string[]).includes(sub))
    throw new UsageError(`unknown subcommand ${JSON.stringify(sub)} (create, list or revoke)`);
  const id = sub === 'revoke' && rest[0] !== undefined && !rest[0].startsWith('-') ? rest.shift() : undefined;
  const values = parseCommandArgs(`access-keys ${sub}`, rest, {
    json: { type: 'boolean' },
    'data-dir': { type: 'string' },
    'redis-url': { type: 'string' },
    'redis-prefix': { type: 'string' },
    'kek-file': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.out(ACCESS_KEYS_HELP);
    return 0;
  }
  if (sub === 'revoke' && id === undefined) throw new UsageError('revoke: the access key id is required');
  const dataDir = storeOption('data-dir', values['data-dir'], io) as string;
  const redisUrl = storeOption('redis-url', values['redis-url'], io);
  if (sub !== 'create' && redisUrl === undefined && !existsSync(dataDir))
    throw new UsageError(`no data dir at ${dataDir} (--data-dir DIR: the one \`peerlink serve\` uses)`);
  const records = await openDurableRecords({
    dataDir,
    redisUrl,
    redisPrefix: storeOption('redis-prefix', values['redis-prefix'], io) as string,
  });
  try {
    const kekFile = storeOption('kek-file', values['kek-file'], io) ?? join(dataDir, KEK_FILE);
    const keys = await AccessKeys.open(records, { kekFile });
    await run(sub as Subcommand, keys, { id, json: values.json === true, io });
    return 0;
  } finally {
    await records.close();
  }
}

async function run(
  sub: Subcommand,
  keys: AccessKeys,
  { id, json, io }: { id: string | undefined; json: boolean; io: Io },
): Promise<void> {
  switch (sub) {
    case 'create': {
      const made = await keys.create(Date.now());
      io.out(
        json
          ? JSON.stringify({ AccessKeyId: made.AccessKeyId, SecretAccessKey: made.SecretAccessKey })
          : `AccessKeyId ${made.AccessKeyId} SecretAccessKey ${made.SecretAccessKey} (store the secret now: it is not shown again)`,
      );
      return;
    }
    case 'list': {
      const all = await keys.list();
      if (json) io.out(JSON.stringify(all));
      else if (all.length === 0) io.out('no access keys (peerlink access-keys create makes one)');
      else for (const k of all) io.out(`${k.AccessKeyId}  ${k.Status.padEnd(7)}  created ${k.CreatedAt}`);
      return;
    }
    case 'revoke': {
      const target = id as string;
      const changed = await keys.revoke(target);
      io.out(
        json
          ? JSON.stringify({ AccessKeyId: target, Status: 'Revoked' })
          : changed
            ? `revoked ${target}`
            : `${target} was already revoked`,
      );
      return;
    }
  }
}
