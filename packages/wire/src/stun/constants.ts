/**
 * STUN numbers: the magic cookie, message classes, methods and attribute types.
 *
 * Sources: RFC 8489 §5 and §18 (STUN), RFC 8656 §17-§18 (TURN), RFC 6062 (TURN-TCP),
 * RFC 5780 §7 (NAT behaviour discovery), RFC 8445 §16.1 (ICE), and the IANA "STUN Attributes"
 * registry.
 */

/** Fixed value in bytes 4-7 of every RFC 5389/8489 message (RFC 8489 §5). */
export const MAGIC_COOKIE = 0x2112a442;

/** Length of the fixed message header (RFC 8489 §5). */
export const STUN_HEADER_LENGTH = 20;

/** Length of the transaction id (RFC 8489 §5). */
export const TRANSACTION_ID_LENGTH = 12;

/** The value XORed into the CRC-32 for FINGERPRINT: 'STUN' in ASCII (RFC 8489 §14.7). */
export const FINGERPRINT_XOR = 0x5354554e;

/** The two class bits C1 C0 of the message type (RFC 8489 §5). */
export const StunClass = {
  Request: 0,
  Indication: 1,
  SuccessResponse: 2,
  ErrorResponse: 3,
} as const;

export type StunClassValue = (typeof StunClass)[keyof typeof StunClass];

/** Methods (RFC 8489 §18.2, RFC 8656 §17, RFC 6062 §6.1). */
export const StunMethod = {
  Binding: 0x001,
  Allocate: 0x003,
  Refresh: 0x004,
  Send: 0x006,
  Data: 0x007,
  CreatePermission: 0x008,
  ChannelBind: 0x009,
  Connect: 0x00a,
  ConnectionBind: 0x00b,
  ConnectionAttempt: 0x00c,
} as const;

/**
 * Attribute types. Types below 0x8000 are comprehension-required: an agent that does not
 * understand one must reject the message (RFC 8489 §14, §6.3.1); see
 * {@link isComprehensionRequired}.
 */
export const StunAttr = {
  MappedAddress: 0x0001, // RFC 8489 §14.1
  ResponseAddress: 0x0002, // RFC 3489 §11.2.2 (reserved by 8489; kept for classic-STUN peers)
  ChangeRequest: 0x0003, // RFC 5780 §7.2
  Username: 0x0006, // RFC 8489 §14.3
  MessageIntegrity: 0x0008, // RFC 8489 §14.5
  ErrorCode: 0x0009, // RFC 8489 §14.8
  UnknownAttributes: 0x000a, // RFC 8489 §14.13
  ChannelNumber: 0x000c, // RFC 8656 §18.1
  Lifetime: 0x000d, // RFC 8656 §18.2
  XorPeerAddress: 0x0012, // RFC 8656 §18.3
  Data: 0x0013, // RFC 8656 §18.4
  Realm: 0x0014, // RFC 8489 §14.9
  Nonce: 0x0015, // RFC 8489 §14.10
  XorRelayedAddress: 0x0016, // RFC 8656 §18.5
  RequestedAddressFamily: 0x0017, // RFC 8656 §18.6
  EvenPort: 0x0018, // RFC 8656 §18.7
  RequestedTransport: 0x0019, // RFC 8656 §18.8
  DontFragment: 0x001a, // RFC 8656 §18.9
  MessageIntegritySha256: 0x001c, // RFC 8489 §14.6
  PasswordAlgorithm: 0x001d, // RFC 8489 §14.12
  Userhash: 0x001e, // RFC 8489 §14.4
  XorMappedAddress: 0x0020, // RFC 8489 §14.2
  ReservationToken: 0x0022, // RFC 8656 §18.10
  Priority: 0x0024, // RFC 8445 §16.1
  UseCandidate: 0x0025, // RFC 8445 §16.1
  Padding: 0x0026, // RFC 5780 §7.6
  ResponsePort: 0x0027, // RFC 5780 §7.5
  ConnectionId: 0x002a, // RFC 6062 §6.2.1
  AdditionalAddressFamily: 0x8000, // RFC 8656 §18.11
  AddressErrorCode: 0x8001, // RFC 8656 §18.12
  PasswordAlgorithms: 0x8002, // RFC 8489 §14.11
  AlternateDomain: 0x8003, // RFC 8489 §14.16
  Icmp: 0x8004, // RFC 8656 §18.13
  Software: 0x8022, // RFC 8489 §14.14
  AlternateServer: 0x8023, // RFC 8489 §14.15
  Fingerprint: 0x8028, // RFC 8489 §14.7
  IceControlled: 0x8029, // RFC 8445 §16.1
  IceControlling: 0x802a, // RFC 8445 §16.1
  ResponseOrigin: 0x802b, // RFC 5780 §7.3
  OtherAddress: 0x802c, // RFC 5780 §7.4
} as const;

export type StunAttrValue = (typeof StunAttr)[keyof typeof StunAttr];

/** Password algorithm numbers for PASSWORD-ALGORITHM(S) (RFC 8489 §18.5). */
export const PasswordAlgorithm = {
  Md5: 0x0001,
  Sha256: 0x0002,
} as const;

/** Transport protocol numbers for REQUESTED-TRANSPORT (RFC 8656 §18.8, IANA protocol numbers). */
export const TransportProtocol = {
  Tcp: 6,
  Udp: 17,
} as const;

/** Attribute types 0x0000-0x7FFF must be understood or the request rejected (RFC 8489 §14). */
export function isComprehensionRequired(type: number): boolean {
  return type < 0x8000;
}

const methodNames = new Map<number, string>(Object.entries(StunMethod).map(([k, v]) => [v, k]));
const attrNames = new Map<number, string>(
  Object.entries(StunAttr).map(([k, v]) => [v, k.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toUpperCase()]),
);
const classNames = ['Request', 'Indication', 'SuccessResponse', 'ErrorResponse'] as const;

/** 'Binding', 'Allocate', ... or '0x0abc' for a method this module does not know. */
export function stunMethodName(method: number): string {
  return methodNames.get(method) ?? `0x${method.toString(16).padStart(3, '0')}`;
}

/** 'Request' | 'Indication' | 'SuccessResponse' | 'ErrorResponse'. */
export function stunClassName(cls: StunClassValue): string {
  return classNames[cls];
}

/** The RFC spelling, e.g. 'XOR-MAPPED-ADDRESS', or '0x7fff' for an unknown type. */
export function stunAttributeName(type: number): string {
  return attrNames.get(type) ?? `0x${type.toString(16).padStart(4, '0')}`;
}
