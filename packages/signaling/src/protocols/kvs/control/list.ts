/**
 * ListSignalingChannels: channels in name order, optionally those whose name BEGINS_WITH a value,
 * MaxResults at a time (default and most 10,000, as AWS allows). NextToken is opaque to clients: the
 * base64 of the last name returned, so a page goes on after it whatever was created or deleted since.
 */
import { channelInfo, CHANNEL_PREFIX, type ChannelRecord } from './channel-record.js';
import type { KvsControlContext } from './context.js';
import { kvsError, kvsOk } from './errors.js';
import { ListRequest, operation } from './requests.js';

/** How many records one DurableRecords.list call asks for. */
const PAGE = 500;

export const listSignalingChannels = operation(ListRequest, async (ctx: KvsControlContext, req) => {
  const { ChannelNameCondition, MaxResults = 10_000, NextToken } = req;
  const prefix = CHANNEL_PREFIX + (ChannelNameCondition?.ComparisonValue ?? '');
  let after: string | undefined;
  if (NextToken !== undefined && NextToken !== '') {
    const name = Buffer.from(NextToken, 'base64').toString('utf8');
    if (!(CHANNEL_PREFIX + name).startsWith(prefix) || Buffer.from(name).toString('base64') !== NextToken)
      return kvsError('InvalidArgumentException', 'NextToken is not one this listing returned');
    after = CHANNEL_PREFIX + name;
  }
  const found: ChannelRecord[] = [];
  // One more than asked for tells whether a next page exists.
  while (found.length <= MaxResults) {
    const limit = Math.min(PAGE, MaxResults + 1 - found.length);
    const page = await ctx.records.list<ChannelRecord>(
      prefix,
      after === undefined ? { limit } : { after, limit },
    );
    found.push(...page.map((p) => p.rec));
    if (page.length < limit) break;
    after = page[page.length - 1]?.key;
  }
  const shown = found.slice(0, MaxResults);
  const last = shown[shown.length - 1];
  return kvsOk({
    ChannelInfoList: shown.map(channelInfo),
    ...(found.length > MaxResults && last ? { NextToken: Buffer.from(last.name).toString('base64') } : {}),
  });
});
