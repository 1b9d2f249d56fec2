// Writes random bytes into a stream whose far end echoes them, and hashes both directions: the
// check every transfer test makes (relay, direct, a node killed mid-way). `onReceived` sees the
// running count of echoed bytes, for tests that break something mid-transfer.
import { createHash, randomBytes } from 'node:crypto';

export async function roundTrip(
  stream: NodeJS.ReadWriteStream,
  bytes: number,
  onReceived: (received: number) => void = () => {},
): Promise<{ sent: string; got: string }> {
  const sent = createHash('sha256');
  const got = createHash('sha256');
  let received = 0;
  const done = new Promise<void>((resolve) => {
    stream.on('data', (d: Buffer) => {
      got.update(d);
      received += d.length;
      onReceived(received);
      if (received >= bytes) resolve();
    });
  });
  const block = randomBytes(64 * 1024);
  for (let off = 0; off < bytes; off += block.length) {
    const chunk = block.subarray(0, Math.min(block.length, bytes - off));
    sent.update(chunk);
    if (!stream.write(chunk)) await new Promise((r) => stream.once('drain', r));
  }
  await done;
  return { sent: sent.digest('hex'), got: got.digest('hex') };
}
