// Test media, checked in (test/fixtures/, 44 KB) so the unit suite needs no ffmpeg. Made with:
//   V='-f lavfi -i testsrc=size=160x120:rate=15 -t 2 -g 15 -b:v 100k'
//   ffmpeg $V -c:v libvpx -f ivf vp8.ivf
//   ffmpeg $V -c:v libvpx-vp9 -deadline realtime -f ivf vp9.ivf
//   ffmpeg -f lavfi -i sine=frequency=440:sample_rate=48000 -t 2 -c:a libopus -b:a 24k -f ogg opus.ogg
import { fileURLToPath } from 'node:url';

/** The path of a fixture (`vp8.ivf`, `vp9.ivf`, `opus.ogg`); tests run from dist/test/. */
export function mediaFile(name: 'vp8.ivf' | 'vp9.ivf' | 'opus.ogg'): string {
  return fileURLToPath(new URL(`../../../test/fixtures/${name}`, import.meta.url));
}
