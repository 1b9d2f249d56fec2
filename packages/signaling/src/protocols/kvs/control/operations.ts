/**
 * The KVS control plane by request path, as the SDKs call it (`POST /createSignalingChannel` ...; the
 * tagging operations are capitalised), for a carrier that routes them all alike.
 *
 * @example
 * ```ts
 * const result = await handleKvsControl('/describeSignalingChannel', body, { records, now: Date.now(), region, account, endpoints });
 * if (!result.ok) reply.status(result.error.status).header('x-amzn-ErrorType', result.error.type);
 * ```
 */
import {
  createSignalingChannel,
  deleteSignalingChannel,
  describeSignalingChannel,
  updateSignalingChannel,
} from './channels.js';
import type { KvsControlContext } from './context.js';
import { getSignalingChannelEndpoint, type KvsEndpoints } from './endpoint.js';
import { guardStore, type KvsResult } from './errors.js';
import { listSignalingChannels } from './list.js';
import { listTagsForResource, tagResource, untagResource } from './tags.js';

type Handler = (
  ctx: KvsControlContext & { endpoints: KvsEndpoints },
  body: Uint8Array,
) => Promise<KvsResult<object>>;

const OPERATIONS = {
  '/createSignalingChannel': createSignalingChannel,
  '/describeSignalingChannel': describeSignalingChannel,
  '/listSignalingChannels': listSignalingChannels,
  '/updateSignalingChannel': updateSignalingChannel,
  '/deleteSignalingChannel': deleteSignalingChannel,
  '/getSignalingChannelEndpoint': getSignalingChannelEndpoint,
  '/TagResource': tagResource,
  '/UntagResource': untagResource,
  '/ListTagsForResource': listTagsForResource,
} satisfies Record<string, Handler>;

export type KvsControlPath = keyof typeof OPERATIONS;
export const KVS_CONTROL_PATHS = Object.keys(OPERATIONS) as KvsControlPath[];

export function handleKvsControl(
  path: KvsControlPath,
  body: Uint8Array,
  ctx: KvsControlContext & { endpoints: KvsEndpoints },
): Promise<KvsResult<object>> {
  const op: Handler = OPERATIONS[path];
  return guardStore(() => op(ctx, body));
}
