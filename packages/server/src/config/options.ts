/**
 * The `peerlink serve` options: one table, read by the flag parser, the environment reader
 * (`PEERLINK_<NAME>`) and the YAML config file loader. The names are a contract: operators and the lab
 * rely on them. An option whose feature has not landed yet is listed with `pending` (the issue that
 * brings it); setting it anywhere is refused with "not implemented yet" rather than silently ignored.
 */
export type OptionKind = 'string' | 'port' | 'int' | 'boolean' | 'list' | 'ip';

export interface OptionSpec {
  /** Kebab-case flag name without dashes, e.g. `http-port`. */
  readonly name: string;
  readonly kind: OptionKind;
  readonly description: string;
  /** Default when set nowhere; undefined means "unset". */
  readonly default?: string | number | boolean | readonly string[];
  /** What brings this option, when it has not landed yet: an issue number or a short phrase. */
  readonly pending?: number | string;
}

export const SERVE_OPTIONS: readonly OptionSpec[] = [
  { name: 'config', kind: 'string', description: 'YAML config file (keys are option names)' },
  {
    name: 'data-dir',
    kind: 'string',
    default: './peerlink-data',
    description:
      'embedded store: generated secrets, development TLS certificate, state.db (access keys, channels), kek.key',
  },
  { name: 'host', kind: 'ip', default: '0.0.0.0', description: 'address to listen on' },
  {
    name: 'http-port',
    kind: 'port',
    default: 8080,
    description: 'HTTP port (landing page, /status, /metrics)',
  },
  {
    name: 'https-port',
    kind: 'port',
    default: 8443,
    description: 'HTTPS port (self-signed development certificate unless --cert/--key)',
  },
  { name: 'cert', kind: 'string', description: 'TLS certificate chain (PEM) for HTTPS and TURN over TLS' },
  { name: 'key', kind: 'string', description: 'TLS private key (PEM)' },
  {
    name: 'tls-san',
    kind: 'list',
    description:
      'more names (DNS or IP) for the development certificate, which already names --host, --public-ip, --alt-ip and the --public-url host',
  },
  { name: 'public-url', kind: 'string', description: 'base URL the server advertises when behind a proxy' },
  {
    name: 'trusted-proxy',
    kind: 'list',
    description:
      'CIDR of a load balancer whose PROXY header or X-Forwarded-For names the client (repeatable; default: none)',
  },
  {
    name: 'proxy-protocol',
    kind: 'boolean',
    description: 'connections from a --trusted-proxy must open with a PROXY protocol v1/v2 header',
  },
  { name: 'stun-port', kind: 'port', default: 3478, description: 'STUN/TURN port, UDP and TCP' },
  {
    name: 'quic-port',
    kind: 'port',
    default: 4433,
    description:
      'UDP port for KVS signaling over QUIC, ALPN peerlink-signal/1 (docs/quic-signaling.md); ephemeral when --https-port is 0 and this is unset',
  },
  { name: 'no-quic', kind: 'boolean', description: 'do not listen for signaling over QUIC' },
  {
    name: 'quic-keepalive',
    kind: 'int',
    default: 15,
    description: 'seconds between QUIC PINGs to a client, below common NAT UDP binding timeouts',
  },
  {
    name: 'tls-port',
    kind: 'port',
    default: 5349,
    description: 'TURN over TLS port (ephemeral when unset and --stun-port is 0)',
  },
  {
    name: 'public-ip',
    kind: 'ip',
    description: 'primary STUN address (bound; needed with --alt-ip when --host is a wildcard)',
  },
  { name: 'alt-ip', kind: 'ip', description: 'second address for RFC 5780 NAT behaviour discovery' },
  {
    name: 'alt-port',
    kind: 'port',
    default: 3479,
    description: 'second STUN port for RFC 5780 (with --alt-ip)',
  },
  {
    name: 'relay-ip',
    kind: 'list',
    description:
      'addresses TURN relays are allocated on: one IPv4 and/or one IPv6 (default: the STUN address)',
  },
  { name: 'min-port', kind: 'port', default: 49152, description: 'lowest TURN relay port' },
  { name: 'max-port', kind: 'port', default: 65535, description: 'highest TURN relay port' },
  { name: 'realm', kind: 'string', default: 'peerlink', description: 'TURN realm' },
  {
    name: 'turn-secret',
    kind: 'list',
    description: 'TURN REST API shared secret, repeatable for rotation (default: generated in the data dir)',
  },
  { name: 'turn-user', kind: 'list', description: 'static TURN user U:P (repeatable)' },
  {
    name: 'ice-server',
    kind: 'list',
    description:
      'KVS GetIceServerConfig names this TURN server (turn:HOST:PORT or turns:HOST:PORT) instead of this one (repeatable)',
  },
  {
    name: 'ice-server-secret',
    kind: 'list',
    description: 'TURN REST secret of each --ice-server, in order (one for all, or one per server)',
  },
  {
    name: 'kvs-account-id',
    kind: 'string',
    default: '123456789012',
    description: 'the 12-digit account id in the ARNs of KVS signaling channels',
  },
  {
    name: 'kvs-max-viewers',
    kind: 'int',
    default: 10,
    description:
      'KVS viewers per channel at once (AWS: 10); a channel tagged peerlink:max-viewers=N has its own',
  },
  {
    name: 'kvs-max-payload',
    kind: 'int',
    default: 10240,
    description: 'KVS MessagePayload size in bytes of base64 (AWS: 10 KiB)',
  },
  {
    name: 'kvs-offer-rate',
    kind: 'int',
    default: 5,
    description:
      'KVS SDP_OFFER frames per second per connection (AWS: 5); over it: STATUS_RESPONSE 429 or a counted drop',
  },
  {
    name: 'kvs-answer-rate',
    kind: 'int',
    default: 5,
    description: 'KVS SDP_ANSWER frames per second per connection (AWS: 5)',
  },
  {
    name: 'kvs-candidate-rate',
    kind: 'int',
    default: 20,
    description: 'KVS ICE_CANDIDATE frames per second per connection (AWS: 20)',
  },
  {
    name: 'kvs-message-rate',
    kind: 'int',
    default: 100,
    description:
      'KVS frames of any kind per second per connection (burst 2x), checked before the per-action rates',
  },
  {
    name: 'kvs-idle-seconds',
    kind: 'int',
    default: 600,
    description: 'a KVS connection that sends nothing this long is closed (AWS: 10 min)',
  },
  {
    name: 'kvs-max-connection-seconds',
    kind: 'int',
    default: 3600,
    description: 'a KVS connection is told GO_AWAY after this long (AWS: 1 h)',
  },
  {
    name: 'allow-peer',
    kind: 'list',
    description: 'CIDR relays may reach despite the deny list',
  },
  {
    name: 'allow-loopback-peers',
    kind: 'boolean',
    description: 'let relays reach loopback (tests)',
  },
  { name: 'user-quota', kind: 'int', default: 100, description: 'TURN allocations one username may hold' },
  { name: 'total-quota', kind: 'int', default: 10000, description: 'TURN allocations in total' },
  {
    name: 'max-bps',
    kind: 'int',
    description: 'relayed bytes per second per TURN allocation (unlimited when unset)',
  },
  {
    name: 'turn-data-path',
    kind: 'string',
    description:
      "who relays UDP clients' ChannelData: native (the C addon), js, or auto (native when it was built; js with --max-bps)",
  },
  {
    name: 'software',
    kind: 'string',
    description: 'SOFTWARE attribute in STUN/TURN answers (none by default)',
  },
  {
    name: 'auth-secret',
    kind: 'string',
    description: 'HS256 secret for peer tokens (default: generated in the data dir)',
  },
  {
    name: 'jwt-secret',
    kind: 'string',
    description: 'HS256 secret for IM user JWTs (sub: the user id); with it or --jwks-url, /im is served',
  },
  {
    name: 'jwks-url',
    kind: 'string',
    description: 'JWKS URL of the RS256/ES256 keys that sign IM user JWTs',
  },
  {
    name: 'ring-timeout',
    kind: 'int',
    default: 30,
    description: 'IM: seconds an unanswered call rings before call.end timeout',
  },
  {
    name: 'call-grace',
    kind: 'int',
    default: 20,
    description: 'IM: seconds a party whose socket dropped has to come back before call.end network_error',
  },
  {
    name: 'im-message-rate',
    kind: 'int',
    default: 50,
    description: 'IM: messages per second per connection (burst 4x); over it call.error RATE_LIMITED',
  },
  {
    name: 'im-dev-login',
    kind: 'boolean',
    description:
      'IM: POST /im/dev-login {"user": NAME} mints a JWT for anyone (development only; without --jwt-secret a random one)',
  },
  {
    name: 'call-policy-url',
    kind: 'string',
    description: 'IM: POST {from, to, call_type} here before a call; {"allow": false} denies it',
  },
  {
    name: 'offline-webhook',
    kind: 'string',
    description: 'IM: POST {call_id, from, to, call_type} here when a callee has no device online',
  },
  { name: 'max-peers', kind: 'int', default: 100000, description: 'most peers registered at once' },
  {
    name: 'max-connections-per-ip',
    kind: 'int',
    default: 1000,
    description:
      'signaling connections at once from one client address (behind a trusted proxy: the real one)',
  },
  {
    name: 'message-rate',
    kind: 'int',
    default: 100,
    description: 'peer protocol messages per second per connection (burst 4x)',
  },
  {
    name: 'relay-rate',
    kind: 'int',
    default: 33554432,
    description: 'relay quota per peer in bytes per second (burst 2x); over it frames drop',
  },
  {
    name: 'redis-url',
    kind: 'string',
    description:
      'share signaling state with other nodes through this Redis (redis://host:6379); default: embedded, one node',
  },
  {
    name: 'redis-prefix',
    kind: 'string',
    default: 'peerlink:',
    description: 'prefix of every Redis key and pub/sub channel (several clusters may share one Redis)',
  },
  {
    name: 'kek-file',
    kind: 'string',
    description:
      'key-encryption key that seals access-key secrets (default: <data-dir>/kek.key, made with the first key); every node of a cluster needs the same file',
  },
  {
    name: 'node-id',
    kind: 'string',
    description:
      "this node's name in the cluster (default: host name and a random suffix, new at each start)",
  },
  {
    name: 'admin-listen',
    kind: 'string',
    default: '127.0.0.1:9090',
    description:
      'admin API (POST /admin/reload) at HOST:PORT, every route behind the token in <data-dir>/admin-token; `off` to disable (ephemeral when unset and --http-port is 0)',
  },
  {
    name: 'drain-seconds',
    kind: 'int',
    default: 10,
    description: 'on SIGTERM: GO_AWAY to every client, then close after this grace',
  },
  {
    name: 'log-level',
    kind: 'string',
    default: 'info',
    description: 'fatal, error, warn, info, debug, trace or silent',
  },
];

/** `http-port` -> `PEERLINK_HTTP_PORT`. */
export function envName(option: string): string {
  return `PEERLINK_${option.toUpperCase().replace(/-/g, '_')}`;
}

/** "issue #4 brings it" or "the IM call protocol brings it". */
export function pendingText(pending: number | string): string {
  return typeof pending === 'number' ? `issue #${pending} brings it` : `${pending} brings it`;
}
