/**
 * A reload (SIGHUP, `POST /admin/reload`): the configuration is read again (flags and environment as
 * started, the config file and the data dir's secrets as they are now), what can change live is put
 * in force, and what needs a restart is named. When the ICE configuration clients are handed changed
 * (the TURN secret that mints credentials, or --ice-server), every KVS client is sent
 * RECONNECT_ICE_SERVER so it fetches fresh credentials.
 */
import type { ServeConfig } from '../config/load-config.js';
import type { IceSettings, IceValues } from '../ice-settings.js';
import { configChanges, LIVE_OPTIONS } from './config-diff.js';

export interface ReloadReport {
  /** Options that changed and are in force now. */
  readonly applied: string[];
  /** Options that changed in the file or environment but wait for a restart. */
  readonly restartRequired: string[];
  /** Whether the ICE configuration handed to clients changed. */
  readonly iceChanged: boolean;
  /** KVS clients sent RECONNECT_ICE_SERVER. */
  readonly reconnectIceServer: number;
}

export interface ReloadDeps {
  /** The configuration now in force. */
  readonly current: () => ServeConfig;
  /** Reads the configuration again; throws (a ServerError) when it no longer parses. */
  readonly read: () => ServeConfig;
  /** The TURN secrets in force for `config` (its --turn-secret, else the data dir's, read again). */
  readonly iceValues: (config: ServeConfig) => IceValues;
  readonly ice: IceSettings;
  /** Puts the live options in force (TURN's accepted secrets, the log level); `before` was in force. */
  readonly apply: (config: ServeConfig, before: ServeConfig) => void;
  /** RECONNECT_ICE_SERVER to every KVS client; returns how many. */
  readonly reconnectIceServers: () => number;
  /** Keeps `config` as the one in force. */
  readonly commit: (config: ServeConfig) => void;
}

export function reloadConfig(d: ReloadDeps): ReloadReport {
  const next = d.read();
  const current = d.current();
  const changes = configChanges(current, next);
  // What is in force from now on: the live options as read, everything else as it was started.
  const inForce: ServeConfig = { ...current };
  for (const key of LIVE_OPTIONS) (inForce as unknown as Record<string, unknown>)[key] = next[key];
  const values = d.iceValues(inForce);
  const secretsBefore = d.ice.turnSecrets.join('\n');
  const iceChanged = d.ice.replace(values);
  d.apply(inForce, current);
  d.commit(inForce);
  const applied = [...changes.live];
  // A secret rotated in the data dir's secrets.json is not an option, but it is applied all the same.
  if (secretsBefore !== values.turnSecrets.join('\n') && !applied.includes('turn-secret'))
    applied.push('turn-secret (data dir)');
  return {
    applied,
    restartRequired: changes.restart,
    iceChanged,
    reconnectIceServer: iceChanged ? d.reconnectIceServers() : 0,
  };
}
