// S-Control's branch (training/train_control.py, filmscore_training/control.py) as CI smoke runs
// on the synthetic pair set: an untrained branch is exactly the base model, a trained one
// (LoRA, merged at export) changes the output, and ONNX Runtime's branch + UNet give PyTorch's
// noise prediction for the same inputs.
import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { buildDataset } from '../../src/dataset/build.js';
import { writeSyntheticPairs } from '../../src/dataset/synthetic-pairs.js';
import {
  loadControlBranch,
  loadModelFolder,
  type GeneratorModel,
} from '../../src/generator/model-folder.js';
import { generate } from '../../src/generator/pipeline.js';
import type { StyleControls } from '../../src/conditions/style-controls.js';
import { tempDir } from '../helpers/media.js';
import { filmscoreJson, runFilmscore } from '../helpers/cli.js';
import { writeWav } from '../../src/media/wav.js';
import { concat, note } from '../../src/synth/signals.js';
import { PYTHON } from '../helpers/reference.js';
import { runTraining as run } from '../helpers/training.js';

/** PyTorch's noise prediction with the branch's residuals (LoRA unmerged) for fixed inputs. */
const TORCH_PARITY = `
import json, sys, torch
sys.path.insert(0, "training")
from filmscore_training.control import load_branch, melody_one_hot, standardise_dynamics
from filmscore_training.run import config_kwargs
from filmscore_training.unet import VMUNet
u = torch.load(sys.argv[1]); c = torch.load(sys.argv[2])
unet = VMUNet(**config_kwargs(u["config"])); unet.load_state_dict(u["ema"]); unet.eval()
branch = load_branch(c, unet)
g = torch.Generator().manual_seed(7)
C, L = unet.config["latent"], 256
z = torch.randn(2, C, L, generator=g); t = torch.tensor([700.0, 40.0]); a = torch.rand(2, 6, generator=g)
keep = torch.tensor([1.0, 0.0])
pc = torch.randint(0, 12, (2, 4 * L), generator=g); db = torch.rand(2, 4 * L, generator=g) * 30 + 20
with torch.no_grad():
    temb, cond = unet.embed(t, a, keep)
    r = branch(z, temb, cond, {"melody": melody_one_hot(pc), "dynamics": standardise_dynamics(db, c["dynamics"])[:, None]},
               {"melody": torch.ones(2), "dynamics": torch.tensor([1.0, 0.0])})
    eps = unet(z, t, a, keep, control=r)
json.dump({"z": z.flatten().tolist(), "t": t.tolist(), "a": a.flatten().tolist(), "pc": pc.flatten().tolist(),
           "db": db.flatten().tolist(), "eps": eps.flatten().tolist(), "latent": [C, L]}, open(sys.argv[3], "w"))
`;

