/**
 * A port-mapped candidate (beyond standard ICE): when the master's gateway maps the UDP port of a
 * host candidate (PCP, NAT-PMP, UPnP-IGD; packages/p2p/src/portmap), the mapped external address
 * is endpoint-independent and unfiltered, so the master advertises it as a server-reflexive
 * candidate whose related address is the host candidate (RFC 8839 §5.1 `raddr`/`rport`). Pure.
 */
import { parseCandidateLine, type CandidateInit } from '../sdp/candidate.js';

/** RFC 8445 §5.1.2.2: the recommended type preference of a server-reflexive candidate. */
const SRFLX_TYPE_PREFERENCE = 100;
const LOCAL_PREFERENCE = 65535;

/** The IPv4 UDP host candidate's address and port, the one a gateway can map; else undefined. */
export function mappableHost(c: CandidateInit): { address: string; port: number } | undefined {
  if (c.candidate === '') return undefined;
  const line = parseCandidateLine(c.candidate);
  if (!line.ok) return undefined;
  const l = line.value;
  const v4 = /^\d{1,3}(\.\d{1,3}){3}$/.test(l.address);
  return l.type === 'host' && l.transport === 'udp' && v4 ? { address: l.address, port: l.port } : undefined;
}

/** RFC 8445 §5.1.2.1: (2^24)·type preference + (2^8)·local preference + (256 − component). */
export const candidatePriority = (
  typePreference: number,
  localPreference: number,
  component: number,
): number => typePreference * 2 ** 24 + localPreference * 2 ** 8 + (256 - component);

/**
 * The candidate to advertise for `host` mapped to `external`: same component and m-line, a
 * foundation of its own (a different base type and server, RFC 8445 §5.1.1.3), type `srflx`.
 * Undefined when `host` is not an IPv4 UDP host candidate.
 */
export function mappedCandidate(
  host: CandidateInit,
  external: { readonly address: string; readonly port: number },
): CandidateInit | undefined {
  const base = mappableHost(host);
  const line = parseCandidateLine(host.candidate);
  if (base === undefined || !line.ok) return undefined;
  const { component, foundation } = line.value;
  const priority = candidatePriority(SRFLX_TYPE_PREFERENCE, LOCAL_PREFERENCE, component);
  const f = `pm${foundation}`.slice(0, 32);
  return {
    candidate:
      `candidate:${f} ${component} udp ${priority} ${external.address} ${external.port} typ srflx ` +
      `raddr ${base.address} rport ${base.port}`,
    sdpMid: host.sdpMid,
    sdpMLineIndex: host.sdpMLineIndex,
    ...(host.usernameFragment !== undefined ? { usernameFragment: host.usernameFragment } : {}),
  };
}
