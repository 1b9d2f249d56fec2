/**
 * `peerlink token --id ID`: mint a peer token (HS256 JWT, `sub` = the peer id); `peerlink token
 * --channel C --role R [--client-id ID]`: a KVS join token (audience peerlink-kvs) for one channel and
 * role, what a QUIC client's JOIN carries (docs/quic-signaling.md).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { kvsClaimsProblem, mintKvsToken, PeerId, mintPeerToken } from '@peerlink/signaling';
import { parseCommandArgs } from '../args.js';
import { UsageError, type Io } from '../io.js';

export const TOKEN_HELP = [
  'Usage: peerlink token --id ID [--secret S] [--ttl SECONDS] [--data-dir DIR]',
  '       peerlink token --channel C --role master|viewer [--client-id ID] [--secret S] [--ttl SECONDS]',
  '',
  'Prints a peer token: an HS256 JWT whose subject is the peer id, checked by `peerlink serve`',
  'with its --auth-secret. Without --secret, the secret the server generated in its data dir is used.',
  'With --channel: a KVS join token (audience peerlink-kvs) for one role of one signaling channel,',
  'for a JOIN over QUIC (docs/quic-signaling.md); a viewer token names its --client-id.',
  '',
  '  --id ID          the peer id the token is for',
  '  --channel C      KVS: the signaling channel name',
  '  --role R         KVS: master or viewer',
  "  --client-id ID   KVS: the viewer's client id",
  "  --secret S       the server's --auth-secret (env PEERLINK_AUTH_SECRET)",
  '  --ttl SECONDS    lifetime (default 86400)',
  '  --data-dir DIR   where to find the generated secret (default ./peerlink-data)',
].join('\n');

function secretFromDataDir(dir: string): string {
  const file = join(dir, 'secrets.json');
  let parsed: { authSecret?: unknown };
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8')) as { authSecret?: unknown };
  } catch {
    throw new UsageError(
      `token: no --secret and no readable ${file} (start the server once, or pass --secret)`,
    );
  }
  if (typeof parsed.authSecret !== 'string') throw new UsageError(`token: ${file} has no authSecret`);
  return parsed.authSecret;
}

export async function token(argv: string[], io: Io): Promise<number> {
  const values = parseCommandArgs('token', argv, {
    id: { type: 'string' },
    channel: { type: 'string' },
    role: { type: 'string' },
    'client-id': { type: 'string' },
    secret: { type: 'string' },
    ttl: { type: 'string' },
    'data-dir': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.out(TOKEN_HELP);
    return 0;
  }
  const kvs = values.channel !== undefined || values.role !== undefined || values['client-id'] !== undefined;
  if (kvs && values.id !== undefined)
    throw new UsageError('token: --id (a peer token) or --channel (KVS), not both');
  if (!kvs && values.id === undefined)
    throw new UsageError('token: --id ID or --channel C --role R is required');
  const ttl = values.ttl === undefined ? 86400 : Number(values.ttl);
  if (!Number.isInteger(ttl) || ttl <= 0)
    throw new UsageError('token: --ttl must be a positive whole number of seconds');
  const secret =
    values.secret ??
    io.env['PEERLINK_AUTH_SECRET'] ??
    secretFromDataDir(values['data-dir'] ?? io.env['PEERLINK_DATA_DIR'] ?? './peerlink-data');
  if (kvs) {
    const claims = {
      channel: values.channel ?? '',
      role: values.role as 'master' | 'viewer',
      clientId: values['client-id'] ?? '',
    };
    if (values.channel === undefined || values.role === undefined)
      throw new UsageError('token: a KVS token needs --channel C and --role master|viewer');
    const problem = kvsClaimsProblem(claims);
    if (problem) throw new UsageError(`token: ${problem}`);
    io.out(await mintKvsToken({ secret, ...claims, ttlSeconds: ttl }));
    return 0;
  }
  const id = PeerId.safeParse(values.id);
  if (!id.success) throw new UsageError(`token: --id: ${id.error.issues[0]?.message ?? 'invalid'}`);
  io.out(await mintPeerToken({ secret, id: id.data, ttlSeconds: ttl }));
  return 0;
}
