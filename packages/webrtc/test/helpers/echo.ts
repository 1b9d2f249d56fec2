// The data channel check the master/viewer tests share: once the viewer's channel opens, a message
// sent on it comes back (the master echoes every channel).
import type { RTCDataChannel } from 'werift';
import { until } from './until.js';

export async function assertEchoes(ch: RTCDataChannel, text: string): Promise<void> {
  const echoes: string[] = [];
  ch.onMessage.subscribe((m) => echoes.push(m.toString()));
  await until(() => ch.readyState === 'open', 'the data channel opens');
  ch.send(text);
  await until(() => echoes.includes(text), `the echo of ${text}`);
}
