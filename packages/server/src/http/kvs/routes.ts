/**
 * The KVS HTTP API on a Fastify app: the control plane (`POST /createSignalingChannel` ...) and the
 * signaling data plane's `POST /v1/get-ice-server-config`, registered on both the HTTP and the HTTPS
 * app. Every request is SigV4-checked by the injected verifier over its raw body bytes (this scope
 * keeps bodies as bytes instead of parsing JSON), rate-limited per access key, then handed to the
 * pure handlers of @peerlink/signaling; answers and errors are AWS's restJson1 (aws-reply.ts).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  getIceServerConfig,
  handleKvsControl,
  KVS_CONTROL_PATHS,
  guardStore,
  kvsError,
  sigV4Error,
  type DurableRecords,
  type KvsEndpoints,
  type KvsResult,
  type SigV4Verifier,
  type TurnServerGrant,
} from '@peerlink/signaling';
import { sendAwsError, sendAwsOk, signedRequestOf } from './aws-reply.js';
import type { KvsRateLimiter } from './rate-limit.js';

export const ICE_CONFIG_PATH = '/v1/get-ice-server-config';
const SERVICE = 'kinesisvideo';
const REGION = /^[a-z0-9-]{1,50}$/;

export interface KvsHttpDeps {
  readonly records: DurableRecords;
  readonly verifier: SigV4Verifier;
  readonly now: () => number;
  /** The account id in the ARNs of channels created. */
  readonly accountId: string;
  /** What GetSignalingChannelEndpoint answers to a request that named this host. */
  readonly endpoints: (hostHeader: string | undefined) => KvsEndpoints;
  /** TURN servers and credentials for a client of a channel that named this host. */
  readonly iceServers: (
    who: { channel: string; user: string },
    hostHeader: string | undefined,
  ) => readonly TurnServerGrant[];
  readonly limiter: KvsRateLimiter;
  /** Told each answer: the operation (`createSignalingChannel` ...) and `ok` or the error type. */
  readonly onResult?: (operation: string, outcome: string) => void;
}

type Handle = (
  req: FastifyRequest,
  body: Uint8Array,
  auth: { accessKeyId: string; region: string },
) => Promise<KvsResult<object>>;

export function registerKvsRoutes(app: FastifyInstance, deps: KvsHttpDeps): void {
  const answer = async (req: FastifyRequest, reply: FastifyReply, operation: string, handle: Handle) => {
    const body = Buffer.isBuffer(req.body) ? new Uint8Array(req.body) : new Uint8Array(0);
    const result = await authenticated(req, body, deps, handle);
    deps.onResult?.(operation, result.ok ? 'ok' : result.error.type);
    return result.ok ? sendAwsOk(reply, result.value) : sendAwsError(reply, result.error);
  };
  void app.register(async (scope) => {
    // The signature covers the body's bytes: keep them, whatever the content type says.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, raw, done) => done(null, raw));
    for (const path of KVS_CONTROL_PATHS) {
      const operation = path.slice(1);
      scope.post(path, (req, reply) =>
        answer(req, reply, operation, (r, body, auth) =>
          handleKvsControl(path, body, {
            records: deps.records,
            now: deps.now(),
            region: auth.region,
            account: deps.accountId,
            endpoints: deps.endpoints(r.headers.host),
          }),
        ),
      );
    }
    scope.post(ICE_CONFIG_PATH, (req, reply) =>
      answer(req, reply, 'getIceServerConfig', (r, body) =>
        guardStore(() =>
          getIceServerConfig(
            { records: deps.records, iceServers: (who) => deps.iceServers(who, r.headers.host) },
            body,
          ),
        ),
      ),
    );
  });
}

async function authenticated(
  req: FastifyRequest,
  body: Uint8Array,
  deps: KvsHttpDeps,
  handle: Handle,
): Promise<KvsResult<object>> {
  const now = deps.now();
  const auth = await deps.verifier.verifyRequest(signedRequestOf(req, body), now);
  if (!auth.ok) return { ok: false, error: sigV4Error(auth.code, auth.message) };
  if (auth.service !== SERVICE)
    return kvsError(
      'InvalidSignatureException',
      `Credential should be scoped to correct service: '${SERVICE}'.`,
    );
  if (!REGION.test(auth.region))
    return kvsError(
      'InvalidSignatureException',
      `Credential should be scoped to a valid region, not '${auth.region}'.`,
    );
  if (!deps.limiter.take(auth.accessKeyId, now))
    return kvsError('ClientLimitExceededException', 'Too many requests for this access key; slow down');
  return handle(req, body, auth);
}
