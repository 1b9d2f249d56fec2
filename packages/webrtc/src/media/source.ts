/**
 * A media source a master (or a viewer) sends: one werift track carrying RTP of one codec, already
 * encoded. Every peer connection that sends it subscribes to the same track, so one source feeds
 * every viewer; werift rewrites SSRC, payload type and sequence offsets per sender.
 */
import { MediaStreamTrack } from 'werift';
import { codecInfo, type CodecName, type MediaKind } from './codecs.js';

export interface MediaSource {
  readonly kind: MediaKind;
  readonly codec: CodecName;
  readonly track: MediaStreamTrack;
  /** RTP packets written to the track so far. */
  readonly packets: number;
  /** Input refused so far (datagrams that are not RTP, frames a file could not give). */
  readonly dropped: number;
  close(): void;
}

export function sourceTrack(codec: CodecName): MediaStreamTrack {
  return new MediaStreamTrack({ kind: codecInfo(codec).kind });
}
