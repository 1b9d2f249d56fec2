/**
 * A signaling channel as the control plane keeps it in the DurableRecords, under `kvs/channel/<name>`,
 * and the views of it that clients see: AWS's ChannelInfo, and the KvsChannel the WebSocket protocol
 * admits connections against.
 */
import { randomBytes } from 'node:crypto';
import type { DurableRecords } from '../../../store/durable.js';
import { RECORD_VERSION, type VersionedRecord } from '../../../store/records.js';
import { CHANNEL_NAME, parseChannelArn } from '../arn.js';
import type { KvsChannel } from '../options.js';
import { kvsError, kvsOk, type KvsControlError, type KvsResult } from './errors.js';
import { MAX_VIEWERS_TAG, MAX_VIEWERS_VALUE } from './requests.js';

export const CHANNEL_PREFIX = 'kvs/channel/';

export interface ChannelRecord extends VersionedRecord {
  readonly name: string;
  readonly arn: string;
  readonly type: 'SINGLE_MASTER';
  readonly status: 'ACTIVE';
  /** Creation time, ms since the epoch (also the ARN's last part). */
  readonly created: number;
  /** Changes on every update; UpdateSignalingChannel and DeleteSignalingChannel may demand it. */
  readonly version: string;
  /** How long undelivered messages live (AWS: 5 to 120 s, default 60). */
  readonly messageTtlSeconds: number;
  readonly tags: Readonly<Record<string, string>>;
}

/** AWS's ChannelInfo, as DescribeSignalingChannel and ListSignalingChannels return it. */
export interface ChannelInfo {
  readonly ChannelName: string;
  readonly ChannelARN: string;
  readonly ChannelType: 'SINGLE_MASTER';
  readonly ChannelStatus: 'ACTIVE';
  /** Seconds since the epoch: restJson1's default timestamp format. */
  readonly CreationTime: number;
  readonly SingleMasterConfiguration: { readonly MessageTtlSeconds: number };
  readonly Version: string;
}

export const channelKey = (name: string): string => `${CHANNEL_PREFIX}${name}`;

export function channelInfo(r: ChannelRecord): ChannelInfo {
  return {
    ChannelName: r.name,
    ChannelARN: r.arn,
    ChannelType: r.type,
    ChannelStatus: r.status,
    CreationTime: r.created / 1000,
    SingleMasterConfiguration: { MessageTtlSeconds: r.messageTtlSeconds },
    Version: r.version,
  };
}

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** A fresh channel version: 20 random alphanumerics, as AWS's look (pattern [a-zA-Z0-9]{1,64}). */
export function randomVersion(): string {
  return Array.from(randomBytes(20), (b) => ALPHANUMERIC[b % ALPHANUMERIC.length]).join('');
}

/** The channel an ARN names, when it exists: a channel deleted and created again has a new ARN. */
export async function channelRecordByArn(
  records: DurableRecords,
  arn: string,
): Promise<ChannelRecord | undefined> {
  const parsed = parseChannelArn(arn);
  if (!parsed) return undefined;
  const rec = await records.get<ChannelRecord>(channelKey(parsed.name));
  return rec?.arn === arn ? rec : undefined;
}

export const channelNotFound = (what: string): { ok: false; error: KvsControlError } =>
  kvsError('ResourceNotFoundException', `The requested channel is not found or not active: ${what}`);

/** The channel an ARN names, or AWS's ResourceNotFoundException (404). */
export async function findChannel(records: DurableRecords, arn: string): Promise<KvsResult<ChannelRecord>> {
  const rec = await channelRecordByArn(records, arn);
  return rec ? kvsOk(rec) : channelNotFound(arn);
}

function kvsChannelOf(rec: ChannelRecord | undefined): KvsChannel | undefined {
  if (!rec) return undefined;
  const maxViewers = channelMaxViewers(rec.tags);
  return {
    arn: rec.arn,
    name: rec.name,
    messageTtlSeconds: rec.messageTtlSeconds,
    ...(maxViewers !== undefined ? { maxViewers } : {}),
  };
}

/** What the KVS WebSocket protocol asks of the control plane (KvsEngineDeps.channelByArn). */
export function channelByArn(records: DurableRecords): (arn: string) => Promise<KvsChannel | undefined> {
  return async (arn) => kvsChannelOf(await channelRecordByArn(records, arn));
}

/** The same by name, for a client admitted by a KVS join token (KvsEngineDeps.tokens). */
export function channelByName(records: DurableRecords): (name: string) => Promise<KvsChannel | undefined> {
  return async (name) =>
    CHANNEL_NAME.test(name) ? kvsChannelOf(await records.get<ChannelRecord>(channelKey(name))) : undefined;
}

/** The channel's own viewer limit, from its `peerlink:max-viewers` tag. */
export function channelMaxViewers(tags: Readonly<Record<string, string>>): number | undefined {
  const v = tags[MAX_VIEWERS_TAG];
  return v !== undefined && MAX_VIEWERS_VALUE.test(v) ? Number(v) : undefined;
}

export function newChannelRecord(fields: Omit<ChannelRecord, 'v' | 'type' | 'status'>): ChannelRecord {
  return { v: RECORD_VERSION, type: 'SINGLE_MASTER', status: 'ACTIVE', ...fields };
}
