/**
 * The request bodies of the KVS control plane and of GetIceServerConfig, with the constraints AWS
 * documents for each member (Kinesis Video Streams API reference). Unknown members are ignored, as
 * AWS does. `readRequest` turns a body into a typed request or the InvalidArgumentException (or, for
 * a body that is not a JSON object, the SerializationException) AWS would answer.
 */
import { z } from 'zod';
import { kvsError, kvsOk, type KvsResult } from './errors.js';

const NAME = /^[a-zA-Z0-9_.-]{1,256}$/;
const ARN = /^arn:[a-z\d-]+:kinesisvideo:[a-z0-9-]+:[0-9]+:[a-z]+\/[a-zA-Z0-9_.-]+\/[0-9]+$/;
const TAG_TEXT = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

export const MAX_TAGS = 50;

const channelName = z.string().regex(NAME, 'must match [a-zA-Z0-9_.-]{1,256}');
const arn = z.string().max(1024).regex(ARN, 'must be a signaling channel ARN');
const version = z.string().regex(/^[a-zA-Z0-9]{1,64}$/, 'must match [a-zA-Z0-9]{1,64}');
const nextToken = z.string().regex(/^[a-zA-Z0-9+/=]{0,512}$/, 'must match [a-zA-Z0-9+/=]{0,512}');
const tagKey = z.string().min(1).max(128).regex(TAG_TEXT, 'has a character AWS does not allow in tags');
const tagValue = z.string().max(256).regex(TAG_TEXT, 'has a character AWS does not allow in tags');
/**
 * The tag that gives one channel its own viewer limit (AWS's API has no field for it; tags pass
 * through CreateSignalingChannel and TagResource unchanged): `peerlink:max-viewers` = 1 to 999999.
 */
export const MAX_VIEWERS_TAG = 'peerlink:max-viewers';
export const MAX_VIEWERS_VALUE = /^[1-9][0-9]{0,5}$/;
const tag = z
  .object({ Key: tagKey, Value: tagValue })
  .refine((t) => t.Key !== MAX_VIEWERS_TAG || MAX_VIEWERS_VALUE.test(t.Value), {
    message: `${MAX_VIEWERS_TAG} must be a whole number from 1 to 999999`,
    path: ['Value'],
  });
const tagList = z.array(tag).min(1).max(MAX_TAGS);
const singleMaster = z.object({ MessageTtlSeconds: z.number().int().min(5).max(120).optional() });

export const CreateRequest = z.object({
  ChannelName: channelName,
  ChannelType: z.enum(['SINGLE_MASTER', 'FULL_MESH']).optional(),
  SingleMasterConfiguration: singleMaster.optional(),
  Tags: z.array(tag).max(MAX_TAGS).optional(),
});

export const DescribeRequest = z.object({ ChannelARN: arn.optional(), ChannelName: channelName.optional() });

export const ListRequest = z.object({
  ChannelNameCondition: z
    .object({
      ComparisonOperator: z.literal('BEGINS_WITH').optional(),
      ComparisonValue: channelName.optional(),
    })
    .optional(),
  MaxResults: z.number().int().min(1).max(10_000).optional(),
  NextToken: nextToken.optional(),
});

export const UpdateRequest = z.object({
  ChannelARN: arn,
  CurrentVersion: version,
  SingleMasterConfiguration: singleMaster.optional(),
});

export const DeleteRequest = z.object({ ChannelARN: arn, CurrentVersion: version.optional() });

export const EndpointRequest = z.object({
  ChannelARN: arn,
  SingleMasterChannelEndpointConfiguration: z
    .object({
      Protocols: z
        .array(z.enum(['WSS', 'HTTPS', 'WEBRTC', 'QUIC']))
        .min(1)
        .max(5)
        .optional(),
      Role: z.enum(['MASTER', 'VIEWER']).optional(),
    })
    .optional(),
});

export const TagRequest = z.object({ ResourceARN: arn, Tags: tagList });
export const UntagRequest = z.object({ ResourceARN: arn, TagKeyList: z.array(tagKey).min(1).max(MAX_TAGS) });
export const ListTagsRequest = z.object({ ResourceARN: arn, NextToken: nextToken.optional() });

const clientId = z.string().regex(NAME, 'must match [a-zA-Z0-9_.-]{1,256}');
export const IceConfigRequest = z.object({
  ChannelARN: arn,
  ClientId: clientId.optional(),
  Service: z.literal('TURN').optional(),
  Username: clientId.optional(),
});

/** Parses a body (JSON bytes) against a request schema. An empty body is an empty object. */
export function readRequest<S extends z.ZodType>(schema: S, body: Uint8Array): KvsResult<z.output<S>> {
  let json: unknown = {};
  if (body.length > 0) {
    try {
      json = JSON.parse(new TextDecoder().decode(body));
    } catch {
      return kvsError('SerializationException', 'the request body is not valid JSON');
    }
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    return kvsError('SerializationException', 'the request body must be a JSON object');
  const parsed = schema.safeParse(json);
  if (parsed.success) return kvsOk(parsed.data);
  const issue = parsed.error.issues[0];
  const at = issue?.path.join('.') || 'the request';
  return kvsError(
    'InvalidArgumentException',
    `1 validation error detected: Value at '${at}' failed to satisfy constraint: ${issue?.message ?? 'invalid'}`,
  );
}

/** One operation's handler: the body read against its schema, then `run` on the typed request. */
export function operation<S extends z.ZodType, C, T>(
  schema: S,
  run: (ctx: C, req: z.output<S>) => Promise<KvsResult<T>>,
): (ctx: C, body: Uint8Array) => Promise<KvsResult<T>> {
  return async (ctx, body) => {
    const req = readRequest(schema, body);
    return req.ok ? run(ctx, req.value) : req;
  };
}
