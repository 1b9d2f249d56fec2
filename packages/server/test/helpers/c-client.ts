// The C QUIC signaling client's test helper lives in @peerlink/testing (the NAT lab runs it too).
export { buildCClient, runCExample } from '@peerlink/testing';
export type { CEvent, CExampleOptions, CProgram } from '@peerlink/testing';
