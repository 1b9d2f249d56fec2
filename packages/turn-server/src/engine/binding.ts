/**
 * STUN Binding server engine (RFC 8489 §6.3, RFC 5780 §6). Sans-IO: it takes one received message and
 * the socket it arrived on, and returns the reply to send and the socket to send it from, or a counted
 * drop. No sockets, no clocks.
 *
 * RFC 5780 behaviour discovery needs the server on two IP addresses and two ports. Node cannot read a
 * datagram's destination address, so the adapter binds one socket per (address, port) pair and tells
 * the engine which of the four received the request: its `role`. CHANGE-REQUEST then picks the socket
 * to answer from by flipping the address and/or port part of that role.
 */
import {
  StunAttr,
  StunClass,
  StunMethod,
  decodeChangeRequest,
  decodeResponsePort,
  decodeStunMessage,
  encodeAddress,
  encodeErrorCode,
  encodeStunMessage,
  encodeText,
  encodeUnknownAttributes,
  encodeXorAddress,
  findAttribute,
  verifyFingerprint,
  type StunAttribute,
  type StunMessage,
  type TransportAddress,
} from '@peerlink/wire';
import { KNOWN_REQUEST_ATTRIBUTES } from './known-attributes.js';

/** Which of the server's (address, port) pairs a socket is bound to. */
export interface SocketRole {
  readonly ip: 'primary' | 'alternate';
  readonly port: 'primary' | 'alternate';
}

export const PRIMARY: SocketRole = { ip: 'primary', port: 'primary' };

export type StunTransport = 'udp' | 'tcp' | 'tls';

export interface BindingServerOptions {
  /** The server's four endpoints by role; `alternate` undefined when only one address is configured. */
  readonly primary: { readonly address: string; readonly port: number };
  readonly alternate?: { readonly address: string; readonly port: number } | undefined;
  /** SOFTWARE attribute text; omitted unless configured (it helps attackers fingerprint servers). */
  readonly software?: string | undefined;
}

export type DropReason = 'malformed' | 'not-request' | 'bad-fingerprint';

export type BindingOutcome =
  | {
      readonly kind: 'reply';
      readonly bytes: Uint8Array;
      readonly via: SocketRole;
      readonly to: TransportAddress;
    }
  | { readonly kind: 'drop'; readonly reason: DropReason }
  | { readonly kind: 'not-binding'; readonly message: StunMessage };

export interface BindingRequestContext {
  readonly from: TransportAddress;
  readonly via: SocketRole;
  readonly transport: StunTransport;
}

function familyOf(address: string): 4 | 6 {
  return address.includes(':') ? 6 : 4;
}

export class BindingServer {
  readonly #opts: BindingServerOptions;

  constructor(opts: BindingServerOptions) {
    this.#opts = opts;
  }

  /** The transport address of a role, as clients see it. */
  endpoint(role: SocketRole): TransportAddress {
    const { primary, alternate } = this.#opts;
    const ipSide = role.ip === 'alternate' && alternate ? alternate : primary;
    const portSide = role.port === 'alternate' && alternate ? alternate : primary;
    return { family: familyOf(ipSide.address), address: ipSide.address, port: portSide.port };
  }

  /**
   * Handles one received STUN message. Non-Binding requests come back as `not-binding` so the caller
   * can hand them to the TURN engine.
   */
  handle(bytes: Uint8Array, ctx: BindingRequestContext): BindingOutcome {
    const decoded = decodeStunMessage(bytes);
    if (!decoded.ok) return { kind: 'drop', reason: 'malformed' };
    const msg = decoded.value;
    if (findAttribute(msg, StunAttr.Fingerprint) && !verifyFingerprint(bytes)) {
      return { kind: 'drop', reason: 'bad-fingerprint' };
    }
    if (msg.method !== StunMethod.Binding) return { kind: 'not-binding', message: msg };
    // Binding indications are keepalives (RFC 8489 §6.3.2): no answer. Responses are not for us.
    if (msg.cls !== StunClass.Request) return { kind: 'drop', reason: 'not-request' };
    return this.#answer(msg, ctx);
  }