describe('S-Control branch training (smoke)', () => {
  it('zero branch = base model; a trained LoRA branch moves the output; ONNX = PyTorch', async () => {
    const dir = tempDir();
    const { manifest } = await writeSyntheticPairs(join(dir, 'pairs'), 3, 10.5);
    const dataset = join(dir, 'ds');
    await buildDataset({ manifest, out: dataset, ratios: { train: 1, val: 0, test: 0 } });
    const common = ['--dataset', dataset, '--threads', '1', '--checkpoint-every', '10'];
    const vae = join(dir, 'vae');
    run(PYTHON, [
      'training/train_vae.py',
      ...common,
      ...['--out', vae, '--channels', '4,8,8', '--latent', '1', '--batch', '2', '--steps', '4'],
    ]);
    const vocoder = join(dir, 'vocoder');
    run(PYTHON, [
      'training/train_vocoder.py',
      ...common,
      ...['--out', vocoder, '--dim', '16', '--hidden', '32', '--layers', '1', '--batch', '2'],
      ...['--steps', '2', '--mel-stats', join(vae, 'checkpoint.pt')],
    ]);
    const unet = join(dir, 'unet');
    run(PYTHON, [
      'training/train_unet.py',
      ...common,
      ...['--out', unet, '--vae', join(vae, 'checkpoint.pt'), '--channels', '16,32,32'],
      ...['--cond-dim', '16', '--temb', '32', '--batch', '2', '--steps', '6', '--lr', '1e-3'],
    ]);
    const control = (out: string, args: string[]): string =>
      run(PYTHON, [
        'training/train_control.py',
        ...common,
        ...['--out', out, '--vae', join(vae, 'checkpoint.pt')],
        ...['--unet', join(unet, 'checkpoint.pt'), '--batch', '2', ...args],
      ]);
    const exportModel = (out: string, branch?: string): void => {
      run(PYTHON, [
        'training/export_model.py',
        ...['--vae', join(vae, 'checkpoint.pt'), '--vocoder', join(vocoder, 'checkpoint.pt')],
        ...['--unet', join(unet, 'checkpoint.pt'), '--out', out],
        ...(branch ? ['--control', join(branch, 'checkpoint.pt')] : []),
      ]);
    };
    const zero = join(dir, 'control-zero');
    control(zero, ['--steps', '0']);
    const trained = join(dir, 'control-lora');
    const out = control(trained, ['--steps', '12', '--lora', '2', '--lr', '1e-2', '--ema', '0']);
    const summary = JSON.parse(out.trim().split('\n').pop()!);
    assert.equal(summary.step, 12);
    // A fine-tune from that branch (e.g. onto a later checkpoint of the UNet) counts both runs.
    const tuned = control(join(dir, 'control-tuned'), [
      ...['--init', join(trained, 'checkpoint.pt'), '--lora', '2', '--steps', '2'],
    ]);
    assert.match(tuned, /initialised from .* \(step 12, UNet step 6\)/);
    exportModel(join(dir, 'tuned'), join(dir, 'control-tuned'));
    const tunedManifest = JSON.parse(readFileSync(join(dir, 'tuned', 'manifest.json'), 'utf8'));
    assert.equal(tunedManifest.control.training.steps, 14);
    exportModel(join(dir, 'base'));
    exportModel(join(dir, 'with-zero'), zero);
    exportModel(join(dir, 'with-lora'), trained);

    const T = 1024;
    const controls: StyleControls = {
      melody: Uint8Array.from({ length: T }, (_, t) => Math.floor(t / 40) % 12),
      dynamics: Float32Array.from({ length: T }, (_, t) => 30 + 15 * Math.sin(t / 60)),
    };
    const sample = (m: GeneratorModel, withControls: boolean, controlGuidance = true) =>
      generate(m, {
        condition: new Float32Array(6).fill(0.5),
        seed: 3,
        steps: 3,
        guidance: 2,
        scheduler: 'ddim',
        ...(withControls ? { controls, controlGuidance } : {}),
      });
    const [base, withZero, withLora] = await Promise.all(
      ['base', 'with-zero', 'with-lora'].map((f) => loadModelFolder(join(dir, f))),
    );
    try {
      assert.equal(base.manifest.version, 1);
      assert.equal(withZero.manifest.version, 2);
      const reference = await sample(base, false);
      // An untrained branch adds exactly zero: the same mel, bit for bit, with or without controls.
      assert.deepEqual((await sample(withZero, true)).mel, reference.mel);
      assert.deepEqual((await sample(withZero, false)).mel, reference.mel);
      assert.deepEqual((await sample(withZero, true, false)).mel, reference.mel);
      // Without controls a version-2 model is its base model; with them a trained branch moves it.
      assert.deepEqual((await sample(withLora, false)).mel, reference.mel);
      const moved = (await sample(withLora, true)).mel;
      let diff = 0;
      for (let i = 0; i < moved.length; i++)
        diff = Math.max(diff, Math.abs(moved[i] - reference.mel[i]));
      assert.ok(diff > 1e-3, `a trained branch changes the output (max |Δmel| ${diff})`);
      // Guided (the default) the unconditional row's branch has its controls dropped; unguided
      // it takes them too.
      const unguided = (await sample(withLora, true, false)).mel;
      let apart = 0;
      for (let i = 0; i < moved.length; i++)
        apart = Math.max(apart, Math.abs(moved[i] - unguided[i]));
      assert.ok(apart > 1e-4, `guided and unguided controls differ (max |Δmel| ${apart})`);
      // The branch comes back from the exported folder alone (LoRA merged): exported again, the
      // same output with the same controls.
      const recovered = join(dir, 'recovered');
      run(PYTHON, [
        'training/recover_checkpoints.py',
        '--model',
        join(dir, 'with-lora'),
        '--out',
        recovered,
      ]);
      run(PYTHON, [
        'training/export_model.py',
        ...['--vae', join(recovered, 'vae', 'checkpoint.pt')],
        ...['--vocoder', join(recovered, 'vocoder', 'checkpoint.pt')],
        ...['--unet', join(recovered, 'unet', 'checkpoint.pt')],
        ...['--control', join(recovered, 'control', 'checkpoint.pt'), '--out', join(dir, 'again')],
      ]);
      const again = await loadModelFolder(join(dir, 'again'));
      try {
        assert.deepEqual((await sample(again, true)).mel, moved);
      } finally {
        await again.dispose();
      }
      // A base (version-1) model refuses controls with a message that says what to do.
      await assert.rejects(sample(base, true), /no melody\/dynamics control branch/);

      // ONNX parity: PyTorch (LoRA factors unmerged, fp32) against ONNX Runtime (merged).
      const parityFile = join(dir, 'parity.json');
      run(PYTHON, [
        '-c',
        TORCH_PARITY,
        join(unet, 'checkpoint.pt'),
        join(trained, 'checkpoint.pt'),
        parityFile,
      ]);
      const p = JSON.parse(readFileSync(parityFile, 'utf8')) as Record<string, number[]>;
      const [C, L] = p.latent;
      const melody = new Float32Array(2 * 12 * 4 * L);
      p.pc.forEach((c, i) => {
        const b = Math.floor(i / (4 * L));
        melody[(b * 12 + c) * 4 * L + (i % (4 * L))] = 1;
      });
      const shared = {
        latent: { data: Float32Array.from(p.z), dims: [2, C, L] },
        timestep: { data: Float32Array.from(p.t), dims: [2] },
        affect: { data: Float32Array.from(p.a), dims: [2, 6] },
        keep: { data: Float32Array.of(1, 0), dims: [2] },
      };
      const branch = await loadControlBranch(withLora);
      const residuals = await branch.run({
        ...shared,
        melody: { data: melody, dims: [2, 12, 4 * L] },
        dynamics: { data: Float32Array.from(p.db), dims: [2, 1, 4 * L] },
        melody_keep: { data: Float32Array.of(1, 1), dims: [2] },
        dynamics_keep: { data: Float32Array.of(1, 0), dims: [2] },
      });
      const eps = (await withLora.unet.run({ ...shared, ...residuals })).noise.data;
      let worst = 0;
      for (let i = 0; i < eps.length; i++) worst = Math.max(worst, Math.abs(eps[i] - p.eps[i]));
      // fp32 both sides; LoRA merged into the kernels only reorders the sums.
      assert.ok(worst < 1e-4, `ONNX vs PyTorch noise prediction: max |Δ| ${worst}`);
    } finally {
      await Promise.all([base, withZero, withLora].map((m) => m.dispose()));
    }

    // The CLI: a reference melody (C, E, G, A notes) carried into a new piece and under a video,
    // and every way of asking wrongly refused with what to do.
    const sr = 16000;
    const tune = concat([60, 64, 67, 69, 67, 64, 60, 62].map((n) => note(n, 0.5, sr)));
    const tuneWav = join(dir, 'tune.wav');
    await writeWav(tuneWav, [tune], sr);
    const lora = join(dir, 'with-lora');
    const piece = join(dir, 'piece.wav');
    const png = join(dir, 'piece.png');
    const t = filmscoreJson(
      dir,
      'transfer',
      tuneWav,
      '-o',
      piece,
      '--model',
      lora,
      '--steps',
      '2',
      '--png',
      png,
      '--duration',
      '25',
      '--json',
      '-q',
    );
    assert.equal(t.duration, 25);
    // 10 s windows at 0, 6 (carrying 6–10 s), 12 (carrying 12–16 s) and 15 s (ending at 25 s)
    // read the reference (4 s: 401 centred frames) from frame 0, 600, 1200 and 1500 mod 401:
    // it loops.
    assert.deepEqual(
      t.windows.map((w: { styleFromS: number }) => Number(w.styleFromS.toFixed(2))),
      [0, 1.99, 3.98, 2.97],
    );
    assert.deepEqual(t.controls, ['melody', 'dynamics']);
    assert.equal(t.controlGuidance, true);
    assert.equal(t.dynamicsRide, true);
    const loose = filmscoreJson(
      dir,
      'transfer',
      tuneWav,
      '-o',
      join(dir, 'loose.wav'),
      '--model',
      lora,
      '--steps',
      '2',
      '--duration',
      '4',
      '--no-control-guidance',
      '--no-dynamics-ride',
      '--json',
      '-q',
    );
    assert.equal(loose.controlGuidance, false);
    assert.equal(loose.dynamicsRide, false);
    assert.ok(t.fidelity.melodyAccuracy >= 0 && t.fidelity.melodyAccuracy <= 1);
    assert.ok(statSync(piece).size > 25 * sr * 2, 'a 25 s WAV');
    assert.equal(readFileSync(png).subarray(1, 4).toString(), 'PNG');
    const video = join(dir, 'pairs', 'pair-000.mp4');
    const scored = filmscoreJson(
      dir,
      'score',
      video,
      '-o',
      join(dir, 'scored.mkv'),
      '--model',
      lora,
      '--steps',
      '2',
      '--style-from',
      tuneWav,
      '--controls',
      'melody',
      '--style-start',
      '1',
      '--json',
      '-q',
    );
    assert.deepEqual(scored.style.controls, ['melody']);
    assert.equal(scored.style.guided, true);
    assert.equal(scored.style.dynamicsRide, true);
    // The film's second window starts w = duration − 10 s in: w + 1 s into the reference.
    assert.equal(scored.windows.length, 2);
    const w = scored.windows[1];
    assert.ok(w.startS > 0.4 && w.startS < 0.6, `${w.startS}`);
    assert.ok(Math.abs(w.styleFromS - (1 + Math.round(w.startS * 100) / 100)) < 1e-6);

    const silent = join(dir, 'silent.wav');
    await writeWav(silent, [new Float32Array(3 * sr)], sr);
    const garbage = join(dir, 'garbage.mp3');
    writeFileSync(garbage, 'this is not audio');
    const refused = (args: string[], message: RegExp): void => {
      const r = runFilmscore(dir, ...args);
      assert.notEqual(r.status, 0, args.join(' '));
      assert.match(r.stderr, message, args.join(' '));
    };
    const asked = ['-o', join(dir, 'x.wav'), '--model', lora, '-q'];
    refused(['transfer', join(dir, 'missing.wav'), ...asked], /missing\.wav/);
    refused(['transfer', silent, ...asked], /is silent/);
    refused(['transfer', garbage, ...asked], /garbage\.mp3/);
    refused(
      ['transfer', tuneWav, ...asked, '--controls', 'melody,harmony'],
      /unknown control "harmony"/,
    );
    refused(['transfer', tuneWav, '-o', join(dir, 'x.mp3'), '--model', lora], /ending in \.wav/);
    refused(
      ['transfer', tuneWav, '-o', join(dir, 'x.wav'), '--model', join(dir, 'base')],
      /no melody\/dynamics control branch/,
    );
    refused(
      ['score', video, '-o', join(dir, 'y.mp4'), '--model', lora, '--controls', 'melody'],
      /need --style-from/,
    );
  });
});
