/**
 * What IM nodes tell each other over the bus (JSON in a router text envelope). A call lives on one
 * node, its owner (where the caller's device was when it offered); the other nodes send it their
 * devices' messages, arrivals and departures, and it sends them frames for their devices:
 *
 *   to the owner, id `im/call/<call_id>`:  msg (a validated client message) | join | left
 *   to a device, id `im/dev`:               dev (a frame, and the owner) | refuse (a SIGNALING_ERROR)
 *
 * Both sides run the same code, so the parser only guards against a mangled or foreign envelope:
 * it never throws, and anything unexpected is undefined (a counted bad envelope).
 */
import type { ImCallMessage } from '@peerlink/wire';
import type { DeviceRef } from './call-machine.js';

export type ToOwner =
  | { readonly k: 'msg'; readonly u: string; readonly d: DeviceRef; readonly m: ImCallMessage }
  | { readonly k: 'join'; readonly u: string; readonly d: DeviceRef }
  | { readonly k: 'left'; readonly d: DeviceRef };

export type ToDevice =
  | { readonly k: 'dev'; readonly o: string; readonly c: string; readonly t: string; readonly done?: true }
  | { readonly k: 'refuse'; readonly c: string; readonly f: string; readonly r: string };

export const ownerId = (callId: string): string => `im/call/${callId}`;
export const DEVICE_ID = 'im/dev';

const isDevice = (d: unknown): d is DeviceRef =>
  typeof d === 'object' &&
  d !== null &&
  typeof (d as DeviceRef).node === 'string' &&
  Number.isInteger((d as DeviceRef).conn);

export function parseBusFrame(text: string): ToOwner | ToDevice | undefined {
  let f: Record<string, unknown>;
  try {
    f = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  if (typeof f !== 'object' || f === null) return undefined;
  switch (f['k']) {
    case 'msg':
      return typeof f['u'] === 'string' && isDevice(f['d']) && typeof f['m'] === 'object'
        ? (f as unknown as ToOwner)
        : undefined;
    case 'join':
      return typeof f['u'] === 'string' && isDevice(f['d']) ? (f as unknown as ToOwner) : undefined;
    case 'left':
      return isDevice(f['d']) ? (f as unknown as ToOwner) : undefined;
    case 'dev':
      return typeof f['o'] === 'string' && typeof f['c'] === 'string' && typeof f['t'] === 'string'
        ? (f as unknown as ToDevice)
        : undefined;
    case 'refuse':
      return typeof f['c'] === 'string' && typeof f['f'] === 'string' && typeof f['r'] === 'string'
        ? (f as unknown as ToDevice)
        : undefined;
    default:
      return undefined;
  }
}
