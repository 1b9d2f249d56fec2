// Test media made by ffmpeg from its own synthetic sources (testsrc, sine), encoded once per run into
// a temp directory: VP8 and VP9 in IVF, Opus in Ogg. Short GOPs so a late viewer decodes soon.
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'peerlink-media-'));

const VIDEO = '-f lavfi -i testsrc=size=320x240:rate=15 -t 4 -g 15 -b:v 300k';
const ARGS: Record<string, string> = {
  'vp8.ivf': `${VIDEO} -c:v libvpx -f ivf`,
  'vp9.ivf': `${VIDEO} -c:v libvpx-vp9 -deadline realtime -f ivf`,
  'opus.ogg': '-f lavfi -i sine=frequency=440:sample_rate=48000 -t 4 -c:a libopus -b:a 32k -f ogg',
};

/** The path of a test file (`vp8.ivf`, `vp9.ivf`, `opus.ogg`), made on first use. */
const made = new Map<string, Promise<string>>();

/** The path of a test file (`vp8.ivf`, `vp9.ivf`, `opus.ogg`), made on first use. */
export function mediaFile(name: string): Promise<string> {
  const args = ARGS[name];
  if (args === undefined) throw new Error(`no recipe for ${name}`);
  const path = join(dir, name);
  let p = made.get(name);
  if (p === undefined) {
    p = run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...args.split(' '), path]).then(
      () => path,
    );
    made.set(name, p);
  }
  return p;
}
