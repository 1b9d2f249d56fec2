/**
 * Prometheus metrics. One registry per server instance (not prom-client's global), so several
 * servers in one process (tests) do not collide. Names: `peerlink_<area>_<what>_<unit>`.
 */
import type { RelayedCounts } from '@peerlink/turn-server';
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';

export interface ServerMetrics {
  readonly registry: Registry;
  readonly stunRequests: Counter<'transport'>;
  readonly stunResponses: Counter<'transport' | 'class'>;
  readonly stunDropped: Counter<'transport' | 'reason'>;
  readonly socketErrors: Counter<'component'>;
  readonly httpRequests: Counter<'route' | 'status'>;
  /** Connections from trusted proxies under --proxy-protocol, by what their PROXY header did. */
  readonly proxyHeaders: Counter<'outcome'>;
  /** Reloads (SIGHUP, POST /admin/reload) by outcome: ok or failed. */
  readonly reloads: Counter<'outcome'>;
  /** Admin API requests refused for a missing or wrong token. */
  readonly adminRefused: Counter;
  readonly turn: TurnMetrics;
}

/** TURN (issue #4): counters fed by the engine's events, gauges set from its stats on each scrape. */
export interface TurnMetrics {
  readonly requests: Counter<'method'>;
  readonly responses: Counter<'method' | 'code'>;
  readonly relayedPackets: Counter<'direction'>;
  readonly relayedBytes: Counter<'direction'>;
  /**
   * Brings the two counters above up to the TURN server's own plain counts (`NodeTurnRelays.
   * relayed()`), at scrape time: the data path counts in numbers, not in an event per packet.
   */
  syncRelayed(counts: RelayedCounts): void;
  readonly authFailures: Counter<'reason'>;
  readonly dropped: Counter<'reason'>;
  readonly allocationChanges: Counter<'change'>;
  readonly allocations: Gauge;
  readonly permissions: Gauge;
  readonly channels: Gauge;
}

function turnMetrics(registry: Registry): TurnMetrics {
  const counter = <L extends string>(name: string, help: string, labelNames: L[]): Counter<L> =>
    new Counter({ name: `peerlink_turn_${name}`, help, labelNames, registers: [registry] });
  const gauge = (name: string, help: string): Gauge =>
    new Gauge({ name: `peerlink_turn_${name}`, help, registers: [registry] });
  const relayedPackets = counter('relayed_packets_total', 'Packets relayed, to-peer or to-client', [
    'direction',
  ]);
  const relayedBytes = counter('relayed_bytes_total', 'Payload bytes relayed, to-peer or to-client', [
    'direction',
  ]);
  const seen = { 'to-peer': { packets: 0, bytes: 0 }, 'to-client': { packets: 0, bytes: 0 } };
  const syncRelayed = (counts: RelayedCounts): void => {
    for (const direction of ['to-peer', 'to-client'] as const) {
      const now = counts[direction];
      const was = seen[direction];
      if (now.packets > was.packets) relayedPackets.inc({ direction }, now.packets - was.packets);
      if (now.bytes > was.bytes) relayedBytes.inc({ direction }, now.bytes - was.bytes);
      seen[direction] = { packets: now.packets, bytes: now.bytes };
    }
  };
  return {
    requests: counter('requests_total', 'TURN requests received, by method', ['method']),
    responses: counter('responses_total', 'TURN responses sent, by method and code (200 = success)', [
      'method',
      'code',
    ]),
    relayedPackets,
    relayedBytes,
    syncRelayed,
    authFailures: counter('auth_failures_total', 'Requests failing authentication, by reason', ['reason']),
    dropped: counter('dropped_total', 'TURN input dropped without an answer, by reason', ['reason']),
    allocationChanges: counter('allocation_changes_total', 'Allocations created, deleted, expired', [
      'change',
    ]),
    allocations: gauge('allocations', 'Allocations open now'),
    permissions: gauge('permissions', 'Permissions installed now'),
    channels: gauge('channels', 'Channels bound now'),
  };
}

export function createMetrics(): ServerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'peerlink_' });
  return {
    registry,
    stunRequests: new Counter({
      name: 'peerlink_stun_requests_total',
      help: 'STUN Binding requests answered',
      labelNames: ['transport'],
      registers: [registry],
    }),
    stunResponses: new Counter({
      name: 'peerlink_stun_responses_total',
      help: 'STUN responses sent, by class',
      labelNames: ['transport', 'class'],
      registers: [registry],
    }),
    stunDropped: new Counter({
      name: 'peerlink_stun_dropped_total',
      help: 'STUN input dropped without an answer, by reason',
      labelNames: ['transport', 'reason'],
      registers: [registry],
    }),
    socketErrors: new Counter({
      name: 'peerlink_socket_errors_total',
      help: 'Socket-level errors survived, by component',
      labelNames: ['component'],
      registers: [registry],
    }),
    httpRequests: new Counter({
      name: 'peerlink_http_requests_total',
      help: 'HTTP requests by route and status',
      labelNames: ['route', 'status'],
      registers: [registry],
    }),
    proxyHeaders: new Counter({
      name: 'peerlink_proxy_headers_total',
      help: 'PROXY protocol headers from trusted proxies: proxied, local, or refused (invalid, too-long, timeout, closed)',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    reloads: new Counter({
      name: 'peerlink_config_reloads_total',
      help: 'configuration reloads (SIGHUP or POST /admin/reload), by outcome: ok or failed',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    adminRefused: new Counter({
      name: 'peerlink_admin_refused_total',
      help: 'admin API requests refused for a missing or wrong token',
      registers: [registry],
    }),
    turn: turnMetrics(registry),
  };
}
