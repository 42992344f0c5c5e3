#!/usr/bin/python3
"""Train the iSTFT-head vocoder (filmscore_training/vocoder.py): normalised log-mel → 16 kHz
waveform, on random 1 s excerpts of the dataset's clips (mel.npy from the TypeScript front
end, audio.npy the same clip's samples).

  /usr/bin/python3 training/train_vocoder.py --dataset DIR --out runs/vocoder [--steps N] [--resume]

Loss: multi-resolution STFT loss (spectral convergence + log-magnitude L1 at 512/1024/2048)
+ mel × L1 between the log-mels (AudioLDM's mel, torchaudio) of output and target. No
adversarial term yet: it trains in CPU hours, at the cost of some buzz (see the model card).
Writes out/config.json, out/log.csv, out/log.png, out/checkpoint.pt.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
import torchaudio
from torch.nn.parallel import DistributedDataParallel as DDP

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from filmscore_training.data import clip_ids, load_audio, load_mels, mel_stats  # noqa: E402
from filmscore_training.run import RunFolder, add_run_arguments, seed_everything, start_run  # noqa: E402
from filmscore_training.vocoder import Vocoder, multi_resolution_stft_loss  # noqa: E402

HOP = 160
FRAMES = 1001  # a 10 s clip's mel frames (centred STFT)


def audioldm_log_mel(x: torch.Tensor) -> torch.Tensor:
    mel = torchaudio.functional.melscale_fbanks(513, 0.0, 8000.0, 64, 16000, norm="slaney", mel_scale="slaney")
    spec = torch.stft(x, 1024, HOP, window=torch.hann_window(1024), return_complex=True).abs()
    return torch.log(torch.clamp(torch.einsum("bft,fm->bmt", spec, mel), min=1e-5))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dataset", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--steps", type=int, default=4000, help="optimiser steps in total")
    ap.add_argument("--batch", type=int, default=16, help="excerpts per step (per process)")
    ap.add_argument("--frames", type=int, default=100, help="mel frames per excerpt (100 = 1 s)")
    ap.add_argument("--lr", type=float, default=5e-4, help="AdamW learning rate")
    ap.add_argument("--mel-weight", type=float, default=1.0, help="weight of the log-mel L1 term")
    ap.add_argument("--dim", type=int, default=192, help="ConvNeXt width")
    ap.add_argument("--hidden", type=int, default=576, help="ConvNeXt hidden width")
    ap.add_argument("--layers", type=int, default=6, help="ConvNeXt blocks")
    ap.add_argument("--mel-stats", default=None, help="a VAE run's checkpoint.pt whose mel mean/std to share")
    add_run_arguments(ap)
    args = ap.parse_args()
    ddp = start_run(args)
    seed_everything(args.seed + ddp.rank)
    run = RunFolder(args.out, ["step", "clips_seen", "loss", "stft", "mel", "seconds"])
    ids = clip_ids(args.dataset, "train")
    if args.limit:
        ids = ids[: args.limit]
    mels = load_mels(args.dataset, ids, FRAMES)[:, 0]
    state = run.resume_state(args.resume, ddp)
    if state:
        stats = state["mel"]
    elif args.mel_stats:
        stats = torch.load(args.mel_stats, map_location="cpu")["mel"]
    else:
        stats = mel_stats(mels)
    model = Vocoder(dim=args.dim, hidden=args.hidden, layers=args.layers).to(args.device)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, betas=(0.8, 0.99), weight_decay=0.01)
    step = 0
    rng = np.random.default_rng(args.seed + ddp.rank)
    if state:
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["opt"])
        step = state["step"]
        rng.bit_generator.state = state["rng"]
    net = DDP(model) if ddp.world > 1 else model
    if ddp.main:
        (run.out / "config.json").write_text(json.dumps({**vars(args), "model": model.config, "mel": stats, "clips": len(ids)}, indent=1))

    def batch():
        xs, ys = [], []
        for _ in range(args.batch):
            c = int(rng.integers(len(ids)))
            f = int(rng.integers(0, FRAMES - args.frames - 1))
            audio = load_audio(args.dataset, ids[c])
            seg = np.asarray(audio[f * HOP : (f + args.frames) * HOP], np.float32) / 32768.0
            if len(seg) < args.frames * HOP:
                seg = np.pad(seg, (0, args.frames * HOP - len(seg)))
            xs.append((mels[c, :, f : f + args.frames].float() - stats["mean"]) / stats["std"])
            ys.append(torch.from_numpy(seg))
        return torch.stack(xs).to(args.device), torch.stack(ys).to(args.device)

    rows: list[list] = []
    t0 = time.time()
    while step < args.steps:
        mel, target = batch()
        y = net(mel)
        stft = multi_resolution_stft_loss(y, target)
        mel_l1 = F.l1_loss(audioldm_log_mel(y), audioldm_log_mel(target))
        loss = stft + args.mel_weight * mel_l1
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        opt.step()
        step += 1
        rows.append([step, step * args.batch * ddp.world, f"{loss.item():.5f}", f"{stft.item():.5f}", f"{mel_l1.item():.5f}", f"{time.time() - t0:.1f}"])
        if ddp.main and (step % args.checkpoint_every == 0 or step == args.steps):
            run.save({"model": model.state_dict(), "opt": opt.state_dict(), "step": step, "rng": rng.bit_generator.state,
                      "mel": stats, "config": model.config})
            run.append(rows)
            rows = []
            run.plot()
            print(f"step {step}: loss {loss.item():.4f} (stft {stft.item():.4f}, mel {mel_l1.item():.4f})", flush=True)
    if ddp.main:
        print(json.dumps({"step": step, "clips": len(ids)}))
    ddp.close()


if __name__ == "__main__":
    main()
