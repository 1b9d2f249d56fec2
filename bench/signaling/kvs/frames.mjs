// What the KVS load generator sends and reads, for each server under test: peerlink's /kvs (URLs
// presigned with an access key, frames as the KVS JS SDK writes them) and the trivial forwarder
// (the same frames and payloads, routed by id with no auth). Payloads are base64 of JSON, as KVS's are;
// each starts with a fixed-width head carrying the send time and the intended recipient, so a receiver
// decodes 64 characters rather than the whole SDP to time and check a message.
import { kvsPresign } from '@peerlink/testing';

export const REGION = 'us-west-2';
const HEAD_BYTES = 48; // a multiple of 3: its base64 joins the tail's without padding
const HEAD_CHARS = (HEAD_BYTES / 3) * 4;

export const masterId = (ch) => `c${ch}`;
export const viewerId = (ch, v) => `c${ch}v${v}`;

/** A payload of about `bytes` (before base64) for `to`: head (time, recipient) + a precomputed tail. */
export function payloadMaker(kind, bytes) {
  const filler = kind === 'candidate' ? 'candidate:1 1 udp 2122260223 192.0.2.1 54321 typ host ' : 'a=x\r\n';
  const body = filler.repeat(Math.ceil(bytes / filler.length)).slice(0, Math.max(0, bytes - HEAD_BYTES - 20));
  const tail = Buffer.from(`"type":"${kind}","x":${JSON.stringify(body)}}`).toString('base64');
  return (to, t) => {
    const head = `{"t":${t.toFixed(3)},"to":"${to}",`;
    if (head.length > HEAD_BYTES) throw new Error(`id too long for the payload head: ${to}`);
    return Buffer.from(head.padEnd(HEAD_BYTES)).toString('base64') + tail;
  };
}

/** The send time and recipient a payload carries, or undefined when it is not one of ours. */
export function readPayload(b64) {
  const m = /^\{"t":([\d.]+),"to":"([^"]*)",/.exec(
    Buffer.from(b64.slice(0, HEAD_CHARS), 'base64').toString(),
  );
  return m ? { t: Number(m[1]), to: m[2] } : undefined;
}

const frame = (action, recipient, payload) =>
  `{"action":"${action}","recipientClientId":"${recipient}","messagePayload":"${payload}"}`;

export const protocols = {
  peerlink: {
    masterUrl: (base, ch, setup) => presign(base, setup, { 'X-Amz-ChannelARN': setup.arns[ch] }),
    viewerUrl: (base, ch, v, setup) =>
      presign(base, setup, { 'X-Amz-ChannelARN': setup.arns[ch], 'X-Amz-ClientId': viewerId(ch, v) }),
    /** A viewer's frame: the server adds senderClientId and takes it to the channel's master. */
    fromViewer: (action, _me, payload) => frame(action, '', payload),
    fromMaster: (action, to, payload) => frame(action, to, payload),
    /**
     * Resolves once the master's connection is registered (its presence stored), so no viewer frame
     * races it into the mailbox: a frame to nobody with a CorrelationId comes back as a STATUS_RESPONSE
     * only after the server has opened the connection.
     */
    ready: (ws) =>
      new Promise((resolve) => {
        const on = (data) => {
          if (!data.toString().includes('"STATUS_RESPONSE"')) return;
          ws.off('message', on);
          resolve();
        };
        ws.on('message', on);
        ws.send(
          `{"action":"ICE_CANDIDATE","recipientClientId":"nobody","messagePayload":"e30=","correlationId":"ready"}`,
        );
      }),
  },
  trivial: {
    masterUrl: (base, ch) => `${base}/?id=${masterId(ch)}&role=master`,
    viewerUrl: (base, ch, v) => `${base}/?id=${viewerId(ch, v)}&to=${masterId(ch)}`,
    /** What peerlink delivers to a master, sent as is (the forwarder changes nothing). */
    fromViewer: (action, me, payload) =>
      `{"senderClientId":"${me}","messageType":"${action}","messagePayload":"${payload}"}`,
    fromMaster: (action, to, payload) => frame(action, to, payload),
    ready: async () => {},
  },
};

function presign(base, setup, query) {
  return kvsPresign({
    endpoint: `${base}/kvs`,
    accessKeyId: setup.key.AccessKeyId,
    secret: setup.key.SecretAccessKey,
    region: REGION,
    query,
  });
}
