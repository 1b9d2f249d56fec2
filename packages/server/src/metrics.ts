/**
 * Prometheus metrics. One registry per server instance (not prom-client's global), so several
 * servers in one process (tests) do not collide. Names: `peerlink_<area>_<what>_<unit>`.
 */
import { Counter, Registry, collectDefaultMetrics } from 'prom-client';

export interface ServerMetrics {
  readonly registry: Registry;
  readonly stunRequests: Counter<'transport'>;
  readonly stunResponses: Counter<'transport' | 'class'>;
  readonly stunDropped: Counter<'transport' | 'reason'>;
  readonly socketErrors: Counter<'component'>;
  readonly httpRequests: Counter<'route' | 'status'>;
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
  };
}
