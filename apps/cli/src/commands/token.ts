/** `peerlink token --secret S --id ID [--ttl S]`: mint a peer token (HS256 JWT, `sub` = the peer id). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PeerId, mintPeerToken } from '@peerlink/signaling';
import { parseCommandArgs } from '../args.js';
import { UsageError, type Io } from '../io.js';

export const TOKEN_HELP = [
  'Usage: peerlink token --id ID [--secret S] [--ttl SECONDS] [--data-dir DIR]',
  '',
  'Prints a peer token: an HS256 JWT whose subject is the peer id, checked by `peerlink serve`',
  'with its --auth-secret. Without --secret, the secret the server generated in its data dir is used.',
  '',
  '  --id ID          the peer id the token is for',
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
    secret: { type: 'string' },
    ttl: { type: 'string' },
    'data-dir': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.out(TOKEN_HELP);
    return 0;
  }
  if (values.id === undefined) throw new UsageError('token: --id ID is required');
  const id = PeerId.safeParse(values.id);
  if (!id.success) throw new UsageError(`token: --id: ${id.error.issues[0]?.message ?? 'invalid'}`);
  const ttl = values.ttl === undefined ? 86400 : Number(values.ttl);
  if (!Number.isInteger(ttl) || ttl <= 0)
    throw new UsageError('token: --ttl must be a positive whole number of seconds');
  const secret =
    values.secret ??
    io.env['PEERLINK_AUTH_SECRET'] ??
    secretFromDataDir(values['data-dir'] ?? io.env['PEERLINK_DATA_DIR'] ?? './peerlink-data');
  io.out(await mintPeerToken({ secret, id: id.data, ttlSeconds: ttl }));
  return 0;
}
