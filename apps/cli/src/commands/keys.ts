/**
 * `peerlink keys`: a peer's long-term Ed25519 identity. `--out FILE` writes a new one (the 32-byte
 * secret, base64url, mode 0600) and prints its public key; `--show FILE` prints the public key of a
 * stored one. `listen`/`connect --key-file FILE` use it, and `connect --peer-key K` pins a peer's.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createIdentity, type Identity } from '@peerlink/transport';
import { parseCommandArgs } from '../args.js';
import { UsageError, type Io } from '../io.js';

export const KEYS_HELP = [
  'Usage: peerlink keys --out FILE [--json]     write a new identity to FILE, print its public key',
  '       peerlink keys --show FILE [--json]    print the public key of the identity in FILE',
].join('\n');

const b64u = (b: Uint8Array): string => Buffer.from(b).toString('base64url');

/** Reads an identity written by `peerlink keys --out`. */
export function readIdentity(file: string): Identity {
  let text: string;
  try {
    text = readFileSync(file, 'utf8').trim();
  } catch (err) {
    throw new UsageError(`cannot read key file ${file}: ${(err as Error).message}`);
  }
  const secret = Buffer.from(text, 'base64url');
  if (secret.length !== 32) throw new UsageError(`${file} is not a peerlink key (32-byte secret, base64url)`);
  return createIdentity(new Uint8Array(secret));
}

export async function keys(argv: string[], io: Io): Promise<number> {
  const values = parseCommandArgs('keys', argv, {
    out: { type: 'string' },
    show: { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.out(KEYS_HELP);
    return 0;
  }
  let identity: Identity;
  if (values.out !== undefined) {
    if (existsSync(values.out))
      throw new UsageError(`keys: ${values.out} exists; refusing to overwrite an identity`);
    identity = createIdentity();
    writeFileSync(values.out, `${b64u(identity.secretKey)}\n`, { mode: 0o600 });
  } else if (values.show !== undefined) {
    identity = readIdentity(values.show);
  } else {
    throw new UsageError('keys: --out FILE or --show FILE is required');
  }
  const publicKey = b64u(identity.publicKey);
  io.out(values.json ? JSON.stringify({ publicKey }) : publicKey);
  return 0;
}
