// Makes the bundled demo clip examples/demo.mp4 (12 s): a moving test picture with a short
// synthesised cue under it — a melody (C major, quarter notes at 100 BPM) swelling from
// quiet to loud over a kick drum on every beat, so `filmscore analyze` has known answers to
// show: the melody's pitch classes, a rising dynamics curve, onsets and a tempo of 100 BPM.
// Deterministic; built by scripts/setup.sh and never committed.
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { muxAudioUnderVideo } from '../src/media/mux.js';
import { writeWav } from '../src/media/wav.js';
import { makeClip } from '../src/synth/clips.js';
import { clicks, note } from '../src/synth/signals.js';
import { tempPathFor } from '../src/util/atomic-file.js';

const OUT = process.argv[2] ?? 'examples/demo.mp4';
const SR = 44100;
const SECONDS = 12;
const BPM = 100;

export function demoScore(): Float32Array {
  const beat = 60 / BPM;
  const melody = [60, 64, 67, 72, 71, 67, 64, 62, 60, 65, 69, 72, 74, 71, 67, 65, 64, 60, 67, 72];
  const y = new Float32Array(SECONDS * SR);
  melody.forEach((midi, i) => {
    const start = Math.round(i * beat * SR);
    const tone = note(midi, beat * 0.95, SR, 0.3);
    for (let j = 0; j < tone.length && start + j < y.length; j++) {
      const env = Math.min(1, j / (0.01 * SR)) * Math.exp(-j / (0.8 * SR)); // attack, decay
      y[start + j] += tone[j] * env;
    }
  });
  const kick = clicks(
    Array.from({ length: Math.floor(SECONDS / beat) }, (_, i) => i * beat),
    SECONDS,
    SR,
  );
  for (let i = 0; i < y.length; i++) {
    const swell = 0.08 + (0.92 * i) / y.length; // −22 dB → 0 dB over the clip
    y[i] = (y[i] + 0.5 * kick[i]) * swell;
  }
  return y;
}

async function main(): Promise<void> {
  if (existsSync(OUT) && !process.argv.includes('--force')) {
    console.log(`${OUT} exists (use --force to remake it)`);
    return;
  }
  mkdirSync(join(OUT, '..'), { recursive: true });
  const wav = tempPathFor(`${OUT}.score.wav`);
  const picture = tempPathFor(`${OUT}.picture.mp4`);
  try {
    await writeWav(wav, [demoScore()], SR);
    makeClip(picture, {
      durationS: SECONDS,
      video: 'testsrc2',
      size: '480x270',
      preset: 'veryfast',
    });
    await muxAudioUnderVideo({ video: picture, audio: wav, output: OUT });
    console.log(`made ${OUT}`);
  } finally {
    rmSync(wav, { force: true });
    rmSync(picture, { force: true });
  }
}

await main();
