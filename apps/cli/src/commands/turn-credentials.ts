/**
 * `peerlink turn-credentials --secret S --user U --ttl 3600 [--json]`: prints a TURN REST API
 * username/password pair (`<expiry>:<user>`, base64 HMAC-SHA1), as coturn's --use-auth-secret
 * expects and as `peerlink serve --turn-secret` checks. Nothing is sent anywhere.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { envName } from '@peerlink/server';
import { makeTurnRestCredentials } from '@peerlink/wire';
import { parseCommandArgs } from '../args.js';
import { UsageError, type Io } from '../io.js';

export const TURN_CREDENTIALS_HELP = [
  'Usage: peerlink turn-credentials [--secret S | --data-dir DIR] [--user U] [--ttl SECONDS] [--json]',
  '',
  'Prints TURN REST API credentials valid for --ttl seconds.',
  '',
  `  --secret S      the shared secret (default: ${envName('turn-secret')}, first of its list)`,
  '  --data-dir DIR  read the secret `peerlink serve` generated in DIR/secrets.json instead',
  '  --user U        who the credentials are for (part of the username; no ":")',
  '  --ttl SECONDS   lifetime, default 3600',
  '  --json          print {"username","password","ttl","expiresAt"} on one line',
].join('\n');

function secretFromDataDir(dir: string): string {
  const file = join(dir, 'secrets.json');
  try {
    const s = (JSON.parse(readFileSync(file, 'utf8')) as { turnSecret?: unknown }).turnSecret;
    if (typeof s === 'string' && s.length > 0) return s;
  } catch (err) {
    throw new UsageError(`turn-credentials: cannot read ${file}: ${(err as Error).message}`);
  }
  throw new UsageError(`turn-credentials: ${file} holds no turnSecret`);
}

export async function turnCredentials(argv: string[], io: Io, now = Date.now): Promise<number> {
  const values = parseCommandArgs('turn-credentials', argv, {
    secret: { type: 'string' },
    'data-dir': { type: 'string' },
    user: { type: 'string' },
    ttl: { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.out(TURN_CREDENTIALS_HELP);
    return 0;
  }
  if (values.secret !== undefined && values['data-dir'] !== undefined) {
    throw new UsageError('turn-credentials: give --secret or --data-dir, not both');
  }
  const fromEnv = io.env[envName('turn-secret')]?.split(',')[0]?.trim();
  const secret =
    values.secret ??
    (values['data-dir'] !== undefined ? secretFromDataDir(values['data-dir']) : fromEnv || undefined);
  if (secret === undefined || secret.length === 0) {
    throw new UsageError(
      `turn-credentials: --secret S is required (or ${envName('turn-secret')}, or --data-dir)`,
    );
  }
  const ttlText = values.ttl ?? '3600';
  if (!/^[1-9][0-9]{0,9}$/.test(ttlText)) {
    throw new UsageError(
      `turn-credentials: --ttl must be a whole number of seconds, got ${JSON.stringify(ttlText)}`,
    );
  }
  const user = values.user ?? '';
  if (user.includes(':')) throw new UsageError('turn-credentials: --user may not contain ":"');
  const ttl = Number(ttlText);
  const c = makeTurnRestCredentials(secret, user, ttl, now() / 1000);
  if (values.json) {
    io.out(JSON.stringify({ username: c.username, password: c.password, ttl, expiresAt: c.expiresAt }));
  } else {
    io.out(`username: ${c.username}`);
    io.out(`password: ${c.password}`);
    io.out(`expires:  ${new Date(c.expiresAt * 1000).toISOString()}`);
  }
  return 0;
}
