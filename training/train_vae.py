#!/usr/bin/python3
"""Train the mel VAE (filmscore_training/vae.py) on a filmscore dataset's cached log-mels.

  /usr/bin/python3 training/train_vae.py --dataset DIR --out runs/vae [--steps N] [--resume]
  torchrun --nproc_per_node 2 training/train_vae.py ...   (DistributedDataParallel, gloo on CPU)

Loss: L1 between the mel and its reconstruction (normalised units) + kl × KL(q(z|x) ‖ N(0, I)).

Fine-tuning the decoder of a trained VAE without touching what a UNet was trained on:

  /usr/bin/python3 training/train_vae.py --dataset DIR --out runs/vae-dec --init runs/shipped/vae/checkpoint.pt \
      --freeze-encoder --steps 4000

keeps the encoder (so the latents, and the latent scale and mel normalisation, stay those the
UNet learned) and trains only the decoder on the encoder's posterior samples.

Writes out/config.json, out/log.csv (step, clips_seen, loss, l1, kl), out/log.png and
out/checkpoint.pt (model, optimiser, step, RNG, mel statistics, latent scale).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time

import torch
from torch.nn.parallel import DistributedDataParallel as DDP
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from filmscore_training.data import clip_ids, load_mels, mel_stats, split_batches  # noqa: E402
from filmscore_training.run import RunFolder, add_run_arguments, config_kwargs, seed_everything, start_run  # noqa: E402
from filmscore_training.vae import MelVAE  # noqa: E402

FRAMES = 1024  # 10.24 s at 100 frames/s: divisible by the VAE's 4× downsampling


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dataset", required=True, help="a folder made by `filmscore dataset build`")
    ap.add_argument("--out", required=True, help="run folder (checkpoint, logs)")
    ap.add_argument("--steps", type=int, default=3000, help="optimiser steps in total (a resumed run counts on)")
    ap.add_argument("--batch", type=int, default=16, help="clips per step (per process)")
    ap.add_argument("--lr", type=float, default=2e-4, help="AdamW learning rate")
    ap.add_argument("--kl", type=float, default=1e-4, help="weight of the KL term against the L1 term")
    ap.add_argument("--channels", default="128,192,256", help="VAE widths per level (each level after the first halves time)")
    ap.add_argument("--latent", type=int, default=32, help="latent channels")
    ap.add_argument("--init", metavar="CHECKPOINT",
                    help="start from this VAE checkpoint's weights, network shape and mel normalisation "
                         "(e.g. one recovered from the shipped model by recover_checkpoints.py); the optimiser "
                         "starts anew. Ignored when --resume finds a checkpoint")
    ap.add_argument("--freeze-encoder", action="store_true",
                    help="train the decoder only (with --init: the latent space, and so a UNet trained on it, stays valid)")
    add_run_arguments(ap)
    args = ap.parse_args()
    if args.freeze_encoder and not args.init and not args.resume:
        ap.error("--freeze-encoder needs --init (a fresh encoder would stay random)")
    ddp = start_run(args)
    seed_everything(args.seed)
    run = RunFolder(args.out, ["step", "clips_seen", "loss", "l1", "kl", "seconds"])
    ids = clip_ids(args.dataset, "train")
    if args.limit:
        ids = ids[: args.limit]
    mels = load_mels(args.dataset, ids, FRAMES)[:, 0]  # [N, 64, T] float16
    state = run.resume_state(args.resume, ddp)
    init = torch.load(args.init, map_location="cpu") if args.init and not state else None
    source = state or init
    stats = source["mel"] if source else mel_stats(mels)
    config = source["config"] if source else {"channels": [int(c) for c in args.channels.split(",")], "latent": args.latent}
    model = MelVAE(**config_kwargs(config)).to(args.device)
    # Steps the weights had before this run (--init), so the model card counts all of them.
    init_steps = state.get("init_steps", 0) if state else 0
    init_scale = state.get("init_scale") if state else None
    if init:
        model.load_state_dict(init["model"])
        init_steps = init["step"] + init.get("init_steps", 0)
        init_scale = init.get("scale")
        if ddp.main:
            print(f"initialised from {args.init} (step {init['step']})", flush=True)
    if args.freeze_encoder or (state and state.get("frozen_encoder")):
        args.freeze_encoder = True
        model.encoder.requires_grad_(False)
    trained = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(trained, lr=args.lr, betas=(0.9, 0.999), weight_decay=0.01)
    step = 0
    gen = torch.Generator().manual_seed(args.seed)
    if state:
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["opt"])
        step = state["step"]
        gen.set_state(state["gen"])
    net = DDP(model) if ddp.world > 1 else model
    if ddp.main:
        (run.out / "config.json").write_text(json.dumps({**vars(args), "model": model.config, "mel": stats, "clips": len(ids)}, indent=1))

    def save(scale: float | None = None) -> None:
        # A frozen encoder keeps the init's latent scale, so every checkpoint can be exported.
        if scale is None and args.freeze_encoder:
            scale = init_scale
        run.save({"model": model.state_dict(), "opt": opt.state_dict(), "step": step, "gen": gen.get_state(),
                  "mel": stats, "config": model.config, "scale": scale, "init_steps": init_steps, "init_scale": init_scale,
                  "frozen_encoder": args.freeze_encoder})

    rows: list[list] = []
    t0 = time.time()
    while step < args.steps:
        idx = split_batches(len(ids), args.batch, gen, ddp.rank, ddp.world)
        x = ((mels[idx].float() - stats["mean"]) / stats["std"]).to(args.device)
        recon, mean, logvar = net(x)
        l1 = F.l1_loss(recon, x)
        kl = MelVAE.kl(mean, logvar)
        loss = l1 + args.kl * kl
        opt.zero_grad()
        loss.backward()
        opt.step()
        step += 1
        rows.append([step, step * args.batch * ddp.world, f"{loss.item():.5f}", f"{l1.item():.5f}", f"{kl.item():.4f}", f"{time.time() - t0:.1f}"])
        if ddp.main and (step % args.checkpoint_every == 0 or step == args.steps):
            save()
            run.append(rows)
            rows = []
            run.plot()
            print(f"step {step}: loss {loss.item():.4f} (l1 {l1.item():.4f}, kl {kl.item():.3f})", flush=True)
    if ddp.main:
        if args.freeze_encoder and init_scale:
            # The encoder is the init's, so is the latent scale the UNet was trained with.
            scale = float(init_scale)
        else:
            # Latent scale: 1 / std of the posterior means over (up to) 256 training clips.
            model.eval()
            with torch.no_grad():
                sample = mels[: min(256, len(ids))].float()
                means = torch.cat([model.encoder(((b - stats["mean"]) / stats["std"]).to(args.device))[0].cpu() for b in sample.split(16)])
            scale = float(1.0 / means.std())
        save(scale=scale)
        if rows:
            run.append(rows)
        run.plot()
        print(json.dumps({"step": step, "clips": len(ids), "scale": scale}))
    ddp.close()


if __name__ == "__main__":
    main()
