/**
 * The `peerlink` command. Each subcommand lives in commands/; a user's mistake prints one line and
 * exits 2, a runtime failure prints one line and exits 1.
 */
import { VERSION } from '@peerlink/server';
import { accessKeys } from './commands/access-keys.js';
import { connect } from './commands/connect.js';
import { keys } from './commands/keys.js';
import { kvsMaster } from './commands/kvs-master.js';
import { kvsViewer } from './commands/kvs-viewer.js';
import { listen } from './commands/listen.js';
import { nat, NAT_HELP } from './commands/nat.js';
import { serve } from './commands/serve.js';
import { token } from './commands/token.js';
import { turnCredentials } from './commands/turn-credentials.js';
import { processIo, UsageError, type Io } from './io.js';

type Command = { summary: string; run?: (argv: string[], io: Io) => Promise<number>; pending?: number };

const COMMANDS: Record<string, Command> = {
  serve: { summary: 'run the server (signaling, STUN/TURN, relay, HTTP API)', run: serve },
  nat: { summary: 'classify the NAT in front of this machine (RFC 5780)', run: nat },
  token: { summary: 'mint a peer token (HS256 JWT)', run: token },
  'turn-credentials': { summary: 'print TURN REST API credentials', run: turnCredentials },
  keys: { summary: 'generate and show peer identity keys', run: keys },
  'access-keys': {
    summary: 'create, list and revoke the access keys KVS clients sign with',
    run: accessKeys,
  },
  listen: { summary: 'accept peer connections and echo streams', run: listen },
  connect: { summary: 'connect to a peer and measure the path', run: connect },
  'kvs-master': { summary: 'a KVS master in Node: forward RTP from a UDP port to viewers', run: kvsMaster },
  'kvs-viewer': { summary: "a KVS viewer in Node: receive a master's media, print stats", run: kvsViewer },
};

export function usage(): string {
  const rows = Object.entries(COMMANDS).map(
    ([name, c]) =>
      `  ${name.padEnd(18)}${c.summary}${c.pending ? ` [not implemented yet: issue #${c.pending}]` : ''}`,
  );
  return [
    `peerlink ${VERSION}: self-hosted peer-to-peer connectivity`,
    '',
    'Usage: peerlink <command> [options]',
    '',
    'Commands:',
    ...rows,
    '',
    'Run `peerlink <command> --help` for the options of one command.',
  ].join('\n');
}

export { NAT_HELP };

export async function main(argv: string[], io: Io = processIo()): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(usage());
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-v') {
    io.out(VERSION);
    return 0;
  }
  const cmd = COMMANDS[name];
  if (!cmd) {
    io.err(`peerlink: unknown command ${JSON.stringify(name)} (see peerlink --help)`);
    return 2;
  }
  if (!cmd.run) {
    io.err(`peerlink ${name}: not implemented yet (issue #${cmd.pending ?? '?'} brings it)`);
    return 2;
  }
  try {
    return await cmd.run(rest, io);
  } catch (err) {
    const e = err as Error & { code?: string };
    io.err(`peerlink ${name}: ${e.message}`);
    if (err instanceof UsageError) return 2;
    return e.code?.startsWith('CONFIG_') ? 2 : 1;
  }
}
