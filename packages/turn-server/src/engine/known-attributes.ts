/**
 * Comprehension-required attributes (type < 0x8000) the server understands in requests. Anything
 * else in that range gets 420 Unknown Attribute (RFC 8489 §6.3.1.1); comprehension-optional ones are
 * ignored.
 */
import { StunAttr } from '@peerlink/wire';

export const KNOWN_REQUEST_ATTRIBUTES: ReadonlySet<number> = new Set<number>([
  StunAttr.MappedAddress,
  StunAttr.ChangeRequest,
  StunAttr.Username,
  StunAttr.MessageIntegrity,
  StunAttr.MessageIntegritySha256,
  StunAttr.ErrorCode,
  StunAttr.UnknownAttributes,
  StunAttr.ChannelNumber,
  StunAttr.Lifetime,
  StunAttr.XorPeerAddress,
  StunAttr.Data,
  StunAttr.Realm,
  StunAttr.Nonce,
  StunAttr.XorRelayedAddress,
  StunAttr.RequestedAddressFamily,
  StunAttr.EvenPort,
  StunAttr.RequestedTransport,
  StunAttr.DontFragment,
  StunAttr.PasswordAlgorithm,
  StunAttr.Userhash,
  StunAttr.XorMappedAddress,
  StunAttr.ReservationToken,
  StunAttr.Priority,
  StunAttr.UseCandidate,
  StunAttr.Padding,
  StunAttr.ResponsePort,
  StunAttr.ConnectionId,
]);
