/**
 * Resolves the `peerlink serve` configuration with precedence flag > env > file > default.
 * Pure apart from the injected `readFile`: the CLI passes its parsed flags, `process.env` and
 * `fs.readFileSync`; tests pass plain objects.
 */
import { isIP } from 'node:net';
import { parse as parseYaml } from 'yaml';
import { parseCidr } from '@peerlink/turn-server';
import { ServerError } from '../errors.js';
import { SERVE_OPTIONS, envName, pendingText, type OptionSpec } from './options.js';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export interface ServeConfig {
  dataDir: string;
  host: string;
  httpPort: number;
  httpsPort: number;
  cert: string | undefined;
  key: string | undefined;
  /** Extra names for the development certificate. */
  tlsSan: string[];
  publicUrl: string | undefined;
  /** Load balancers believed about the client's address (CIDR text, validated). */
  trustedProxies: string[];
  /** Trusted proxies open every connection with a PROXY protocol header. */
  proxyProtocol: boolean;
  stunPort: number;
  /** UDP port of the QUIC signaling carrier; undefined with --no-quic. */
  quicPort: number | undefined;
  quicKeepaliveSeconds: number;
  publicIp: string | undefined;
  altIp: string | undefined;
  altPort: number;
  /** TURN (issue #4). */
  tlsPort: number;
  /** Relay addresses, at most one per family; empty means "the STUN address". */
  relayIps: string[];
  minPort: number;
  maxPort: number;
  realm: string;
  /** REST secrets; empty means "the generated one in the data dir". */
  turnSecrets: string[];
  /** Static users as name -> password. */
  turnUsers: Map<string, string>;
  /** KVS GetIceServerConfig: an operator's TURN servers, each with its REST secret; empty: this server's TURN. */
  iceServers: { uri: string; secret: string }[];
  /** The account id in KVS channel ARNs. */
  kvsAccountId: string;
  /** KVS limits for every channel (a channel's peerlink:max-viewers tag overrides maxViewers). */
  kvsLimits: {
    maxViewers: number;
    maxPayloadBytes: number;
    offersPerSecond: number;
    answersPerSecond: number;
    candidatesPerSecond: number;
    messagesPerSecond: number;
    idleTimeoutMs: number;
    maxDurationMs: number;
  };
  allowPeers: string[];
  allowLoopbackPeers: boolean;
  userQuota: number;
  totalQuota: number;
  maxBps: number | undefined;
  /** `--turn-data-path`; unset means auto (docs/turn.md, "Under load"). */
  turnDataPath: 'native' | 'js' | 'auto' | undefined;
  software: string | undefined;
  logLevel: LogLevel;
  /** HS256 secret for peer tokens; undefined means the data dir's generated one. */
  authSecret: string | undefined;
  maxPeers: number;
  maxConnectionsPerIp: number;
  messageRate: number;
  relayRate: number;
  /** Shared signaling state (cluster); undefined: the embedded store. */
  redisUrl: string | undefined;
  redisPrefix: string;
  /** The access keys' key-encryption key; undefined: `<data-dir>/kek.key`. */
  kekFile: string | undefined;
  nodeId: string | undefined;
  drainSeconds: number;
  /** The admin listener (loopback by default); undefined when `--admin-listen off`. */
  adminListen: { host: string; port: number } | undefined;
  /** The IM call protocol at /im (served when a JWT secret or JWKS URL is set). */
  im: {
    jwtSecret: string | undefined;
    jwksUrl: string | undefined;
    ringTimeoutSeconds: number;
    callGraceSeconds: number;
    /** Messages per second per connection (`--im-message-rate`; burst 4x). */
    messageRate: number;
    callPolicyUrl: string | undefined;
    offlineWebhook: string | undefined;
    /** `POST /im/dev-login` mints tokens for any user name (development only). */
    devLogin: boolean;
  };
  /** Where each value came from, for `--print-config` style diagnostics. */
  sources: Record<string, 'flag' | 'env' | 'file' | 'default'>;
}

export type RawValue = string | number | boolean | readonly string[];

