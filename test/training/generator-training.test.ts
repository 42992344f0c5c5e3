// The generator's training recipes on the synthetic pair set, as CI smoke runs: the mel VAE
// (with a resume), the vocoder, the VM-UNet on two processes (torchrun, gloo), the export to a
// model folder that the TypeScript runtime loads and samples from, checkpoints recovered from
// that folder, and a decoder-only VAE fine-tune from them.
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { buildDataset } from '../../src/dataset/build.js';
import { writeSyntheticPairs } from '../../src/dataset/synthetic-pairs.js';
import { loadModelFolder, type GeneratorModel } from '../../src/generator/model-folder.js';
import { generate, type Generation } from '../../src/generator/pipeline.js';
import { scoreVideo } from '../../src/score/score-video.js';
import { tempDir } from '../helpers/media.js';
import { PYTHON } from '../helpers/reference.js';
import { runTraining as run } from '../helpers/training.js';

function log(out: string): Record<string, number>[] {
  const [head, ...rows] = readFileSync(join(out, 'log.csv'), 'utf8').trim().split('\n');
  const keys = head.split(',');
  return rows.map((r) => Object.fromEntries(r.split(',').map((v, i) => [keys[i], Number(v)])));
}

const mean = (v: number[]): number => v.reduce((a, b) => a + b, 0) / v.length;

