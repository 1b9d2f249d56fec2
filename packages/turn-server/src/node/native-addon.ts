/**
 * Loads the TURN data path's native addon (native/turn_relay.c, built by `npm run build`), and
 * decides which data path a server runs: `native` (the addon relays ChannelData), `js` (the
 * TypeScript path, always there), or `auto` (native when the addon loaded). A build that failed
 * leaves no addon: `auto` then runs the TypeScript path and says why (`NativeChoice.reason`).
 *
 * ```ts
 * const choice = chooseDataPath('auto');
 * if (choice.path === 'js' && choice.reason) log.warn(choice.reason);
 * ```
 */
import { createRequire } from 'node:module';
import { TurnError, TurnErrorCode } from '../engine/errors.js';

/** What the addon exports (see the C file for each function's contract). */
export interface TurnRelayAddon {
  /** `deliver` gets each datagram the C path does not relay. */
  init(
    deliver: (allocation: number, fromRelay: boolean, bytes: Buffer, address: string, port: number) => void,
  ): void;
  /** Binds the allocation's relay socket; 0, or the errno of the failure. `group`: whose counters. */
  openRelay(allocation: number, group: number, address: string, port: number): number;
  /** Binds the client's own socket on the TURN port and connects it; 0 or an errno. */
  attachClient(
    allocation: number,
    localAddress: string,
    localPort: number,
    clientAddress: string,
    clientPort: number,
  ): number;
  /** The allocation's permissions `[ip, expiresAt, ...]` and channels `[n, ip, port, expiresAt, ...]`. */
  sync(
    allocation: number,
    now: number,
    permissions: (string | number)[],
    channels: (string | number)[],
  ): void;
  /** Sends `bytes` out of the allocation's relay socket to a peer; 0 or an errno. */
  send(allocation: number, bytes: Uint8Array, address: string, port: number): number;
  /** The engine's clock now (expiry times are in it). */
  setNow(now: number): void;
  close(allocation: number): void;
  /** One group's counters (see {@link NATIVE_COUNTERS}); a group is one TURN server (0-63). */
  counters(group: number): number[];
}

/** The order of `counters()`. */
export const NATIVE_COUNTERS = [
  'toPeerPackets',
  'toPeerBytes',
  'toClientPackets',
  'toClientBytes',
  'sendFailed',
  'toJs',
  'wakeups',
  'received',
  'sockets',
] as const;

export type DataPath = 'native' | 'js' | 'auto';
export const DATA_PATHS: readonly DataPath[] = ['native', 'js', 'auto'];

let loaded: { addon: TurnRelayAddon } | { error: string } | undefined;

/** The addon, or why there is none; loaded once per process. */
export function loadTurnRelayAddon(): { addon: TurnRelayAddon } | { error: string } {
  if (loaded !== undefined) return loaded;
  // dist/src/node/ -> the package's build/Release (node-gyp's output).
  const path = new URL('../../../build/Release/turn_relay.node', import.meta.url).pathname;
  try {
    loaded = { addon: createRequire(import.meta.url)(path) as TurnRelayAddon };
  } catch (err) {
    loaded = { error: `${path}: ${(err as Error).message.split('\n')[0]}` };
  }
  return loaded;
}

export interface NativeChoice {
  readonly path: 'native' | 'js';
  readonly addon: TurnRelayAddon | undefined;
  /** Why `auto` fell back to the TypeScript path; undefined when nothing went wrong. */
  readonly reason: string | undefined;
}

/**
 * Which data path runs. `requested` unset: PEERLINK_TURN_DATA_PATH (the server option's
 * environment name, so that a test suite can run on either path), else `auto`. `native` without
 * the addon is an error: the operator asked for it.
 */
export function chooseDataPath(requested: DataPath | undefined): NativeChoice {
  const env = process.env.PEERLINK_TURN_DATA_PATH;
  const want = requested ?? (DATA_PATHS.includes(env as DataPath) ? (env as DataPath) : 'auto');
  if (want === 'js') return { path: 'js', addon: undefined, reason: undefined };
  const got = loadTurnRelayAddon();
  if ('addon' in got) return { path: 'native', addon: got.addon, reason: undefined };
  if (want === 'native') {
    throw new TurnError(TurnErrorCode.BadOption, `the native TURN data path did not load: ${got.error}`);
  }
  return {
    path: 'js',
    addon: undefined,
    reason: `the native TURN data path did not load (${got.error}); relaying in JavaScript`,
  };
}
