import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StunClass, StunMethod, encodeStunMessage, newTransactionId } from '@peerlink/wire';
import { StreamFramer } from '../src/index.js';

const stun = encodeStunMessage({
  method: StunMethod.Binding,
  cls: StunClass.Request,
  transactionId: newTransactionId(),
  attributes: [],
});
const channelData = new Uint8Array([0x40, 0x00, 0x00, 0x05, 1, 2, 3, 4, 5, 0, 0, 0]);

describe('stream framer', () => {
  it('splits back-to-back STUN and padded ChannelData frames, byte by byte', () => {
    const stream = new Uint8Array([...stun, ...channelData, ...stun]);
    const f = new StreamFramer();
    const frames: Uint8Array[] = [];
    for (const b of stream) {
      const r = f.push(new Uint8Array([b]));
      assert.equal(r.error, undefined);
      frames.push(...r.frames);
    }
    assert.deepEqual(
      frames.map((x) => x.length),
      [stun.length, 12, stun.length],
    );
    assert.deepEqual(frames[1], channelData);
  });

  it('reports a stream that is neither STUN nor ChannelData', () => {
    assert.equal(new StreamFramer().push(new Uint8Array([0xff, 0, 0, 0])).error, 'garbage');
  });
});
