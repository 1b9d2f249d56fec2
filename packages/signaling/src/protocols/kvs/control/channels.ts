/**
 * CreateSignalingChannel, DescribeSignalingChannel, UpdateSignalingChannel and DeleteSignalingChannel
 * over the DurableRecords, request and response shaped as AWS documents them. Only SINGLE_MASTER
 * channels exist; a channel is ACTIVE from creation until deletion (AWS passes through CREATING and
 * DELETING for a moment; clients poll until ACTIVE, which they see at once here).
 */
import { formatChannelArn } from '../arn.js';
import {
  channelInfo,
  channelKey,
  channelNotFound,
  channelRecordByArn,
  findChannel,
  newChannelRecord,
  randomVersion,
  type ChannelRecord,
} from './channel-record.js';
import type { KvsControlContext } from './context.js';
import { kvsError, kvsOk } from './errors.js';
import { CreateRequest, DeleteRequest, DescribeRequest, operation, UpdateRequest } from './requests.js';

export const DEFAULT_MESSAGE_TTL_SECONDS = 60;

export const createSignalingChannel = operation(CreateRequest, async (ctx: KvsControlContext, req) => {
  const { ChannelName: name, ChannelType, SingleMasterConfiguration, Tags } = req;
  if (ChannelType === 'FULL_MESH')
    return kvsError('InvalidArgumentException', 'only SINGLE_MASTER signaling channels are supported');
  const created = ctx.now;
  const rec = newChannelRecord({
    name,
    arn: formatChannelArn({ region: ctx.region, account: ctx.account, name, created }),
    created,
    version: (ctx.newVersion ?? randomVersion)(),
    messageTtlSeconds: SingleMasterConfiguration?.MessageTtlSeconds ?? DEFAULT_MESSAGE_TTL_SECONDS,
    tags: Object.fromEntries((Tags ?? []).map((t) => [t.Key, t.Value])),
  });
  if (!(await ctx.records.put(channelKey(name), rec, { ifAbsent: true })))
    return kvsError('ResourceInUseException', `The signaling channel ${name} already exists`);
  return kvsOk({ ChannelARN: rec.arn });
});

export const describeSignalingChannel = operation(DescribeRequest, async (ctx: KvsControlContext, req) => {
  const { ChannelARN, ChannelName } = req;
  let rec: ChannelRecord | undefined;
  if (ChannelARN !== undefined) {
    rec = await channelRecordByArn(ctx.records, ChannelARN);
    if (rec && ChannelName !== undefined && rec.name !== ChannelName)
      return kvsError('InvalidArgumentException', 'ChannelName and ChannelARN name different channels');
  } else if (ChannelName !== undefined) rec = await ctx.records.get<ChannelRecord>(channelKey(ChannelName));
  else return kvsError('InvalidArgumentException', 'ChannelName or ChannelARN is required');
  if (!rec) return channelNotFound(ChannelARN ?? ChannelName ?? '');
  return kvsOk({ ChannelInfo: channelInfo(rec) });
});

const versionMismatch = (rec: ChannelRecord, asked: string): ReturnType<typeof kvsError> =>
  kvsError('VersionMismatchException', `The version of ${rec.name} is not ${asked}; describe it again`);

export const updateSignalingChannel = operation(UpdateRequest, async (ctx: KvsControlContext, req) => {
  const found = await findChannel(ctx.records, req.ChannelARN);
  if (!found.ok) return found;
  const rec = found.value;
  if (rec.version !== req.CurrentVersion) return versionMismatch(rec, req.CurrentVersion);
  const next: ChannelRecord = {
    ...rec,
    version: (ctx.newVersion ?? randomVersion)(),
    messageTtlSeconds: req.SingleMasterConfiguration?.MessageTtlSeconds ?? rec.messageTtlSeconds,
  };
  // Another update between our read and this write changed the version the caller named.
  if (!(await ctx.records.put(channelKey(rec.name), next, { ifMatch: rec })))
    return versionMismatch(rec, req.CurrentVersion);
  return kvsOk({});
});

export const deleteSignalingChannel = operation(DeleteRequest, async (ctx: KvsControlContext, req) => {
  const found = await findChannel(ctx.records, req.ChannelARN);
  if (!found.ok) return found;
  const rec = found.value;
  if (req.CurrentVersion !== undefined && rec.version !== req.CurrentVersion)
    return versionMismatch(rec, req.CurrentVersion);
  // Only the record we read: a channel re-created under the same name meanwhile stays.
  if (!(await ctx.records.delete(channelKey(rec.name), { ifMatch: rec })))
    return channelNotFound(req.ChannelARN);
  return kvsOk({});
});
