/**
 * TagResource, UntagResource and ListTagsForResource on signaling channels (AWS's paths are
 * capitalised: /TagResource ...). At most 50 tags a channel (TagsPerResourceExceededLimitException).
 * Tags do not change a channel's version, as on AWS.
 */
import { channelKey, findChannel, type ChannelRecord } from './channel-record.js';
import type { KvsControlContext } from './context.js';
import { kvsError, kvsOk, type KvsResult } from './errors.js';
import { ListTagsRequest, MAX_TAGS, operation, TagRequest, UntagRequest } from './requests.js';

/** Read-modify-write of a channel's tags; a concurrent write makes it read again (a few times). */
async function retag(
  ctx: KvsControlContext,
  arn: string,
  change: (tags: Map<string, string>) => void,
): Promise<KvsResult<Record<string, never>>> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const found = await findChannel(ctx.records, arn);
    if (!found.ok) return found;
    const rec = found.value;
    const tags = new Map(Object.entries(rec.tags));
    change(tags);
    if (tags.size > MAX_TAGS)
      return kvsError(
        'TagsPerResourceExceededLimitException',
        `a signaling channel has at most ${MAX_TAGS} tags`,
      );
    const next: ChannelRecord = { ...rec, tags: Object.fromEntries(tags) };
    if (await ctx.records.put(channelKey(rec.name), next, { ifMatch: rec })) return kvsOk({});
  }
  return kvsError('ClientLimitExceededException', `${arn} is being changed by other requests; try again`);
}

export const tagResource = operation(TagRequest, (ctx: KvsControlContext, req) =>
  retag(ctx, req.ResourceARN, (tags) => {
    for (const t of req.Tags) tags.set(t.Key, t.Value);
  }),
);

export const untagResource = operation(UntagRequest, (ctx: KvsControlContext, req) =>
  retag(ctx, req.ResourceARN, (tags) => {
    for (const k of req.TagKeyList) tags.delete(k);
  }),
);

export const listTagsForResource = operation(ListTagsRequest, async (ctx: KvsControlContext, req) => {
  const found = await findChannel(ctx.records, req.ResourceARN);
  // 50 tags at most: always one page, never a NextToken.
  return found.ok ? kvsOk({ Tags: { ...found.value.tags } }) : found;
});