describe('generator training recipes (smoke)', () => {
  it('train the VAE, vocoder and UNet (2 processes), export, and sample from TypeScript', async () => {
    const dir = tempDir();
    const { manifest } = await writeSyntheticPairs(join(dir, 'pairs'), 4, 10.5);
    const dataset = join(dir, 'ds');
    await buildDataset({ manifest, out: dataset, ratios: { train: 1, val: 0, test: 0 } });
    const common = ['--dataset', dataset, '--threads', '1', '--checkpoint-every', '10'];
    // The tiny UNet every run below trains, on the VAE's latents.
    const tinyUnet = (vaeDir: string): string[] => [
      ...['--vae', join(vaeDir, 'checkpoint.pt'), '--channels', '16,32,32'],
      ...['--cond-dim', '16', '--temb', '32', '--batch', '2'],
    ];
    const exportModel = (unetDir: string, out: string): void => {
      run(PYTHON, [
        'training/export_model.py',
        ...['--vae', join(vae, 'checkpoint.pt'), '--vocoder', join(vocoder, 'checkpoint.pt')],
        ...['--unet', join(unetDir, 'checkpoint.pt'), '--out', out],
      ]);
    };

    const vae = join(dir, 'vae');
    const vaeArgs = [
      ...common,
      '--out',
      vae,
      '--channels',
      '4,8,8',
      '--latent',
      '1',
      '--batch',
      '4',
      '--lr',
      '3e-3',
      // The patch discriminator joins for the last 10 steps.
      '--adv-start',
      '30',
    ];
    run(PYTHON, ['training/train_vae.py', ...vaeArgs, '--steps', '30']);
    run(PYTHON, ['training/train_vae.py', ...vaeArgs, '--steps', '40', '--resume']);
    const v = log(vae);
    assert.deepEqual(
      v.map((r) => r.step),
      Array.from({ length: 40 }, (_, i) => i + 1),
      'the log goes on across the resume',
    );
    const early = mean(v.slice(0, 5).map((r) => r.l1));
    const late = mean(v.slice(-5).map((r) => r.l1));
    assert.ok(late < 0.8 * early, `VAE L1 ${early} → ${late}`);
    assert.ok(
      v.slice(0, 30).every((r) => r.adv === 0) && v.slice(30).every((r) => r.adv > 0 && r.d > 0),
      'the critic joins at --adv-start',
    );
    assert.ok(readFileSync(join(vae, 'log.png')).subarray(1, 4).toString() === 'PNG');

    const vocoder = join(dir, 'vocoder');
    const vocOut = run(PYTHON, [
      'training/train_vocoder.py',
      ...common,
      '--out',
      vocoder,
      '--dim',
      '16',
      '--hidden',
      '32',
      '--layers',
      '1',
      '--batch',
      '4',
      '--steps',
      '20',
      '--gan-start',
      '10',
      '--mel-stats',
      join(vae, 'checkpoint.pt'),
    ]);
    assert.equal(JSON.parse(vocOut.trim().split('\n').pop()!).step, 20);
    const w = log(vocoder);
    assert.ok(
      w.slice(0, 10).every((r) => r.adv === 0) && w.slice(10).every((r) => r.adv > 0 && r.fm > 0),
      'the critics join at --gan-start',
    );

    const unet = join(dir, 'unet');
    // Debian's torch 1.13 under Python ≥ 3.11 cannot parse torchrun's default "--redirects 0"
    // (an IntFlag change); redirecting and teeing stdout works, with a "[defaultN]:" prefix.
    const unetOut = run('torchrun', [
      '--standalone',
      '--nproc_per_node',
      '2',
      '--redirects',
      '1',
      '--tee',
      '1',
      'training/train_unet.py',
      ...common,
      '--out',
      unet,
      ...tinyUnet(vae),
      '--lr',
      '1e-3',
      '--steps',
      '20',
    ]);
    const summaryLine = unetOut
      .split('\n')
      .map((l) => l.replace(/^\[default\d+\]:/, ''))
      .filter((l) => l.startsWith('{'))
      .pop()!;
    const summary = JSON.parse(summaryLine);
    assert.equal(summary.world, 2);
    const u = log(unet);
    assert.equal(u.length, 20);
    assert.equal(u[19].clips_seen, 20 * 2 * 2, 'clips seen count both processes');

    // A fine-tune that starts from those weights (--init), with min-SNR-γ weighting as the
    // bundled model's last run; the model card counts both runs' steps.
    const tuned = join(dir, 'unet-tuned');
    const tunedOut = run(PYTHON, [
      'training/train_unet.py',
      ...common,
      ...[
        '--out',
        tuned,
        '--init',
        join(unet, 'checkpoint.pt'),
        '--steps',
        '5',
        '--snr-gamma',
        '5',
      ],
      ...tinyUnet(vae),
    ]);
    assert.match(tunedOut, /initialised from .* \(step 20\); new: nothing/);

    // Grown by a condition (noisiness): the init's six tokens and pooled weights carried over,
    // the new token's pooled columns zero (lr 0, so the step leaves the weights as initialised),
    // and the model exported with the seventh slot and its quantiles.
    const grown = join(dir, 'unet-grown');
    run(PYTHON, [
      'training/train_unet.py',
      ...common,
      ...['--out', grown, '--init', join(tuned, 'checkpoint.pt'), '--steps', '1', '--lr', '0'],
      ...['--conditions', 'brightness,pace,valence,arousal,tension,loudness,noisiness'],
      ...tinyUnet(vae),
    ]);
    const grownCheck = run(PYTHON, [
      '-c',
      [
        'import sys, torch',
        'a = torch.load(sys.argv[1])["ema"]; b = torch.load(sys.argv[2])["model"]',
        'd = a["cond.name"].shape[1]',
        'print(b["cond.name"].shape[0], bool(torch.equal(a["cond.name"], b["cond.name"][:6])),',
        '      bool(torch.equal(a["pooled.0.weight"], b["pooled.0.weight"][:, :6 * d])),',
        '      float(b["pooled.0.weight"][:, 6 * d:].abs().max()))',
      ].join('\n'),
      join(tuned, 'checkpoint.pt'),
      join(grown, 'checkpoint.pt'),
    ]);
    assert.equal(grownCheck.trim(), '7 True True 0.0');
    const grownModel = join(dir, 'model-grown');
    exportModel(grown, grownModel);
    const g7 = await loadModelFolder(grownModel);
    try {
      assert.equal(g7.manifest.condition.names[6], 'noisiness');
      const q = g7.manifest.condition.quantiles?.noisiness ?? [];
      assert.equal(q.length, 21);
      assert.ok(q[20] > q[0] && q[0] >= 0 && q[20] <= 1, `noisiness quantiles ${q[0]}…${q[20]}`);
      const out = await generate(g7, {
        condition: new Float32Array(7).fill(0.5),
        seed: 1,
        steps: 2,
        guidance: 2,
        scheduler: 'ddim',
      });
      assert.ok(out.audio.every((x) => Number.isFinite(x)));
    } finally {
      await g7.dispose();
    }

    const model = join(dir, 'model');
    exportModel(tuned, model);
    const sample = (folder: GeneratorModel): Promise<Generation> =>
      generate(folder, {
        condition: new Float32Array(6).fill(0.5),
        seed: 1,
        steps: 3,
        guidance: 2,
        scheduler: 'ddim',
      });
    const m = await loadModelFolder(model);
    let original: Generation;
    try {
      const { configs, ...steps } = m.manifest.training as Record<string, unknown>;
      assert.deepEqual(steps, { vaeSteps: 40, vocoderSteps: 20, unetSteps: 25 });
      assert.deepEqual((configs as { vae: unknown }).vae, {
        kind: '2d',
        channels: [4, 8, 8],
        latent: 1,
        n_mels: 128,
      });
      assert.equal(m.manifest.mel.nMels, 128);
      assert.equal(m.manifest.latent.channels, 32);
      original = await sample(m);
      assert.equal(original.audio.length, 1024 * 160);
      assert.ok(original.audio.every((x) => Number.isFinite(x)));
    } finally {
      await m.dispose();
    }

    // Checkpoints recovered from the exported folder alone (runs/ is not kept) export to the
    // same model: ONNX Runtime gives the same audio, sample for sample.
    const recovered = join(dir, 'recovered');
    run(PYTHON, ['training/recover_checkpoints.py', '--model', model, '--out', recovered]);
    const again = join(dir, 'model-again');
    run(PYTHON, [
      'training/export_model.py',
      ...['--vae', join(recovered, 'vae', 'checkpoint.pt')],
      ...['--vocoder', join(recovered, 'vocoder', 'checkpoint.pt')],
      ...['--unet', join(recovered, 'unet', 'checkpoint.pt'), '--out', again],
    ]);
    const ma = await loadModelFolder(again);
    try {
      assert.deepEqual(ma.manifest.training, m.manifest.training);
      assert.deepEqual((await sample(ma)).audio, original.audio);
    } finally {
      await ma.dispose();
    }

    // A decoder-only fine-tune from the recovered VAE keeps the encoder, the latent scale and
    // the mel normalisation (what the UNet was trained on) and changes the decoder.
    const decoderRun = join(dir, 'vae-decoder');
    run(PYTHON, [
      'training/train_vae.py',
      ...common,
      ...['--out', decoderRun, '--init', join(recovered, 'vae', 'checkpoint.pt')],
      ...['--freeze-encoder', '--batch', '4', '--lr', '3e-3', '--steps', '5'],
    ]);
    const compared = JSON.parse(
      run(PYTHON, [
        '-c',
        [
          'import json, sys, torch',
          `a = torch.load(sys.argv[1]); b = torch.load(sys.argv[2])`,
          'same = lambda p: all(torch.equal(a["model"][k], b["model"][k]) for k in a["model"] if k.startswith(p))',
          'print(json.dumps({"encoder": same("encoder."), "decoder": same("decoder."), "scale": [a["scale"], b["scale"]],',
          '  "mel": a["mel"] == b["mel"], "init_steps": b["init_steps"]}))',
        ].join('\n'),
        join(recovered, 'vae', 'checkpoint.pt'),
        join(decoderRun, 'checkpoint.pt'),
      ]),
    );
    assert.deepEqual(compared, {
      encoder: true,
      decoder: false,
      scale: [compared.scale[0], compared.scale[0]],
      mel: true,
      init_steps: 40,
    });

    // End to end on (video, music) pairs: the film encoder's branches through LAFF into the
    // UNet, trained by the diffusion loss, then a pair's video scored with the exported model.
    const filmUnet = join(dir, 'unet-film');
    const filmOut = run(PYTHON, [
      'training/train_unet.py',
      ...common,
      ...['--out', filmUnet, '--condition', 'film', '--steps', '10'],
      ...tinyUnet(vae),
    ]);
    assert.equal(JSON.parse(filmOut.trim().split('\n').pop()!).clips, 4);
    const filmModel = join(dir, 'model-film');
    exportModel(filmUnet, filmModel);
    const fm = await loadModelFolder(filmModel);
    try {
      assert.equal(fm.manifest.condition.kind, 'film');
      assert.deepEqual(fm.manifest.condition.branches, { semantic: 85, aesthetic: 7, emotion: 6 });
      await assert.rejects(
        generate(fm, {
          condition: new Float32Array(6),
          seed: 0,
          steps: 1,
          guidance: 1,
          scheduler: 'ddim',
        }),
        /needs the film encoder's branches/,
      );
      const scored = await scoreVideo(
        join(dir, 'pairs', 'pair-000.mp4'),
        join(dir, 'scored.mp4'),
        fm,
        {
          seed: 0,
          steps: 2,
          guidance: 2,
          scheduler: 'dpm-solver++',
        },
      );
      assert.equal(scored.windows.length, 2);
      assert.ok(statSync(join(dir, 'scored.mp4')).size > 0);
    } finally {
      await fm.dispose();
    }
  });
});