export interface ConfigInputs {
  /** Parsed flags, keyed by option name (`http-port`); lists as arrays. */
  flags: Readonly<Record<string, RawValue | undefined>>;
  env: Readonly<Record<string, string | undefined>>;
  readFile?: (path: string) => string;
}

type Value = string | number | boolean | string[];

function coerce(spec: OptionSpec, raw: RawValue, where: string): Value {
  const fail = (why: string): never => {
    throw new ServerError('CONFIG_INVALID', `--${spec.name} (${where}): ${why}`);
  };
  switch (spec.kind) {
    case 'boolean': {
      if (typeof raw === 'boolean') return raw;
      const s = String(raw).toLowerCase();
      if (['1', 'true', 'yes', 'on'].includes(s)) return true;
      if (['0', 'false', 'no', 'off'].includes(s)) return false;
      return fail(`expected true or false, got ${JSON.stringify(raw)}`);
    }
    case 'port':
    case 'int': {
      const n = typeof raw === 'number' ? raw : Number(String(raw).trim());
      if (!Number.isInteger(n) || n < 0) return fail(`expected a whole number, got ${JSON.stringify(raw)}`);
      if (spec.kind === 'port' && n > 65535) return fail(`port out of range: ${n}`);
      return n;
    }
    case 'list': {
      const items = Array.isArray(raw) ? raw.map(String) : String(raw).split(',');
      return items.map((s) => s.trim()).filter((s) => s.length > 0);
    }
    case 'ip': {
      const s = String(raw).trim();
      if (isIP(s) === 0) return fail(`not an IP address: ${JSON.stringify(raw)}`);
      return s;
    }
    case 'string': {
      if (typeof raw === 'object') return fail('expected a single value');
      return String(raw);
    }
  }
}

function readConfigFile(path: string, readFile: (p: string) => string): Record<string, RawValue> {
  let text: string;
  try {
    text = readFile(path);
  } catch (err) {
    throw new ServerError(
      'CONFIG_FILE_UNREADABLE',
      `cannot read config file ${path}: ${(err as Error).message}`,
    );
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new ServerError(
      'CONFIG_INVALID',
      `config file ${path} is not valid YAML: ${(err as Error).message}`,
    );
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    throw new ServerError(
      'CONFIG_INVALID',
      `config file ${path} must be a mapping of option names to values`,
    );
  }
  const out: Record<string, RawValue> = {};
  for (const [k, v] of Object.entries(doc as Record<string, unknown>)) {
    const ok =
      typeof v === 'string' ||
      typeof v === 'number' ||
      typeof v === 'boolean' ||
      (Array.isArray(v) && v.every((x) => typeof x === 'string' || typeof x === 'number'));
    if (!ok) throw new ServerError('CONFIG_INVALID', `config file ${path}: ${k} has an unsupported value`);
    out[k] = Array.isArray(v) ? v.map(String) : (v as RawValue);
  }
  return out;
}

