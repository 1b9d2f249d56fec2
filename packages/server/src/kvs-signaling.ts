/**
 * Composition of KVS signaling at `/kvs`: the KvsEngine on the signaling core, admitted by SigV4
 * presigned URLs checked against the access keys peerlink issued (or, over QUIC, a KVS join token), channels read from the durable
 * records the control plane writes, and its Prometheus counters.
 */
import {
  KvsEngine,
  channelByArn,
  channelByName,
  verifyKvsToken,
  presignedRequestOf,
  type DurableRecords,
  type KvsOptions,
  type Router,
  type SigV4Verifier,
} from '@peerlink/signaling';
import { Counter, type Registry } from 'prom-client';

export interface KvsSignalingOptions {
  readonly registry: Registry;
  readonly router: Router;
  readonly records: DurableRecords;
  readonly verifier: SigV4Verifier;
  /** Checks KVS join tokens (`peerlink token --channel`), the QUIC carrier's JOIN. */
  readonly authSecret: string;
  readonly options?: Partial<KvsOptions>;
}

export function kvsSignaling(o: KvsSignalingOptions): KvsEngine {
  const reg = [o.registry];
  const forwarded = new Counter({
    name: 'peerlink_kvs_messages_total',
    help: 'KVS signaling messages forwarded (or held for an absent master), by action',
    labelNames: ['action'],
    registers: reg,
  });
  const refused = new Counter({
    name: 'peerlink_kvs_refused_total',
    help: 'KVS signaling messages refused, by AWS error type and reason (a STATUS_RESPONSE when they carried a CorrelationId, else a drop)',
    labelNames: ['error_type', 'reason'],
    registers: reg,
  });
  return new KvsEngine({
    router: o.router,
    verify: (meta, now) => o.verifier.verifyPresigned(presignedRequestOf(meta), now),
    channelByArn: channelByArn(o.records),
    tokens: {
      verifyToken: (token, now) => verifyKvsToken(o.authSecret, token, Math.floor(now / 1000)),
      channelByName: channelByName(o.records),
    },
    ...(o.options ? { options: o.options } : {}),
    observer: {
      forwarded: (action) => forwarded.inc({ action }),
      refused: (errorType, reason) => refused.inc({ error_type: errorType, reason }),
    },
  });
}
