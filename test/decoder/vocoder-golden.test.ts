// Golden audio (STYLE.md item 9): a fixed piece through the model's front end (TypeScript) and
// vocoder (ONNX Runtime) must give the waveform PyTorch gave for the same weights when the
// fixture was made (training/make_vocoder_golden.py). A change to the front end, the vocoder's
// graph or its weights fails here until the golden file is made again on purpose.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { modelVocoder } from '../../src/decoder/vocoders.js';
import { multiResolutionStftDistance } from '../../src/eval/reconstruction.js';
import { logMelBandMajor } from '../../src/features/mel.js';
import { loadModelFolder } from '../../src/generator/model-folder.js';
import { modelMelOptions } from '../../src/generator/reconstruct.js';
import { parseWav } from '../../src/media/wav.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const FIXTURE = join(ROOT, 'test/fixtures/vocoder-golden');

describe('vocoder golden audio', () => {
  const about = JSON.parse(readFileSync(join(FIXTURE, 'about.json'), 'utf8')) as { model: string };

  it(`${about.model}: the fixed phrase vocodes to the golden waveform (max |Δ| ≤ 1e-3 of its peak, MR-STFT ≤ 0.02)`, async () => {
    const input = parseWav(readFileSync(join(FIXTURE, 'input.wav')));
    const golden = parseWav(readFileSync(join(FIXTURE, 'golden.wav')));
    assert.ok(input && golden);
    const model = await loadModelFolder(join(ROOT, about.model));
    try {
      const mel = logMelBandMajor(input.channels[0], modelMelOptions(model.manifest));
      const audio = await modelVocoder(model, 'neural')(mel.data, mel.frames);
      const want = golden.channels[0];
      assert.equal(audio.length, want.length);
      let peak = 0;
      let worst = 0;
      for (let i = 0; i < want.length; i++) {
        peak = Math.max(peak, Math.abs(want[i]));
        worst = Math.max(worst, Math.abs(audio[i] - want[i]));
      }
      // Both sides run the same float16-stored weights in float32; what differs is the order of
      // the arithmetic (ONNX Runtime fuses), worth ~1e-5 of the peak.
      assert.ok(peak > 0.05, `golden peak ${peak}`);
      assert.ok(worst <= 1e-3 * peak, `max |Δ| ${worst} (peak ${peak})`);
      assert.ok(multiResolutionStftDistance(audio, want) <= 0.02);
    } finally {
      await model.dispose();
    }
  });
});