export function loadServeConfig(inputs: ConfigInputs): ServeConfig {
  const known = new Map(SERVE_OPTIONS.map((o) => [o.name, o]));
  for (const name of Object.keys(inputs.flags)) {
    if (!known.has(name)) throw new ServerError('CONFIG_UNKNOWN_OPTION', `unknown option --${name}`);
  }
  const configPath = inputs.flags['config'] ?? inputs.env[envName('config')];
  let file: Record<string, RawValue> = {};
  if (configPath !== undefined) {
    file = readConfigFile(String(configPath), inputs.readFile ?? (() => ''));
    for (const name of Object.keys(file)) {
      if (!known.has(name) || name === 'config') {
        throw new ServerError(
          'CONFIG_UNKNOWN_OPTION',
          `config file ${String(configPath)}: unknown option ${name}`,
        );
      }
    }
  }

  const values = new Map<string, Value>();
  const sources: ServeConfig['sources'] = {};
  for (const spec of SERVE_OPTIONS) {
    if (spec.name === 'config') continue;
    const fromFlag = inputs.flags[spec.name];
    const fromEnv = inputs.env[envName(spec.name)];
    const fromFile = file[spec.name];
    let picked: { raw: RawValue; where: 'flag' | 'env' | 'file' } | undefined;
    if (fromFlag !== undefined) picked = { raw: fromFlag, where: 'flag' };
    else if (fromEnv !== undefined && fromEnv !== '') picked = { raw: fromEnv, where: 'env' };
    else if (fromFile !== undefined) picked = { raw: fromFile, where: 'file' };
    if (picked && spec.pending !== undefined) {
      const where =
        picked.where === 'flag'
          ? `--${spec.name}`
          : picked.where === 'env'
            ? envName(spec.name)
            : `${spec.name} in the config file`;
      throw new ServerError(
        'CONFIG_NOT_IMPLEMENTED',
        `${where}: not implemented yet (${pendingText(spec.pending)})`,
      );
    }
    if (picked) {
      values.set(spec.name, coerce(spec, picked.raw, picked.where));
      sources[spec.name] = picked.where;
    } else if (spec.default !== undefined && spec.pending === undefined) {
      values.set(spec.name, coerce(spec, spec.default, 'default'));
      sources[spec.name] = 'default';
    }
  }

  const str = (n: string): string | undefined => values.get(n) as string | undefined;
  const num = (n: string): number => values.get(n) as number;
  const httpUrl = (n: string): string | undefined => {
    const v = str(n);
    if (v !== undefined && !/^https?:\/\/[^/\s]+/.test(v))
      throw new ServerError('CONFIG_INVALID', `--${n}: expected an http(s):// URL, got ${v}`);
    return v;
  };
  const logLevel = str('log-level') as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ServerError('CONFIG_INVALID', `--log-level: expected one of ${LOG_LEVELS.join(', ')}`);
  }
  const turnDataPath = str('turn-data-path') as 'native' | 'js' | 'auto' | undefined;
  if (turnDataPath !== undefined && !['native', 'js', 'auto'].includes(turnDataPath)) {
    throw new ServerError('CONFIG_INVALID', '--turn-data-path: expected native, js or auto');
  }
  const cert = str('cert');
  const key = str('key');
  if ((cert === undefined) !== (key === undefined)) {
    throw new ServerError('CONFIG_INVALID', '--cert and --key go together');
  }
  const publicUrl = str('public-url');
  if (publicUrl !== undefined && !/^https?:\/\/[^/]+/.test(publicUrl)) {
    throw new ServerError('CONFIG_INVALID', `--public-url: expected http(s)://host[:port], got ${publicUrl}`);
  }
  const host = str('host') as string;
  const publicIp = str('public-ip');
  const altIp = str('alt-ip');
  if (altIp !== undefined) {
    const primary = publicIp ?? (isWildcard(host) ? undefined : host);
    if (primary === undefined) {
      throw new ServerError(
        'CONFIG_INVALID',
        '--alt-ip needs a concrete primary address: give --public-ip, or a --host that is not a wildcard',
      );
    }
    if (isIP(primary) !== isIP(altIp)) {
      throw new ServerError('CONFIG_INVALID', '--alt-ip must be of the same family as the primary address');
    }
    if (primary === altIp)
      throw new ServerError('CONFIG_INVALID', '--alt-ip must differ from the primary address');
  }
  for (const n of [
    'max-peers',
    'message-rate',
    'relay-rate',
    'kvs-max-viewers',
    'kvs-offer-rate',
    'kvs-answer-rate',
    'kvs-candidate-rate',
    'kvs-message-rate',
    'kvs-max-payload',
    'kvs-idle-seconds',
    'kvs-max-connection-seconds',
    'im-message-rate',
  ] as const) {
    if (num(n) < 1) throw new ServerError('CONFIG_INVALID', `--${n} must be at least 1`);
  }
  const stunPort = num('stun-port');
  const altPort = num('alt-port');
  if (altIp !== undefined && stunPort !== 0 && stunPort === altPort) {
    throw new ServerError('CONFIG_INVALID', '--alt-port must differ from --stun-port');
  }
  const list = (n: string): string[] => (values.get(n) as string[] | undefined) ?? [];
  const relayIps = list('relay-ip');
  for (const ip of relayIps) {
    if (isIP(ip) === 0) throw new ServerError('CONFIG_INVALID', `--relay-ip: not an IP address: ${ip}`);
  }
  if (new Set(relayIps.map((ip) => isIP(ip))).size !== relayIps.length) {
    throw new ServerError('CONFIG_INVALID', '--relay-ip: give at most one IPv4 and one IPv6 address');
  }
  const minPort = num('min-port');
  const maxPort = num('max-port');
  if (minPort < 1 || minPort >= maxPort) {
    throw new ServerError(
      'CONFIG_INVALID',
      `--min-port ${minPort} must be 1 or more and below --max-port ${maxPort}`,
    );
  }
  const turnUsers = new Map<string, string>();
  for (const entry of list('turn-user')) {
    const at = entry.indexOf(':');
    if (at <= 0 || at === entry.length - 1) {
      throw new ServerError(
        'CONFIG_INVALID',
        `--turn-user: expected USER:PASSWORD, got ${JSON.stringify(entry)}`,
      );
    }
    turnUsers.set(entry.slice(0, at), entry.slice(at + 1));
  }
  const iceServers = readIceServers(list('ice-server'), list('ice-server-secret'));
  const kvsAccountId = str('kvs-account-id') as string;
  if (!/^[0-9]{12}$/.test(kvsAccountId))
    throw new ServerError('CONFIG_INVALID', `--kvs-account-id: expected 12 digits, got ${kvsAccountId}`);
  const kvsLimits = {
    maxViewers: num('kvs-max-viewers'),
    maxPayloadBytes: num('kvs-max-payload'),
    offersPerSecond: num('kvs-offer-rate'),
    answersPerSecond: num('kvs-answer-rate'),
    candidatesPerSecond: num('kvs-candidate-rate'),
    messagesPerSecond: num('kvs-message-rate'),
    idleTimeoutMs: num('kvs-idle-seconds') * 1000,
    maxDurationMs: num('kvs-max-connection-seconds') * 1000,
  };
  const trustedProxies = list('trusted-proxy');
  const badProxy = trustedProxies.find((c) => parseCidr(c) === undefined);
  if (badProxy !== undefined) {
    throw new ServerError(
      'CONFIG_INVALID',
      `--trusted-proxy: not a CIDR: ${JSON.stringify(badProxy)} (expected an address or address/prefix, e.g. 10.0.0.0/8 or fd00::/8)`,
    );
  }
  const proxyProtocol = values.get('proxy-protocol') === true;
  if (proxyProtocol && trustedProxies.length === 0) {
    throw new ServerError(
      'CONFIG_INVALID',
      '--proxy-protocol needs --trusted-proxy: PROXY headers are only read from trusted load balancers',
    );
  }
  const keepalive = num('quic-keepalive');
  if (keepalive < 1 || keepalive >= 600)
    throw new ServerError('CONFIG_INVALID', `--quic-keepalive: 1 to 599 seconds, not ${keepalive}`);
  const allowPeers = list('allow-peer');
  for (const c of allowPeers) {
    const [ip, len] = c.split('/');
    const family = isIP(ip ?? '');
    const max = family === 4 ? 32 : 128;
    if (family === 0 || (len !== undefined && !(/^[0-9]{1,3}$/.test(len) && Number(len) <= max))) {
      throw new ServerError('CONFIG_INVALID', `--allow-peer: not a CIDR: ${JSON.stringify(c)}`);
    }
  }
  return {
    dataDir: str('data-dir') as string,
    host,
    httpPort: num('http-port'),
    httpsPort: num('https-port'),
    cert,
    key,
    tlsSan: list('tls-san'),
    publicUrl,
    trustedProxies,
    proxyProtocol,
    stunPort,
    // Like the TLS port: with an ephemeral HTTPS port (tests, several servers at once) it is ephemeral.
    quicPort:
      values.get('no-quic') === true
        ? undefined
        : sources['quic-port'] === 'default' && num('https-port') === 0
          ? 0
          : num('quic-port'),
    quicKeepaliveSeconds: num('quic-keepalive'),
    publicIp,
    altIp,
    altPort,
    // With an ephemeral STUN port (tests, several servers at once) an unset TLS port is ephemeral too.
    tlsPort: sources['tls-port'] === 'default' && stunPort === 0 ? 0 : num('tls-port'),
    relayIps,
    minPort,
    maxPort,
    realm: str('realm') as string,
    turnSecrets: list('turn-secret'),
    turnUsers,
    iceServers,
    kvsAccountId,
    kvsLimits,
    allowPeers,
    allowLoopbackPeers: values.get('allow-loopback-peers') === true,
    userQuota: num('user-quota'),
    totalQuota: num('total-quota'),
    maxBps: values.get('max-bps') as number | undefined,
    turnDataPath,
    software: str('software'),
    logLevel,
    authSecret: str('auth-secret'),
    maxPeers: num('max-peers'),
    maxConnectionsPerIp: num('max-connections-per-ip'),
    messageRate: num('message-rate'),
    relayRate: num('relay-rate'),
    redisUrl: str('redis-url'),
    redisPrefix: str('redis-prefix') as string,
    kekFile: str('kek-file'),
    nodeId: str('node-id'),
    drainSeconds: num('drain-seconds'),
    // With an ephemeral HTTP port (tests, several servers at once) an unset admin port is ephemeral too.
    adminListen: readListen(
      'admin-listen',
      sources['admin-listen'] === 'default' && num('http-port') === 0
        ? '127.0.0.1:0'
        : (str('admin-listen') as string),
    ),
    im: {
      jwtSecret: str('jwt-secret'),
      jwksUrl: httpUrl('jwks-url'),
      ringTimeoutSeconds: num('ring-timeout'),
      callGraceSeconds: num('call-grace'),
      messageRate: num('im-message-rate'),
      callPolicyUrl: httpUrl('call-policy-url'),
      offlineWebhook: httpUrl('offline-webhook'),
      devLogin: values.get('im-dev-login') === true,
    },
    sources,
  };
}

