// Benchmark: the paper's audio front end (mel + melody + dynamics + onsets) on a 10-minute
// track, ours against torchaudio/scipy/aubio (bench/reference_features.py) in the same run.
// Usage: npm run bench   (needs scripts/fetch-test-audio.sh's soundtrack audio)
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeSignal, analyzeSignalParallel } from '../src/analysis/music-analysis.js';
import { chromagram } from '../src/features/chroma.js';
import { DYNAMICS, dynamicsControl } from '../src/features/dynamics.js';
import { logMelSpectrogram } from '../src/features/mel.js';
import { melodyPitchClasses } from '../src/features/melody.js';
import { detectOnsetFrames, onsetStrength } from '../src/features/onset.js';
import { RealFft } from '../src/features/fft.js';
import { griffinLim } from '../src/features/griffin-lim.js';
import { spectrogram } from '../src/features/stft.js';
import { resample } from '../src/features/resample.js';
import { decodeAudio } from '../src/media/audio-decode.js';

const SOURCES = ['.cache/test-audio/track17.opus', '.cache/test-audio/track20.opus'];
const SECONDS = 600;
const SR = 22050;
const RUNS = 3;

function best(fn: () => unknown): number {
  let min = Infinity;
  for (let i = 0; i < RUNS; i++) {
    const s = performance.now();
    fn();
    min = Math.min(min, (performance.now() - s) / 1000);
  }
  return min;
}

async function tenMinutes(): Promise<Float32Array> {
  const x = new Float32Array(SECONDS * SR);
  let o = 0;
  for (const src of SOURCES) {
    const a = await decodeAudio(src, { sampleRate: SR, channels: 1 });
    const n = Math.min(a.channels[0].length, x.length - o);
    x.set(a.channels[0].subarray(0, n), o);
    o += n;
    if (o >= x.length) break;
  }
  if (o < x.length) throw new Error('not enough audio: run scripts/fetch-test-audio.sh');
  return x;
}

const GL_STFT = { nFft: 1024, hopLength: 160, winLength: 1024, center: true } as const;
const x22 = await tenMinutes();
const x16 = resample(x22, SR, 16000);
const ours = {
  resample: best(() => resample(x22, SR, 16000)),
  mel: best(() => logMelSpectrogram(x16)),
  melody: best(() => melodyPitchClasses(chromagram(x16))),
  dynamics: best(() => dynamicsControl(x16, DYNAMICS)),
  onsets: best(() => detectOnsetFrames(onsetStrength(x22))),
  analyzeSignal: best(() => analyzeSignal(x22)),
  analyzeSignalParallel: 0,
  griffinLim: best(() =>
    griffinLim(spectrogram(x16.subarray(0, 163840), { ...GL_STFT, power: 1 }), {
      ...GL_STFT,
      iterations: 32,
      momentum: 0.99,
      length: 163840,
    }),
  ),
  rfft2048x20000: best(() => {
    const fft = new RealFft(2048);
    for (let i = 0; i < 20000; i++) {
      fft.frame[i & 2047] = i; // vary the input a little
      fft.forward();
    }
  }),
};
ours.analyzeSignalParallel = Infinity;
for (let i = 0; i < RUNS; i++) {
  const s = performance.now();
  await analyzeSignalParallel(x22, 2);
  ours.analyzeSignalParallel = Math.min(ours.analyzeSignalParallel, (performance.now() - s) / 1000);
}

const dir = mkdtempSync(join(tmpdir(), 'filmscore-bench-'));
let reference: Record<string, number>;
try {
  const file = join(dir, 'x.f32');
  writeFileSync(file, Buffer.from(x22.buffer));
  const runs = Array.from(
    { length: RUNS },
    () =>
      JSON.parse(
        execFileSync('/usr/bin/python3', ['bench/reference_features.py', file]).toString(),
      ) as Record<string, number>,
  );
  reference = Object.fromEntries(
    Object.keys(runs[0]).map((k) => [k, Math.min(...runs.map((r) => r[k]))]),
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const oursTotal = ours.resample + ours.mel + ours.melody + ours.dynamics + ours.onsets;
const refTotal = reference.total;
const fmt = (s: number): string => `${s.toFixed(3)} s`;
console.log(
  `machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}; audio: ${SECONDS} s of warzone2100-music at ${SR} Hz mono; best of ${RUNS}`,
);
console.log('| stage | filmscore (TypeScript) | reference (torchaudio / scipy) | ratio ours/ref |');
console.log('|---|---|---|---|');
const rows: [string, number, number][] = [
  ['resample 22.05→16 kHz', ours.resample, reference.resample],
  ['log-mel (AudioLDM)', ours.mel, reference.mel],
  ['melody (2048-pt chroma, argmax)', ours.melody, reference.melody],
  ['dynamics (energy dB + Savitzky–Golay)', ours.dynamics, reference.dynamics],
  ['onsets (strength + peak picking)', ours.onsets, reference.onsetStrength],
];
for (const [name, mine, ref] of rows) {
  console.log(`| ${name} | ${fmt(mine)} | ${fmt(ref)} | ${(mine / ref).toFixed(2)} |`);
}
console.log(
  `| **sum of stages** | ${fmt(oursTotal)} (${(SECONDS / oursTotal).toFixed(0)}× real time) | ${fmt(refTotal)} (${(SECONDS / refTotal).toFixed(0)}× real time) | ${(oursTotal / refTotal).toFixed(2)} |`,
);
console.log(
  `| analyzeSignal (one pass for mel + dynamics, + tempo and beats) | ${fmt(ours.analyzeSignal)} (${(SECONDS / ours.analyzeSignal).toFixed(0)}× real time) | | ${(ours.analyzeSignal / refTotal).toFixed(2)} |`,
);
console.log(
  `| analyzeSignalParallel (the same on 2 threads, what \`filmscore analyze\` runs) | ${fmt(ours.analyzeSignalParallel)} (${(SECONDS / ours.analyzeSignalParallel).toFixed(0)}× real time) | | ${(ours.analyzeSignalParallel / refTotal).toFixed(2)} |`,
);
console.log(
  `| 20,000 real FFTs of 2048 points (+ power) | ${fmt(ours.rfft2048x20000)} | ${fmt(reference.rfft2048x20000)} (torch.fft.rfft, batched) | ${(ours.rfft2048x20000 / reference.rfft2048x20000).toFixed(2)} |`,
);
console.log(
  `| Griffin-Lim, 32 fast rounds on 10.24 s (STFT 1024 / hop 160; magnitude included on our side) | ${fmt(ours.griffinLim)} | ${fmt(reference.griffinLim)} (torchaudio.functional.griffinlim) | ${(ours.griffinLim / reference.griffinLim).toFixed(2)} |`,
);
console.log(`| aubio onsets (default, for scale) | | ${fmt(reference.aubioOnsets)} | |`);
