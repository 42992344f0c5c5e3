/**
 * Every way a media file can be unusable, as a typed error whose message says what was wrong
 * and what to do about it. Callers switch on `kind`; users read `message`.
 */
export type MediaErrorKind =
  | 'missing-file'
  | 'not-media'
  | 'no-audio'
  | 'no-video'
  | 'zero-duration'
  | 'truncated'
  | 'bad-samples'
  | 'still-image'
  | 'ffmpeg-missing'
  | 'ffmpeg-failed'
  | 'timeout'
  | 'bad-argument';

export class MediaError extends Error {
  override readonly name = 'MediaError';
  constructor(
    readonly kind: MediaErrorKind,
    readonly path: string,
    message: string,
  ) {
    super(message);
  }
}

/** The last few lines ffmpeg printed, for messages (its full log is rarely useful). */
export function stderrTail(stderr: string, lines = 4): string {
  return stderr.trim().split('\n').slice(-lines).join('\n');
}
