/** `peerlink serve`: run the server until SIGINT/SIGTERM; SIGHUP reloads its configuration. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  ADMIN_TOKEN_FILE,
  SERVE_OPTIONS,
  envName,
  loadServeConfig,
  pendingText,
  startServer,
  type RawValue,
  type ServeConfig,
} from '@peerlink/server';
import { UsageError, type Io } from '../io.js';

export function serveHelp(): string {
  const lines = SERVE_OPTIONS.map((o) => {
    const arg = o.kind === 'boolean' ? '' : o.kind === 'list' ? ' V[,V]' : ' V';
    const def = o.default !== undefined ? ` (default ${String(o.default)})` : '';
    const pending = o.pending !== undefined ? ` [not implemented yet: ${pendingText(o.pending)}]` : '';
    return `  --${o.name}${arg}`.padEnd(30) + `${o.description}${def}${pending}`;
  });
  return [
    'Usage: peerlink serve [options]',
    '',
    'Runs the server. Every option also reads from the environment (PEERLINK_<NAME>, e.g.',
    `${envName('http-port')}=8081; lists comma-separated) and from a YAML file (--config FILE).`,
    'Precedence: flag > environment > file > default.',
    '',
    ...lines,
  ].join('\n');
}

export function parseServeFlags(argv: string[]): Record<string, RawValue> {
  const options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean }> = {};
  for (const o of SERVE_OPTIONS) {
    options[o.name] =
      o.kind === 'boolean'
        ? { type: 'boolean' }
        : o.kind === 'list'
          ? { type: 'string', multiple: true }
          : { type: 'string' };
  }
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, strict: true, allowPositionals: false });
  } catch (err) {
    throw new UsageError(`serve: ${(err as Error).message}`);
  }
  const flags: Record<string, RawValue> = {};
  for (const [k, v] of Object.entries(parsed.values)) {
    if (v === undefined) continue;
    flags[k] = Array.isArray(v) ? v.flatMap((s) => String(s).split(',')) : (v as string | boolean);
  }
  return flags;
}

export async function serve(argv: string[], io: Io): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.out(serveHelp());
    return 0;
  }
  const flags = parseServeFlags(argv);
  // A reload reads the config file again, with the flags and environment the server started with.
  const readConfig = (): ServeConfig =>
    loadServeConfig({ flags, env: io.env, readFile: (p) => readFileSync(p, 'utf8') });
  const config = readConfig();
  const server = await startServer(config, { readConfig });
  for (const g of server.generated) io.out(`peerlink: ${g}`);
  io.out(`peerlink: data dir ${server.dataDir.path}`);
  io.out(`peerlink: HTTP  ${server.httpUrl}/  (status: /status, metrics: /metrics)`);
  io.out(`peerlink: HTTPS ${server.httpsUrl}/`);
  const stunLine = server.stun.alternate
    ? `${server.stun.primary.address}:${server.stun.primary.port} + RFC 5780 alternate ${server.stun.alternate.address}:${server.stun.alternate.port}`
    : `${server.stun.primary.address}:${server.stun.primary.port}`;
  io.out(`peerlink: STUN  ${stunLine} (UDP and TCP)`);
  io.out(
    `peerlink: peers  ${server.httpUrl.replace(/^http/, 'ws')}/p2p and ${server.httpsUrl.replace(/^https/, 'wss')}/p2p`,
  );
  if (server.quic)
    io.out(
      `peerlink: QUIC  ${server.httpsUrl.replace(/^https:\/\/(.*):\d+$/, 'quic://$1')}:${server.quic.port} (KVS, peer and IM signaling, ALPN peerlink-signal/1)`,
    );
  const relays = [server.relayIps[4], server.relayIps[6]].filter((ip) => ip !== undefined).join(', ');
  const tls = server.stun.tls ? `, TLS ${server.stun.tls.address}:${server.stun.tls.port}` : '';
  io.out(
    `peerlink: TURN  on the STUN port${tls}; relays ${relays} ports ${config.minPort}-${config.maxPort}; realm ${config.realm}`,
  );
  io.out(
    `peerlink: node  ${server.backend.nodeId}, signaling state ${server.backend.store.kind === 'redis' ? `shared in Redis (prefix ${config.redisPrefix})` : 'embedded (one node)'}`,
  );
  if (server.adminUrl !== undefined)
    io.out(
      `peerlink: admin ${server.adminUrl}/admin/  (token: ${join(server.dataDir.path, ADMIN_TOKEN_FILE)}; SIGHUP or POST /admin/reload reloads)`,
    );
  const stopReload = io.onReload?.(() => {
    server.reload().then(
      (r) =>
        io.out(
          `peerlink: reloaded (applied: ${r.applied.join(', ') || 'nothing changed'}${r.restartRequired.length > 0 ? `; needs a restart: ${r.restartRequired.join(', ')}` : ''}${r.iceChanged ? `; RECONNECT_ICE_SERVER to ${r.reconnectIceServer} KVS clients` : ''})`,
        ),
      (err: Error) => io.err(`peerlink: reload failed, nothing changed: ${err.message}`),
    );
  });
  io.out('peerlink: ready');
  const sig = await io.stopSignal;
  stopReload?.();
  io.out(`peerlink: ${sig}, draining (GO_AWAY to every client, closing within ${config.drainSeconds} s)`);
  await server.drain(config.drainSeconds * 1000);
  io.out('peerlink: stopped');
  return 0;
}
