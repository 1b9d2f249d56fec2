/**
 * Signaling channel ARNs shaped like AWS's, `arn:aws:kinesisvideo:REGION:ACCOUNT:channel/NAME/CREATED`
 * (CREATED: creation time in milliseconds), which the KVS SDKs parse and send back in every URL.
 */
export interface ChannelArn {
  readonly region: string;
  readonly account: string;
  readonly name: string;
  readonly created: number;
}

/** Channel names as AWS allows them. */
export const CHANNEL_NAME = /^[a-zA-Z0-9_.-]{1,256}$/;
const ARN = /^arn:aws:kinesisvideo:([a-z0-9-]+):([0-9]+):channel\/([a-zA-Z0-9_.-]{1,256})\/([0-9]{1,16})$/;

export function formatChannelArn(a: ChannelArn): string {
  return `arn:aws:kinesisvideo:${a.region}:${a.account}:channel/${a.name}/${a.created}`;
}

/** Parses an ARN; undefined for anything else (never throws). */
export function parseChannelArn(arn: string): ChannelArn | undefined {
  const m = ARN.exec(arn);
  if (!m) return undefined;
  return { region: m[1] as string, account: m[2] as string, name: m[3] as string, created: Number(m[4]) };
}
