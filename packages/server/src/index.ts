/**
 * @peerlink/server: composition of the peerlink server: configuration (flag > env > file > default),
 * the embedded store, the HTTP API, metrics, and the STUN listeners.
 *
 * @example
 * ```ts
 * import { loadServeConfig, startServer } from '@peerlink/server';
 * const config = loadServeConfig({ flags: { 'http-port': 0, 'https-port': 0, 'stun-port': 0 }, env: {} });
 * const server = await startServer(config);
 * console.log(await (await fetch(`${server.httpUrl}/status`)).json());
 * await server.close();
 * ```
 */
export { loadServeConfig, isWildcard } from './config/load-config.js';
export type { ConfigInputs, LogLevel, RawValue, ServeConfig } from './config/load-config.js';
export { SERVE_OPTIONS, envName, pendingText } from './config/options.js';
export type { OptionKind, OptionSpec } from './config/options.js';
export { ServerError } from './errors.js';
export type { ServerErrorCode } from './errors.js';
export { buildHttpApp } from './http/app.js';
export { ClientAddresses, resolveClientAddress } from './http/client-address.js';
export type { ClientAddressInput, ClientAddressOptions } from './http/client-address.js';
export {
  DEFAULT_MAX_PROXY_HEADER_BYTES,
  DEFAULT_PROXY_HEADER_TIMEOUT_MS,
  installProxyProtocol,
} from './http/proxy-protocol.js';
export type { ProxyHeaderEvent, ProxyHeaderOutcome, ProxyProtocolOptions } from './http/proxy-protocol.js';
export { canonicalIp, TrustedProxies } from './http/trusted-proxies.js';
export { createMetrics } from './metrics.js';
export type { ServerMetrics } from './metrics.js';
export { startServer } from './server.js';
export type { RunningServer, StartOptions } from './server.js';
export { ADMIN_TOKEN_FILE, openDataDir } from './store/data-dir.js';
export type { ReloadReport } from './admin/reload.js';
export { IceSettings } from './ice-settings.js';
export type { ExternalIceServer, IceSource, IceValues } from './ice-settings.js';
export type { DataDir, Secrets, TlsMaterial } from './store/data-dir.js';
export { VERSION } from './version.js';
export {
  AccessKeys,
  ACCESS_KEY_PREFIX,
  isAccessKeyId,
  newAccessKeyId,
  newSecretAccessKey,
} from './access-keys/access-keys.js';
export type { AccessKeyRecord, AccessKeySummary, NewAccessKey } from './access-keys/access-keys.js';
export { KEK_FILE, readKek, readOrCreateKek } from './access-keys/kek.js';
export type { Kek } from './access-keys/kek.js';
export { openDurableRecords, STATE_DB } from './store/durable-store.js';
export type { DurableStoreOptions } from './store/durable-store.js';
export { hostOnly, stunTurnUrls } from './ice-servers.js';
export type { AdvertisedStunTurn } from './ice-servers.js';
export { installKvsApi } from './http/kvs/install.js';
export type { KvsApiOptions, KvsInstall } from './http/kvs/install.js';
export { ICE_CONFIG_PATH, registerKvsRoutes } from './http/kvs/routes.js';
export type { KvsHttpDeps } from './http/kvs/routes.js';
export { kvsEndpoints, KVS_WEBSOCKET_PATH } from './http/kvs/endpoints.js';
export type { KvsEndpointSource } from './http/kvs/endpoints.js';
export { expandTurnUri, KVS_TURN_CREDENTIAL_SECONDS, kvsTurnServers } from './http/kvs/turn-grants.js';
export type { KvsTurnSource } from './http/kvs/turn-grants.js';
export { DEFAULT_KVS_RATE_LIMITS, KvsRateLimiter } from './http/kvs/rate-limit.js';
export type { KvsRateLimits } from './http/kvs/rate-limit.js';
