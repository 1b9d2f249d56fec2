/**
 * Composition of KVS signaling at `/kvs`: the KvsEngine on the signaling core, admitted by SigV4
 * presigned URLs checked against the access keys peerlink issued, channels read from the durable
 * records the control plane writes, and its Prometheus counters.
 */
import {
  KvsEngine,
  createSigV4Verifier,
  parseChannelArn,
  presignedRequestOf,
  type DurableRecords,
  type KvsChannel,
  type KvsOptions,
  type Router,
  type VersionedRecord,
} from '@peerlink/signaling';
import { Counter, type Registry } from 'prom-client';

export interface KvsSignalingOptions {
  readonly registry: Registry;
  readonly router: Router;
  readonly records: DurableRecords;
  readonly secretOf: (accessKeyId: string) => Promise<string | undefined>;
  readonly options?: Partial<KvsOptions>;
}

/** The control plane's channel record, as far as the WebSocket needs it. */
interface ChannelRecord extends VersionedRecord {
  readonly name: string;
  readonly arn: string;
  readonly maxViewers?: number;
}

/** The channel an ARN names, if it exists (its record is `kvs/channel/<name>`). */
export async function channelByArn(records: DurableRecords, arn: string): Promise<KvsChannel | undefined> {
  const parsed = parseChannelArn(arn);
  if (!parsed) return undefined;
  const rec = await records.get<ChannelRecord>(`kvs/channel/${parsed.name}`);
  if (!rec || rec.arn !== arn) return undefined;
  return rec.maxViewers === undefined
    ? { arn: rec.arn, name: rec.name }
    : { arn: rec.arn, name: rec.name, maxViewers: rec.maxViewers };
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
    help: 'KVS signaling messages refused, by AWS error type (a STATUS_RESPONSE when they carried a CorrelationId)',
    labelNames: ['error_type'],
    registers: reg,
  });
  const verifier = createSigV4Verifier({ secretOf: o.secretOf });
  return new KvsEngine({
    router: o.router,
    verify: (meta, now) => verifier.verifyPresigned(presignedRequestOf(meta), now),
    channelByArn: (arn) => channelByArn(o.records, arn),
    ...(o.options ? { options: o.options } : {}),
    observer: {
      forwarded: (action) => forwarded.inc({ action }),
      refused: (errorType) => refused.inc({ error_type: errorType }),
    },
  });
}