/** `HOST:PORT` (IPv6 as `[::1]:9090`), or `off`. */
function readListen(option: string, text: string): { host: string; port: number } | undefined {
  if (text === 'off') return undefined;
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^\s:[\]]+)):([0-9]{1,5})$/.exec(text);
  const host = m?.[1] ?? m?.[2];
  const port = Number(m?.[3]);
  if (host === undefined || port > 65535)
    throw new ServerError(
      'CONFIG_INVALID',
      `--${option}: expected HOST:PORT or off, got ${JSON.stringify(text)}`,
    );
  return { host, port };
}

const TURN_URI = /^turns?:(\[[0-9a-fA-F:.]+\]|[^\s:?[\]]+):[0-9]{1,5}(\?transport=(udp|tcp))?$/;

/** --ice-server with --ice-server-secret: one secret for all, or one per server, in order. */
function readIceServers(uris: string[], secrets: string[]): { uri: string; secret: string }[] {
  const bad = uris.find((u) => !TURN_URI.test(u));
  if (bad !== undefined)
    throw new ServerError(
      'CONFIG_INVALID',
      `--ice-server: expected turn:HOST:PORT or turns:HOST:PORT (optionally ?transport=udp|tcp), got ${JSON.stringify(bad)}`,
    );
  if (uris.length === 0 && secrets.length > 0)
    throw new ServerError('CONFIG_INVALID', '--ice-server-secret without --ice-server');
  if (uris.length > 0 && secrets.length !== 1 && secrets.length !== uris.length)
    throw new ServerError(
      'CONFIG_INVALID',
      `--ice-server needs its TURN REST secret: one --ice-server-secret for all, or one per server (${uris.length})`,
    );
  return uris.map((uri, i) => ({ uri, secret: (secrets[i] ?? secrets[0]) as string }));
}

export function isWildcard(host: string): boolean {
  return host === '0.0.0.0' || host === '::';
}
