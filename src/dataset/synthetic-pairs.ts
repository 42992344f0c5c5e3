import { mkdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Emotion } from './manifest.js';
import { manifestLine } from './manifest.js';
import { encodeVideo } from '../media/video-encode.js';
import { writeWav } from '../media/wav.js';
import { clicks, note } from '../synth/signals.js';
import { writeFileAtomically } from '../util/atomic-file.js';
import type { Seconds } from '../units.js';

/**
 * The known parameters of one synthetic (video, music) pair. The picture and the music follow
 * the same numbers, so the video path can be tested end to end without real films:
 * - pace (0–1): how fast the picture moves, and the music's tempo (60 + 120·pace BPM);
 * - brightness (0–1): the picture's light, the music's loudness, and its mode (bright → major);
 * - cutEveryS: hard cuts in the picture at multiples of this.
 */
export interface PairParameters {
  name: string;
  pace: number;
  brightness: number;
  cutEveryS: Seconds;
  durationS: Seconds;
  tempoBpm: number;
  /** Times of the picture's hard cuts. */
  cuts: Seconds[];
  emotion: Emotion;
}

const SR = 22050;
const W = 160;
const H = 120;
const FPS = 25;

/** An emotion class that fits the parameters (fast & bright → exciting, slow & dark → sad, …). */
function emotionFor(pace: number, brightness: number): Emotion {
  if (brightness >= 0.5) return pace >= 0.5 ? 'exciting' : 'relaxing';
  if (pace >= 0.5) return 'tense';
  return brightness < 0.25 ? 'sad' : 'fearful';
}

/** The picture: a square moving at `pace`, over a background of `brightness`, cut hard. */
function* frames(p: PairParameters): Generator<Uint8Array> {
  const total = Math.round(p.durationS * FPS);
  const palette = [
    [1.0, 0.85, 0.7],
    [0.7, 0.85, 1.0],
    [0.85, 1.0, 0.75],
  ];
  for (let f = 0; f < total; f++) {
    const t = f / FPS;
    const shot = Math.floor(t / p.cutEveryS);
    const tint = palette[shot % palette.length];
    const level = 60 + 175 * p.brightness;
    const speed = 10 + 150 * p.pace; // pixels per second
    const local = t - shot * p.cutEveryS;
    const size = 12;
    const x0 = Math.floor((((shot * 53 + local * speed) % (W - size)) + (W - size)) % (W - size));
    const y0 = Math.floor(
      (shot * 37 + H / 2 + (H / 3) * Math.sin(local * (1 + 6 * p.pace))) % (H - size),
    );
    // Each shot has its own stripe orientation and tint, so a cut changes every pixel.
    const angle = (shot * 2.4) % Math.PI;
    const [ca, sa] = [Math.cos(angle), Math.sin(angle)];
    const rgb = new Uint8Array(W * H * 3);
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const inSquare = x >= x0 && x < x0 + size && y >= y0 && y < y0 + size;
        const stripe = Math.sin((x * ca + y * sa) / 6) >= 0 ? 1 : 0.1;
        const o = 3 * (y * W + x);
        for (let c = 0; c < 3; c++) {
          rgb[o + c] = inSquare
            ? 255 - Math.round(level * 0.5)
            : Math.round(level * tint[c] * stripe);
        }
      }
    }
    yield rgb;
  }
}

/** The music: chords on every beat at the pair's tempo, major when bright, louder when bright. */
function music(p: PairParameters): Float32Array {
  const n = Math.round(p.durationS * SR);
  const y = new Float32Array(n);
  const beat = 60 / p.tempoBpm;
  const third = p.brightness >= 0.5 ? 4 : 3;
  const progression = [0, 5, 7, 0].map((r) => [48 + r, 48 + r + third, 48 + r + 7, 60 + r]);
  const gain = 0.05 + 0.45 * p.brightness;
  const beats = Math.floor(p.durationS / beat);
  for (let k = 0; k < beats; k++) {
    const start = Math.round(k * beat * SR);
    for (const m of progression[k % 4]) {
      const tone = note(m, beat, SR, gain / 4);
      for (let i = 0; i < tone.length && start + i < n; i++)
        y[start + i] += tone[i] * Math.exp(-i / (0.4 * SR));
    }
  }
  const hits = clicks(
    Array.from({ length: beats }, (_, k) => k * beat),
    p.durationS,
    SR,
  );
  for (let i = 0; i < n; i++) y[i] += 0.3 * gain * hits[i];
  return y;
}

/** Parameters of `count` pairs spread over the pace × brightness square (deterministic). */
export function pairParameters(count: number, durationS: Seconds): PairParameters[] {
  const side = Math.ceil(Math.sqrt(count));
  return Array.from({ length: count }, (_, i) => {
    const pace = side > 1 ? (i % side) / (side - 1) : 0.5;
    const brightness =
      side > 1 ? Math.floor(i / side) / Math.max(1, Math.ceil(count / side) - 1) : 0.5;
    const cutEveryS = 1.5 + 3.5 * (1 - pace); // faster films cut more often
    const cuts = [];
    for (let t = cutEveryS; t < durationS - 1e-9; t += cutEveryS) cuts.push(Number(t.toFixed(3)));
    return {
      name: `pair-${String(i).padStart(3, '0')}`,
      pace,
      brightness,
      cutEveryS,
      durationS,
      tempoBpm: 60 + 120 * pace,
      cuts,
      emotion: emotionFor(pace, brightness),
    };
  });
}

/**
 * Write `count` synthetic (video, music) pairs into `out`: an mp4 per pair (picture + music),
 * `pairs.json` with their parameters, and `manifest.jsonl` for `filmscore dataset build`.
 */
export async function writeSyntheticPairs(
  out: string,
  count: number,
  durationS: Seconds = 10.5,
): Promise<{ manifest: string; pairs: PairParameters[] }> {
  const dir = resolve(out);
  await mkdir(dir, { recursive: true });
  const pairs = pairParameters(count, durationS);
  for (const p of pairs) {
    const wav = join(dir, `.${p.name}.wav`);
    try {
      await writeWav(wav, [music(p)], SR);
      await encodeVideo({
        output: join(dir, `${p.name}.mp4`),
        width: W,
        height: H,
        fps: FPS,
        frames: frames(p),
        audio: wav,
      });
    } finally {
      await rm(wav, { force: true });
    }
  }
  const manifest = join(dir, 'manifest.jsonl');
  const lines = pairs.map((p) =>
    manifestLine(
      {
        film: p.name,
        soundtrack: 'filmscore synthetic pairs',
        composers: ['filmscore synthesiser'],
        genres: ['synthetic'],
        media: join(dir, `${p.name}.mp4`),
        start: 0,
        end: Math.floor(durationS * 1000) / 1000,
        emotion: p.emotion,
      },
      dir,
    ),
  );
  await writeFileAtomically(manifest, Buffer.from(lines.join('\n') + '\n'));
  await writeFileAtomically(join(dir, 'pairs.json'), Buffer.from(JSON.stringify(pairs, null, 1)));
  return { manifest, pairs };
}
