/**
 * What a reload may apply without a restart, and what it cannot: the old and the new configuration
 * compared option by option. Pure.
 */
import type { ServeConfig } from '../config/load-config.js';

/** Options a reload puts in force at once (by their ServeConfig key). */
export const LIVE_OPTIONS: ReadonlySet<keyof ServeConfig> = new Set<keyof ServeConfig>([
  'turnSecrets',
  'iceServers',
  'logLevel',
]);

/** ServeConfig keys whose option name is not their kebab-case (repeatable options are singular). */
const OPTION_NAMES: Partial<Record<keyof ServeConfig, string>> = {
  turnSecrets: 'turn-secret',
  turnUsers: 'turn-user',
  iceServers: 'ice-server',
  relayIps: 'relay-ip',
  trustedProxies: 'trusted-proxy',
  allowPeers: 'allow-peer',
  maxBps: 'max-bps',
};

export function optionName(key: keyof ServeConfig): string {
  return OPTION_NAMES[key] ?? key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** A value in a comparable form: Maps as their entries, the rest as JSON. */
function canonical(v: unknown): string {
  return JSON.stringify(v instanceof Map ? [...(v as Map<unknown, unknown>).entries()] : v) ?? 'undefined';
}

export interface ConfigChanges {
  /** Option names that changed and are applied now. */
  readonly live: string[];
  /** Option names that changed but take effect only after a restart. */
  readonly restart: string[];
}

export function configChanges(before: ServeConfig, after: ServeConfig): ConfigChanges {
  const live: string[] = [];
  const restart: string[] = [];
  for (const key of Object.keys(after) as (keyof ServeConfig)[]) {
    if (key === 'sources') continue;
    if (canonical(before[key]) === canonical(after[key])) continue;
    (LIVE_OPTIONS.has(key) ? live : restart).push(optionName(key));
  }
  return { live, restart };
}
