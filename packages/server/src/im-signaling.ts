/**
 * Composition of the IM call protocol at `/im`: the ImProtocol on the shared signaling core and
 * router, JWT checking (HS256 --jwt-secret, RS256/ES256 --jwks-url), the call policy and offline
 * hooks as HTTP POSTs, call history in the durable records, and its Prometheus metrics.
 */
import { randomBytes } from 'node:crypto';
import {
  DurableCallHistory,
  ImProtocol,
  createImTokenVerifier,
  type CallPolicy,
  type DurableRecords,
  type ImTokenVerifier,
  type OfflineCall,
  type Router,
} from '@peerlink/signaling';
import type { Logger } from 'pino';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { ServeConfig } from './config/load-config.js';

/** How long the policy service may take before the call fails with server_error. */
const POLICY_TIMEOUT_MS = 3000;

export interface ImSignalingOptions {
  readonly config: ServeConfig['im'];
  readonly registry: Registry;
  readonly records: DurableRecords;
  readonly logger: Logger;
}

export interface ImSignaling {
  /** The protocol for the core, once the router exists. */
  protocol(router: Router): ImProtocol;
  readonly verify: ImTokenVerifier;
  readonly history: DurableCallHistory;
  /** The secret `POST /im/dev-login` signs with; undefined when dev login is off. */
  readonly devLoginSecret: string | undefined;
}

/** Whether /im is served: it needs a way to check tokens (dev login brings its own secret). */
export const imEnabled = (c: ServeConfig['im']): boolean =>
  c.jwtSecret !== undefined || c.jwksUrl !== undefined || c.devLogin;

export function imSignaling(o: ImSignalingOptions): ImSignaling {
  const c = o.config;
  // Dev login without --jwt-secret: a secret of this process (tokens do not survive a restart).
  const secret = c.jwtSecret ?? (c.devLogin ? randomBytes(32).toString('base64url') : undefined);
  const verify = createImTokenVerifier({ secret, jwksUrl: c.jwksUrl });
  const history = new DurableCallHistory(o.records);
  const reg = [o.registry];
  const messages = new Counter({
    name: 'peerlink_im_messages_total',
    help: 'IM call frames accepted from clients, by type',
    labelNames: ['type'],
    registers: reg,
  });
  const refused = new Counter({
    name: 'peerlink_im_refused_total',
    help: 'IM frames refused with call.error, by error_code',
    labelNames: ['code'],
    registers: reg,
  });
  const ended = new Counter({
    name: 'peerlink_im_calls_ended_total',
    help: 'IM calls ended, by reason',
    labelNames: ['reason'],
    registers: reg,
  });
  const setup = new Histogram({
    name: 'peerlink_im_setup_seconds',
    help: 'IM call set-up: from the offer to the first ring, the answer, and connected',
    labelNames: ['stage'],
    buckets: [0.005, 0.01, 0.05, 0.1, 0.5, 1, 2, 5, 10, 30],
    registers: reg,
  });
  const duration = new Histogram({
    name: 'peerlink_im_call_duration_seconds',
    help: 'IM call durations (answer to end)',
    buckets: [5, 30, 60, 300, 900, 3600],
    registers: reg,
  });
  const stat = (name: string, help: string, buckets: number[]) =>
    new Histogram({ name, help, buckets, registers: reg });
  const loss = stat(
    'peerlink_im_packet_loss_ratio',
    'packet_loss reported in call.status',
    [0.001, 0.01, 0.02, 0.05, 0.1, 0.2],
  );
  const jitter = stat(
    'peerlink_im_jitter_ms',
    'jitter (ms) reported in call.status',
    [1, 5, 10, 20, 50, 100],
  );
  const rtt = stat(
    'peerlink_im_rtt_ms',
    'rtt (ms) reported in call.status',
    [10, 25, 50, 100, 200, 400, 1000],
  );
  let engine: ImProtocol | undefined;
  new Gauge({
    name: 'peerlink_im_calls',
    help: 'IM calls held by this node (ringing or in progress)',
    registers: reg,
    collect() {
      this.set(engine?.engine.stats().calls ?? 0);
    },
  });
  new Gauge({
    name: 'peerlink_im_devices',
    help: 'IM devices connected to this node',
    registers: reg,
    collect() {
      this.set(engine?.engine.stats().devices ?? 0);
    },
  });
  const post = (url: string, body: unknown): Promise<Response> =>
    fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(POLICY_TIMEOUT_MS),
    });
  const policyUrl = c.callPolicyUrl;
  const policy: CallPolicy | undefined =
    policyUrl === undefined
      ? undefined
      : async (req) => {
          const res = await post(policyUrl, req);
          if (!res.ok) throw new Error(`call policy answered ${res.status}`);
          return ((await res.json()) as { allow?: unknown }).allow === true;
        };
  const webhook = c.offlineWebhook;
  const notifyOffline = (call: OfflineCall): void => {
    if (webhook === undefined) return;
    post(webhook, call).catch((err: unknown) =>
      o.logger.warn({ err, call: call.call_id }, 'offline webhook failed'),
    );
  };
  return {
    verify,
    history,
    devLoginSecret: c.devLogin ? secret : undefined,
    protocol: (router) =>
      (engine = new ImProtocol({
        router,
        options: {
          ringTimeoutMs: c.ringTimeoutSeconds * 1000,
          graceMs: c.callGraceSeconds * 1000,
          messagesPerSecond: c.messageRate,
          messageBurst: c.messageRate * 4,
        },
        ...(policy && { policy }),
        notifyOffline,
        history,
        observer: {
          message: (type) => messages.inc({ type }),
          refused: (code) => refused.inc({ code }),
          ringing: (ms) => setup.observe({ stage: 'ringing' }, ms / 1000),
          answered: (ms) => setup.observe({ stage: 'answered' }, ms / 1000),
          connected: (ms) => setup.observe({ stage: 'connected' }, ms / 1000),
          ended: (reason, seconds) => {
            ended.inc({ reason });
            if (seconds > 0) duration.observe(seconds);
          },
          stats: (s) => {
            if (s.packet_loss !== undefined) loss.observe(s.packet_loss);
            if (s.jitter !== undefined) jitter.observe(s.jitter);
            if (s.rtt !== undefined) rtt.observe(s.rtt);
          },
        },
      })),
  };
}
