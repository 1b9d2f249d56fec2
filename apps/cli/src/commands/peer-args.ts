/** Options `listen` and `connect` share: where the server is and who we are. */
import { readFileSync } from 'node:fs';
import type { PeerNodeOptions } from '@peerlink/client';
import { parseCommandArgs } from '../args.js';
import { readIdentity } from './keys.js';
import { UsageError } from '../io.js';

export const PEER_OPTIONS = {
  server: { type: 'string' },
  id: { type: 'string' },
  token: { type: 'string' },
  'token-file': { type: 'string' },
  'key-file': { type: 'string' },
  insecure: { type: 'boolean' },
  ca: { type: 'string' },
  'no-port-mapping': { type: 'boolean' },
  'no-direct': { type: 'boolean' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const PEER_HELP = [
  '  --server URL       the peerlink server, http(s)://HOST:PORT, or quic://HOST:PORT (its QUIC carrier)',
  "  --id ID            this peer's id (the token's subject)",
  '  --token T          peer token (`peerlink token --id ID`); or --token-file F, or env PEERLINK_TOKEN',
  "  --key-file F       this peer's identity (`peerlink keys --out F`); a fresh one by default",
  '  --insecure         accept a self-signed server certificate (development)',
  "  --ca FILE          trust the CA certificates in FILE (PEM; a dev server's tls/dev-cert.pem)",
  '  --no-port-mapping  do not ask the local gateway for a port (PCP, NAT-PMP, UPnP-IGD)',
  '  --no-direct        relay only: no UDP socket, no hole punching, no TURN path',
  '  --json             one JSON event per line on stdout',
];

export function parsePeerArgs<T extends Record<string, { type: 'string' | 'boolean'; short?: string }>>(
  cmd: string,
  argv: string[],
  extra: T,
  env: Readonly<Record<string, string | undefined>>,
) {
  const v = parseCommandArgs(cmd, argv, { ...PEER_OPTIONS, ...extra }) as Record<
    string,
    string | boolean | undefined
  >;
  if (v['help']) return { help: true as const, values: v };
  const server = v['server'] ?? env['PEERLINK_SERVER'];
  if (typeof server !== 'string') throw new UsageError(`${cmd}: --server URL is required`);
  if (typeof v['id'] !== 'string') throw new UsageError(`${cmd}: --id ID is required`);
  let token = (v['token'] as string | undefined) ?? env['PEERLINK_TOKEN'];
  if (token === undefined && typeof v['token-file'] === 'string')
    token = readFileSync(v['token-file'], 'utf8').trim();
  if (token === undefined)
    throw new UsageError(`${cmd}: --token T is required (mint one with peerlink token --id ID)`);
  return { help: false as const, values: v, server, id: v['id'], token };
}

/** Prints an event: a JSON line with --json, else a readable line. */
export function eventPrinter(json: boolean, out: (line: string) => void) {
  return (event: Record<string, unknown>): void => {
    if (json) out(JSON.stringify(event));
    else {
      const { event: name, ...rest } = event;
      out(
        `${String(name)}: ${Object.entries(rest)
          .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
          .join(' ')}`,
      );
    }
  };
}

/** PeerNode options from the shared flags, with the identity from --key-file when given. */
export function peerNodeOptions(a: {
  server: string;
  id: string;
  token: string;
  values: Record<string, string | boolean | undefined>;
}): PeerNodeOptions {
  const keyFile = a.values['key-file'];
  const caFile = a.values['ca'];
  let ca: string | undefined;
  if (typeof caFile === 'string') {
    try {
      ca = readFileSync(caFile, 'utf8');
    } catch (err) {
      throw new UsageError(`--ca ${caFile}: ${(err as Error).message}`);
    }
  }
  return {
    server: a.server,
    id: a.id,
    token: a.token,
    insecureTls: a.values['insecure'] === true,
    ...(ca !== undefined ? { ca } : {}),
    portMapping: a.values['no-port-mapping'] !== true,
    direct: a.values['no-direct'] !== true,
    ...(typeof keyFile === 'string' ? { identity: readIdentity(keyFile) } : {}),
  };
}
