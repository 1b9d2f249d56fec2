/**
 * The IM HTTP routes, authenticated with the same JWTs as `/im` (`Authorization: Bearer <jwt>`):
 * `GET /im/ice-servers`, ICE servers with fresh TURN REST credentials for the user's
 * RTCPeerConnection, and `GET /im/calls?limit=&before=`, the user's call history, newest first.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { CallHistory, ImTokenVerifier, TurnServerGrant } from '@peerlink/signaling';

export interface ImRoutes {
  readonly verify: ImTokenVerifier;
  readonly history: CallHistory;
  /** TURN grants for a user, on the host the request came by. */
  readonly turn: (user: string, hostHeader: string | undefined) => TurnServerGrant[];
  /** `stun:host:port` for the same host. */
  readonly stun: (hostHeader: string | undefined) => string;
  /** Seconds the credentials are good for. */
  readonly ttlSeconds: number;
}

async function user(
  req: FastifyRequest,
  reply: FastifyReply,
  verify: ImTokenVerifier,
): Promise<string | undefined> {
  const m = /^Bearer (\S+)$/i.exec(req.headers.authorization ?? '');
  const r = m ? await verify(m[1] as string) : { ok: false as const, reason: 'no bearer token' };
  if (r.ok) return r.sub;
  void reply
    .code(401)
    .header('www-authenticate', 'Bearer')
    .send({ error_code: 'UNAUTHORIZED', error_message: r.reason });
  return undefined;
}

export function registerImRoutes(app: FastifyInstance, o: ImRoutes): void {
  app.get('/im/ice-servers', async (req, reply) => {
    const sub = await user(req, reply, o.verify);
    if (sub === undefined) return reply;
    const turn = o.turn(sub, req.headers.host);
    return {
      ice_servers: [
        { urls: [o.stun(req.headers.host)] },
        ...turn.map((t) => ({ urls: t.uris, username: t.username, credential: t.password })),
      ],
      ttl: o.ttlSeconds,
    };
  });
  app.get<{ Querystring: { limit?: string; before?: string } }>('/im/calls', async (req, reply) => {
    const sub = await user(req, reply, o.verify);
    if (sub === undefined) return reply;
    const limit = req.query.limit === undefined ? undefined : Number(req.query.limit);
    if (limit !== undefined && !(Number.isInteger(limit) && limit >= 1 && limit <= 100))
      return reply.code(400).send({ error_code: 'BAD_REQUEST', error_message: 'limit: 1 to 100' });
    return o.history.list(sub, {
      ...(limit !== undefined && { limit }),
      ...(req.query.before !== undefined && { before: req.query.before }),
    });
  });
}
