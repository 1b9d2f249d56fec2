/**
 * @peerlink/lab: the NAT lab. Real kernel NATs (nftables) in network namespaces, link emulation
 * (tap-link delay + nftables loss), presets verified by `peerlink nat`, the expectation table and
 * the matrix runner. Runs as root; see docs/lab.md.
 *
 * @example
 * ```ts
 * import { buildTopology, startServer, verifySites } from '@peerlink/lab';
 * const topo = await buildTopology([{ preset: 'symmetric' }, { preset: 'cgnat' }]);
 * try {
 *   const server = await startServer(topo);
 *   console.log(await verifySites(topo.sites, server.stunUrl));
 * } finally {
 *   await topo.teardown();
 * }
 * ```
 */
export * from './addressing.js';
export { labMain, installSignalTeardown } from './cli.js';
export { connectAvailable, parseConnectEvents } from './connect-hooks.js';
export type { ConnectEvents } from './connect-hooks.js';
export { LabError } from './errors.js';
export type { LabErrorCode } from './errors.js';
export {
  expect,
  expectationMarkdown,
  expectationTable,
  isHard,
  maxWeightedDirectPct,
  maxWeightedDirectPctWithAccepting,
  acceptingWeight,
  presetPairs,
} from './expectations.js';
export type { Expectation, Method, Outcome } from './expectations.js';
export {
  checkCondition,
  conditionProblems,
  measureLink,
  measureSiteLinks,
  siteLinkProblems,
  NO_CONDITION,
  splitCondition,
  pingBetween,
  UDP_ECHO,
  summarise as summariseLink,
} from './link-check.js';
export type { LinkCondition, LinkMeasurement, PingResult, SiteLinkMeasurement } from './link-check.js';
export { CI_PAIR_GROUPS, CI_PAIRS, CI_PAIRS6, ciPairs, runMatrix, runPair } from './matrix.js';
export type { CiPairGroup, MatrixOptions, PairResult, PairStatus } from './matrix.js';
export { matrixMarkdown, summarise as summariseMatrix } from './matrix-report.js';
export type { MatrixSummary } from './matrix-report.js';
export { cleanStale, labNamespaces, NS_PREFIX } from './names.js';
export { routerRuleset } from './nft-rules.js';
export type { LinkLoss, RouterRules } from './nft-rules.js';
export { assertCanRun, missingNeeds } from './preconditions.js';
export { probeHost, verifySite, verifySites } from './probe.js';
export type { PresetVerdict } from './probe.js';
export { LAB_PEER_CIDRS, PEERLINK_BIN, serveSupports, startServer } from './server.js';
export type { LabServer } from './server.js';
export { buildTapLink, startTapLink } from './tap-link.js';
export { buildTopology, teardownAll } from './topology.js';
export type { LabHost, LabSite, SiteLink, SiteSpec, Topology } from './topology.js';
export { iceExpect, iceExpectationTable, iceMaxWeightedDirectPct } from './webrtc/ice-expectations.js';
export type { IceExpectation, IceMethod, IceOptions } from './webrtc/ice-expectations.js';
export { runWebrtcMatrix, WEBRTC_CI_PAIRS } from './webrtc/matrix.js';
export { summariseWebrtc, webrtcMarkdown } from './webrtc/report.js';
export { runSession } from './webrtc/session.js';
export type { SessionResult, SessionOptions } from './webrtc/session.js';
