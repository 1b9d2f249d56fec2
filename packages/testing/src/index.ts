/**
 * @peerlink/testing: a fake clock and a deterministic in-process NAT simulator with the NAT lab's
 * presets (RFC 4787 mapping, filtering, port allocation, timeouts), for fast unit tests of the P2P
 * engine. The sockets implement @peerlink/p2p's DatagramSocket, so engine code runs unchanged.
 *
 * @example
 * ```ts
 * import { probeNat } from '@peerlink/p2p';
 * import { FakeClock, SimNetwork, addSimSite, addSimStunServer } from '@peerlink/testing';
 * const clock = new FakeClock();
 * const net = new SimNetwork({ clock, seed: 7 });
 * const stun = addSimStunServer(net);
 * const site = addSimSite(net, 'symmetric', { index: 1 });
 * clock.install(); // probeNat's STUN timers run on the fake clock
 * try {
 *   const { report } = await clock.run(probeNat({ server: stun.primary, sockets: site.hosts[0]!.sockets }));
 *   console.log(report.mapping); // 'address-and-port-dependent'
 * } finally {
 *   clock.uninstall();
 * }
 * ```
 */
export { FakeClock, FakeClockError } from './fake-clock.js';
export type { Clock } from './fake-clock.js';
export { SimError } from './errors.js';
export type { SimErrorCode } from './errors.js';
export {
  ACCEPTING_SHARE,
  expectedReport,
  grantsPortMapping,
  isPresetName,
  PRESET_NAMES,
  PRESETS,
  weightWithAccepting,
} from './presets.js';
export type { ExpectedReport, NatLayer, Preset, PresetName } from './presets.js';
export { SeededRandom } from './seeded-random.js';
export { SimHost, SimNetwork } from './sim-network.js';
export type { Realm, SimHostOptions, SimNetworkOptions, SimSocket, SimStats } from './sim-network.js';
export { SimNat } from './sim-nat.js';
export type { SimNatOptions } from './sim-nat.js';
export { addSimSite, addSimStunServer } from './sim-site.js';
export type { SimSite, SimSiteOptions, SimStunServer } from './sim-site.js';
export { startRedisServer } from './redis-server.js';
export type { RedisServer } from './redis-server.js';
export { freePort, startHaproxy } from './haproxy.js';
export type { Haproxy, HaproxyOptions } from './haproxy.js';
export { roundTrip } from './round-trip.js';
export { startUdpRebinder } from './udp-rebinder.js';
export { startTcpHoldProxy } from './tcp-hold-proxy.js';
export type { TcpHoldProxy, TcpHoldProxyOptions } from './tcp-hold-proxy.js';
export { buildCClient, runCExample } from './c-client.js';
export type { CEvent, CExampleOptions, CProgram } from './c-client.js';
export { kvsExchange, openKvsWssViewer } from './kvs-wss-viewer.js';
export type { KvsWssViewerOptions } from './kvs-wss-viewer.js';
export type { UdpRebinder, UdpRebinderOptions } from './udp-rebinder.js';
export { kvsPresign } from './kvs-presign.js';
export type { KvsPresignOptions } from './kvs-presign.js';
export { CHROMIUM_ARGS, CHROMIUM_PATH, chromiumLaunchOptions } from './chromium.js';
export { C_SDK_MAX_MESSAGE_LEN, cSdkDial, cSdkFrame, cSdkPresign, cSdkReadProblems } from './kvs-c-sdk.js';
export type { CSdkIceServer, CSdkPresignOptions } from './kvs-c-sdk.js';
export * as seed003 from './seed-003.js';
