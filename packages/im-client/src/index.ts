/**
 * @peerlink/im-client: the IM call protocol (seed 003, docs/im-calls.md) for browsers and Node.
 * `ImSocket` is the /im socket (auth by first message, reconnect with backoff, frames queued while
 * down); it runs anywhere a WebSocket does. `ImPhone` and `ImCall` add calls over RTCPeerConnection
 * with the seed's media constraints and `network_stats` from getStats (browsers). The server serves
 * the browser bundle (esbuild, ESM) at `/im/call/im-client.js`.
 *
 * @example
 * ```ts
 * import { ImPhone, ImSocket } from '@peerlink/im-client';
 * const socket = new ImSocket({ url: 'wss://peerlink.example:8443/im', token: jwt });
 * const phone = new ImPhone({ socket });
 * phone.on('incoming', (call) => void call.answer());
 * const call = await phone.call('bob', 'video');
 * call.on('ended', (reason, duration) => console.log(reason, duration));
 * ```
 */
export { Emitter } from './emitter.js';
export { ImCall, type ImCallEvents, type ImCallState } from './im-call.js';
export { ImPhone, type ImPhoneEvents, type ImPhoneOptions } from './im-phone.js';
export {
  ImSocket,
  type ImFrame,
  type ImSocketEvents,
  type ImSocketOptions,
  type ImSocketState,
  type WebSocketFactory,
  type WebSocketLike,
} from './im-socket.js';
export { mediaConstraints, networkStats, offerConstraints, openMedia, quality } from './media.js';
export type { CallType, NetworkStats } from './media.js';
export { FINAL_CLOSE_CODES, reconnectDelay, type ReconnectOptions } from './reconnect.js';
