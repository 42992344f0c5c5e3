// Benchmark: scoring a 10 s clip with a generator model folder on this machine (issue 5's
// goal: ≤ 5 s wall at the default settings), the settings that give ≤ 2 s, and peak memory.
// The reference in the same run is PyTorch running the same networks for the same steps
// (from the training checkpoints, when --torch <runs dir> is given).
// Usage: node dist/bench/generator.bench.js [--model DIR] [--torch runs]
import { spawnSync } from 'node:child_process';
import { cpus, tmpdir } from 'node:os';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_MODEL_DIR, loadModelFolder } from '../src/generator/model-folder.js';
import { generate } from '../src/generator/pipeline.js';
import { scoreVideo } from '../src/score/score-video.js';
import { makeClip } from '../src/synth/clips.js';
import { option } from './args.js';

const modelDir = option('--model') ?? DEFAULT_MODEL_DIR;
const torchRuns = option('--torch');
const dir = mkdtempSync(join(tmpdir(), 'filmscore-genbench-'));

let peak = process.memoryUsage().rss;
const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
try {
  console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}; model ${modelDir}`);
  const clip = makeClip(join(dir, 'clip.mp4'), {
    durationS: 10,
    video: 'testsrc2',
    size: '1280x720',
    toneHz: 440,
    preset: 'ultrafast',
  });
  const rss0 = process.memoryUsage().rss;
  let t = performance.now();
  const model = await loadModelFolder(modelDir);
  const loadS = (performance.now() - t) / 1000;
  const d = model.manifest.defaults;
  const condition = new Float32Array(model.manifest.condition.names.length).fill(0.5);
  // Warm-up (ONNX Runtime plans its kernels on the first run).
  await generate(model, {
    condition,
    seed: 0,
    steps: 2,
    guidance: d.guidance,
    scheduler: d.scheduler,
  });
  console.log(`model load ${loadS.toFixed(2)} s`);
  console.log(
    '| settings | generate 10.24 s (UNet + VAE decoder + vocoder) | score a 10 s clip end to end (film + generate + mux) |',
  );
  console.log('|---|---|---|');
  const rows: { steps: number; guidance: number; scheduler: 'ddim' | 'dpm-solver++' }[] = [
    { steps: d.steps, guidance: d.guidance, scheduler: d.scheduler },
    { steps: 10, guidance: d.guidance, scheduler: 'dpm-solver++' },
    { steps: 10, guidance: 1, scheduler: 'dpm-solver++' },
    { steps: 50, guidance: d.guidance, scheduler: 'ddim' },
  ];
  const times: number[] = [];
  for (const r of rows) {
    t = performance.now();
    await generate(model, { condition, seed: 1, ...r });
    const gen = (performance.now() - t) / 1000;
    times.push(gen);
    t = performance.now();
    await scoreVideo(clip, join(dir, 'out.mp4'), model, { seed: 1, ...r });
    const all = (performance.now() - t) / 1000;
    console.log(
      `| ${r.steps} ${r.scheduler} steps, guidance ${r.guidance} | ${gen.toFixed(2)} s | ${all.toFixed(2)} s |`,
    );
  }
  if (model.manifest.control) {
    // S-Control (issue 12: ≤ 1.5× the base model's time per window): median of 3 each way.
    const T = model.manifest.frames;
    const controls = {
      melody: Uint8Array.from({ length: T }, (_, i) => Math.floor(i / 25) % 12),
      dynamics: Float32Array.from({ length: T }, (_, i) => 35 + 8 * Math.sin(i / 50)),
    };
    const median = (v: number[]): number => v.sort((a, b) => a - b)[Math.floor(v.length / 2)];
    const timed = async (withControls: boolean): Promise<number> => {
      const runs: number[] = [];
      for (let i = 0; i < 3; i++) {
        t = performance.now();
        await generate(model, {
          condition,
          seed: 1,
          ...rows[0],
          ...(withControls ? { controls } : {}),
        });
        runs.push((performance.now() - t) / 1000);
      }
      return median(runs);
    };
    const plain = await timed(false);
    const controlled = await timed(true);
    console.log(
      `control branch (melody + dynamics): ${controlled.toFixed(2)} s per window against ${plain.toFixed(2)} s without (×${(controlled / plain).toFixed(2)})`,
    );
  }
  clearInterval(timer);
  console.log(
    `peak RSS growth ${((peak - rss0) / 2 ** 20).toFixed(0)} MiB (model loaded, 10 s clip)`,
  );
  await model.dispose();
  if (torchRuns) {
    const r = rows[0];
    const py = spawnSync(
      '/usr/bin/python3',
      [
        '-c',
        `
import sys, time, torch
sys.path.insert(0, 'training')
torch.set_num_threads(2)
from filmscore_training.run import config_kwargs as _kw
from filmscore_training.unet import VMUNet
from filmscore_training.vae import build_vae
from filmscore_training.vocoder import Vocoder
runs = sys.argv[1]; steps = int(sys.argv[2])
u = torch.load(runs + '/unet/checkpoint.pt', map_location='cpu'); v = torch.load(runs + '/vae/checkpoint.pt', map_location='cpu'); w = torch.load(runs + '/vocoder/checkpoint.pt', map_location='cpu')
unet = VMUNet(**_kw(u['config'])).eval(); unet.load_state_dict(u['ema'])
vae = build_vae(v['config']).eval(); vae.load_state_dict(v['model'])
voc = Vocoder(**w['config']).eval(); voc.load_state_dict(w['model'])
k = len(u['conditions']); c = unet.config['latent']
with torch.no_grad():
    x = torch.randn(1, c, 256)
    unet(x.repeat(2, 1, 1), torch.tensor([10.0, 10.0]), torch.rand(2, k), torch.tensor([1.0, 0.0]))
    t = time.time()
    for i in range(steps):
        e = unet(x.repeat(2, 1, 1), torch.full((2,), 500.0), torch.rand(2, k), torch.tensor([1.0, 0.0]))
        x = x - 0.01 * e[:1]
    mel = vae.decoder(x)
    voc(mel)
    print(time.time() - t)
`,
        torchRuns,
        String(r.steps),
      ],
      { encoding: 'utf8' },
    );
    if (py.status !== 0) console.log(`torch reference failed: ${py.stderr}`);
    else {
      const torchS = Number(py.stdout.trim().split('\n').pop());
      console.log(
        `reference: PyTorch, same networks, ${r.steps} guided steps + decoder + vocoder: ${torchS.toFixed(2)} s; ours ${times[0].toFixed(2)} s (ratio ours/torch ${(times[0] / torchS).toFixed(2)})`,
      );
    }
  }
} finally {
  clearInterval(timer);
  rmSync(dir, { recursive: true, force: true });
}