  #answer(msg: StunMessage, ctx: BindingRequestContext): BindingOutcome {
    const fingerprint = findAttribute(msg, StunAttr.Fingerprint) !== undefined;
    const error = (code: number, reason: string, extra: StunAttribute[] = []): BindingOutcome =>
      this.#reply(
        msg,
        ctx,
        ctx.via,
        ctx.from,
        StunClass.ErrorResponse,
        [{ type: StunAttr.ErrorCode, value: encodeErrorCode({ code, reason }) }, ...extra],
        fingerprint,
      );

    const unknown = msg.attributes
      .map((a) => a.type)
      .filter((t) => t < 0x8000 && !KNOWN_REQUEST_ATTRIBUTES.has(t));
    if (unknown.length > 0) {
      return error(420, 'Unknown Attribute', [
        { type: StunAttr.UnknownAttributes, value: encodeUnknownAttributes([...new Set(unknown)]) },
      ]);
    }

    let via = ctx.via;
    const change = findAttribute(msg, StunAttr.ChangeRequest);
    if (change) {
      const parsed = decodeChangeRequest(change.value);
      if (!parsed.ok) return error(400, 'Bad CHANGE-REQUEST');
      const { changeIp, changePort } = parsed.value;
      if ((changeIp || changePort) && !this.#opts.alternate) {
        // RFC 5780 §6.1: a server without an alternate address cannot honour CHANGE-REQUEST.
        return error(420, 'Unknown Attribute', [
          { type: StunAttr.UnknownAttributes, value: encodeUnknownAttributes([StunAttr.ChangeRequest]) },
        ]);
      }
      if ((changeIp || changePort) && ctx.transport !== 'udp') {
        return error(400, 'CHANGE-REQUEST needs UDP');
      }
      via = {
        ip: changeIp ? flip(via.ip) : via.ip,
        port: changePort ? flip(via.port) : via.port,
      };
    }

    let to = ctx.from;
    const responsePort = findAttribute(msg, StunAttr.ResponsePort);
    if (responsePort) {
      const port = decodeResponsePort(responsePort.value);
      if (!port.ok || port.value === 0) return error(400, 'Bad RESPONSE-PORT');
      if (ctx.transport !== 'udp') return error(400, 'RESPONSE-PORT needs UDP');
      to = { ...ctx.from, port: port.value };
    }

    const attrs: StunAttribute[] = [
      { type: StunAttr.XorMappedAddress, value: encodeXorAddress(ctx.from, msg.transactionId) },
    ];
    if (this.#opts.alternate) {
      // RFC 5780 §6.1: RESPONSE-ORIGIN names the socket we answer from, OTHER-ADDRESS the diagonal one.
      attrs.push({ type: StunAttr.ResponseOrigin, value: encodeAddress(this.endpoint(via)) });
      attrs.push({
        type: StunAttr.OtherAddress,
        value: encodeAddress(this.endpoint({ ip: flip(ctx.via.ip), port: flip(ctx.via.port) })),
      });
    }
    const padding = findAttribute(msg, StunAttr.Padding);
    if (padding && ctx.transport === 'udp') {
      // RFC 5780 §7.6: a padded request asks for an equally padded response (fragmentation tests).
      attrs.push({ type: StunAttr.Padding, value: new Uint8Array(padding.value.length) });
    }
    return this.#reply(msg, ctx, via, to, StunClass.SuccessResponse, attrs, fingerprint);
  }

  #reply(
    req: StunMessage,
    _ctx: BindingRequestContext,
    via: SocketRole,
    to: TransportAddress,
    cls: typeof StunClass.SuccessResponse | typeof StunClass.ErrorResponse,
    attributes: StunAttribute[],
    fingerprint: boolean,
  ): BindingOutcome {
    if (this.#opts.software)
      attributes.push({ type: StunAttr.Software, value: encodeText(this.#opts.software) });
    const bytes = encodeStunMessage(
      { method: req.method, cls, transactionId: req.transactionId, attributes },
      { fingerprint },
    );
    return { kind: 'reply', bytes, via, to };
  }
}

function flip(side: 'primary' | 'alternate'): 'primary' | 'alternate' {
  return side === 'primary' ? 'alternate' : 'primary';
}
