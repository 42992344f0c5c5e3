#!/usr/bin/python3
"""Train the mel VAE (filmscore_training/vae.py) on a filmscore dataset's cached log-mels.

  /usr/bin/python3 training/train_vae.py --dataset DIR --out runs/vae [--steps N] [--resume]
  torchrun --nproc_per_node 2 training/train_vae.py ...   (DistributedDataParallel, gloo on CPU)

The mel is the model's own front end (filmscore_training/front_end.py: 128 Slaney bands by
default, `--n-mels`), derived from the cached 16 kHz audio; its mean/std go to the manifest.

Loss (normalised log-mel units):
  L1(x̂, x) + L1 of the frequency and time differences (sharp harmonics and onsets cost as much
  as the broad envelope) + L1 at 2× and 4× pooled resolutions (multi-resolution)
  + kl × KL(q(z|x) ‖ N(0, I))
  + from --adv-start on: adv × (LSGAN generator loss + feature matching) against a patch
    discriminator on the mel (AudioLDM's VAE recipe; filmscore_training/discriminators.py).
Every --eval-every steps the posterior mean of --val-clips held-out clips (the dataset's val
split) is decoded; out/best.pt keeps the weights with the lowest held-out L1 (early stopping on
held-out reconstruction, not on training loss): export best.pt.

Speed: --bf16 (default on CPU) runs forward and backward under bfloat16 autocast (oneDNN/AMX),
with float32 master weights and GroupNorm in float32 (vae.GroupNorm32).

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
import contextlib
import json
import os
import sys
import time

import torch
from torch.nn.parallel import DistributedDataParallel as DDP
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from filmscore_training.data import clip_ids, mel_stats, split_batches  # noqa: E402
from filmscore_training.discriminators import (PatchMelDiscriminator, discriminator_loss, feature_matching_loss,  # noqa: E402
                                               generator_loss)
from filmscore_training.front_end import FrontEnd, cached_log_mels  # noqa: E402
from filmscore_training.run import RunFolder, add_run_arguments, seed_everything, start_run  # noqa: E402
from filmscore_training.vae import MelVAE, build_vae  # noqa: E402


def reconstruction_terms(recon: torch.Tensor, x: torch.Tensor) -> dict[str, torch.Tensor]:
    """L1 of the mel, of its frequency and time differences, and of 2×/4× pooled copies."""
    recon, x = recon.float(), x.float()
    pooled = sum(F.l1_loss(F.avg_pool2d(recon[:, None], k), F.avg_pool2d(x[:, None], k)) for k in (2, 4)) / 2
    return {
        "l1": F.l1_loss(recon, x),
        "grad": F.l1_loss(recon.diff(dim=1), x.diff(dim=1)) + F.l1_loss(recon.diff(dim=2), x.diff(dim=2)),
        "pooled": pooled,
    }

FRAMES = 1024  # 10.24 s at 100 frames/s: divisible by the VAE's 4× downsampling


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dataset", required=True, help="a folder made by `filmscore dataset build`")
    ap.add_argument("--out", required=True, help="run folder (checkpoint, logs)")
    ap.add_argument("--steps", type=int, default=3000, help="optimiser steps in total (a resumed run counts on)")
    ap.add_argument("--batch", type=int, default=16, help="clips per step (per process)")
    ap.add_argument("--lr", type=float, default=2e-4, help="AdamW learning rate")
    ap.add_argument("--kl", type=float, default=1e-4, help="weight of the KL term against the L1 term")
    ap.add_argument("--kind", choices=["2d", "1d"], default="2d",
                    help="2d: the mel as an image, filters shared across frequency (vae.MelVAE2d, the default); "
                         "1d: mel bands as channels (vae.MelVAE, the first bundled model's)")
    ap.add_argument("--channels", default=None,
                    help="widths per level, each level after the first halving time (and frequency, 2d); "
                         "default 16,48,96 (2d) or 128,192,256 (1d)")
    ap.add_argument("--latent", type=int, default=None,
                    help="latent channels: 2d, per frequency row (default 4: latent 4 × n_mels/4 × T/4, 4× compression); "
                         "1d, in all (default 64: 8× for 128 bands)")
    ap.add_argument("--crop", type=int, default=256,
                    help="train on random crops of this many mel frames (divisible by 4; the networks are "
                         "convolutional); 0: whole 1024-frame windows")
    ap.add_argument("--n-mels", type=int, default=128, help="mel bands of the model's front end (16 kHz, n_fft 1024, hop 160, 0–8 kHz)")
    ap.add_argument("--adv", type=float, default=0.1, help="weight of the adversarial terms (0: none)")
    ap.add_argument("--adv-start", type=int, default=2000, help="step at which the discriminator joins")
    ap.add_argument("--val-clips", type=int, default=64, help="held-out clips for early stopping (val split)")
    ap.add_argument("--eval-every", type=int, default=250, help="steps between held-out evaluations")
    ap.add_argument("--bf16", action=argparse.BooleanOptionalAction, default=None,
                    help="bfloat16 autocast (default: on for CPU)")
    ap.add_argument("--init", metavar="CHECKPOINT",
                    help="start from this VAE checkpoint's weights, network shape and mel normalisation "
                         "(e.g. one recovered from the shipped model by recover_checkpoints.py); the optimiser "
                         "starts anew. Ignored when --resume finds a checkpoint")
    ap.add_argument("--latent-noise", type=float, default=0.0,
                    help="train the decoder on latents with extra Gaussian noise, std uniform in 0…this per clip, in "
                         "the UNet's scaled latent units (measured: the candidate's sampler leaves errors like σ 0.2–0.3, "
                         "which the plain decoder turns into streaks); held-out selection then averages the clean L1 and "
                         "the L1 at half this noise")
    ap.add_argument("--freeze-encoder", action="store_true",
                    help="train the decoder only (with --init: the latent space, and so a UNet trained on it, stays valid)")
    add_run_arguments(ap)
    args = ap.parse_args()
    if args.freeze_encoder and not args.init and not args.resume:
        ap.error("--freeze-encoder needs --init (a fresh encoder would stay random)")
    ddp = start_run(args)
    seed_everything(args.seed)
    run = RunFolder(args.out, ["step", "clips_seen", "loss", "l1", "grad", "kl", "adv", "d", "val_l1", "seconds"])
    state = run.resume_state(args.resume, ddp)
    init = torch.load(args.init, map_location="cpu") if args.init and not state else None
    source = state or init
    if source:
        config = source["config"]
    else:
        channels = args.channels or ("16,48,96" if args.kind == "2d" else "128,192,256")
        config = {"channels": [int(c) for c in channels.split(",")], "n_mels": args.n_mels,
                  "latent": args.latent or (4 if args.kind == "2d" else 64)}
        if args.kind == "2d":
            config["kind"] = "2d"
    front_end = FrontEnd(n_mels=config.get("n_mels", 64))
    ids = clip_ids(args.dataset, "train")
    if args.limit:
        ids = ids[: args.limit]
    val_ids = clip_ids(args.dataset, "val", allow_empty=True)[: args.val_clips] if args.val_clips else []
    if ddp.main:
        print(f"front end: {front_end.n_mels} mel bands; {len(ids)} training clips, {len(val_ids)} held-out", flush=True)
    mels = cached_log_mels(args.dataset, ids, FRAMES, front_end)  # [N, n_mels, T] float16
    val_mels = cached_log_mels(args.dataset, val_ids, FRAMES, front_end) if val_ids else None
    stats = source["mel"] if source else mel_stats(mels)
    bf16 = args.bf16 if args.bf16 is not None else args.device == "cpu"
    model = build_vae(config).to(args.device)
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
    disc = PatchMelDiscriminator().to(args.device)
    opt_d = torch.optim.AdamW(disc.parameters(), lr=args.lr, betas=(0.5, 0.9), weight_decay=0.01)
    step = 0
    best = {"val_l1": float("inf"), "step": 0}
    gen = torch.Generator().manual_seed(args.seed)
    if state:
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["opt"])
        if "disc" in state:
            disc.load_state_dict(state["disc"])
            opt_d.load_state_dict(state["opt_d"])
        step = state["step"]
        gen.set_state(state["gen"])
        best = state.get("best", best)
    net = DDP(model) if ddp.world > 1 else model
    autocast = (lambda: torch.autocast("cpu", dtype=torch.bfloat16)) if bf16 else contextlib.nullcontext
    if ddp.main:
        (run.out / "config.json").write_text(json.dumps({**vars(args), "model": model.config, "mel": stats, "clips": len(ids)}, indent=1))

    def latent_scale(clips: int = 256) -> float:
        """1 / std of the posterior means over (up to) `clips` training clips (a frozen encoder
        keeps the init's scale, the one the UNet was trained with)."""
        if args.freeze_encoder and init_scale:
            return float(init_scale)
        model.eval()
        with torch.no_grad():
            sample = mels[: min(clips, len(ids))].float()
            means = torch.cat([model.encoder(((b - stats["mean"]) / stats["std"]).to(args.device))[0].cpu() for b in sample.split(16)])
        model.train()
        return float(1.0 / means.std())

    def save(scale: float | None = None, best_only: bool = False) -> None:
        # A frozen encoder keeps the init's latent scale, so every checkpoint can be exported.
        if scale is None and args.freeze_encoder:
            scale = init_scale
        state = {"model": model.state_dict(), "opt": opt.state_dict(), "disc": disc.state_dict(), "opt_d": opt_d.state_dict(),
                 "step": step, "gen": gen.get_state(), "mel": stats, "config": model.config, "scale": scale,
                 "init_steps": init_steps, "init_scale": init_scale, "frozen_encoder": args.freeze_encoder, "best": best}
        if best_only:
            run.save({k: v for k, v in state.items() if k not in ("opt", "opt_d", "disc")}, "best.pt")
        else:
            run.save(state)

    def held_out_l1(noise: float = 0.0) -> float:
        """Mean L1 of the held-out clips decoded from their posterior means, plus `noise` (scaled
        latent units) of fixed-seed Gaussian noise."""
        model.eval()
        fixed = torch.Generator().manual_seed(1234)
        scale = init_scale or 1.0
        with torch.no_grad():
            total = 0.0
            for b in val_mels.split(16):
                x = ((b.float() - stats["mean"]) / stats["std"]).to(args.device)
                z = model.encoder(x)[0]
                if noise:
                    z = z + torch.randn(z.shape, generator=fixed).to(z) * (noise / scale)
                total += float(F.l1_loss(model.decoder(z), x, reduction="sum"))
        model.train()
        return total / val_mels.numel()

    def held_out_score() -> tuple[float, str]:
        """What early stopping minimises, and how it is logged."""
        clean = held_out_l1()
        if not args.latent_noise:
            return clean, f"held-out L1 {clean:.4f}"
        noisy = held_out_l1(args.latent_noise / 2)
        return (clean + noisy) / 2, f"held-out L1 {clean:.4f} clean, {noisy:.4f} at σ {args.latent_noise / 2:g}"

    rows: list[list] = []
    t0 = time.time()
    while step < args.steps:
        idx = split_batches(len(ids), args.batch, gen, ddp.rank, ddp.world)
        if args.crop and args.crop < FRAMES:
            starts = torch.randint(0, FRAMES - args.crop + 1, (len(idx),), generator=gen)
            batch = torch.stack([mels[i, :, s : s + args.crop] for i, s in zip(idx.tolist(), starts.tolist())])
        else:
            batch = mels[idx]
        x = ((batch.float() - stats["mean"]) / stats["std"]).to(args.device)
        adversarial = args.adv > 0 and step >= args.adv_start
        # Extra latent noise (--latent-noise), given in the UNet's scaled units: ÷ the latent scale.
        noise = (torch.rand(len(idx), generator=gen) * args.latent_noise / (init_scale or 1.0)).to(args.device) \
            if args.latent_noise else None
        with autocast():
            recon, mean, logvar = net(x, noise)
            terms = reconstruction_terms(recon, x)
            kl = MelVAE.kl(mean.float(), logvar.float())
            loss = terms["l1"] + terms["grad"] + terms["pooled"] + args.kl * kl
            adv = d_loss = torch.zeros(())
            if adversarial:
                fake_score, fake_feats = disc(recon)
                # One pass on the real mel serves both steps (see train_vocoder.py).
                real_score, real_feats = disc(x)
                adv = generator_loss([fake_score.float()]) + feature_matching_loss([real_feats], [fake_feats])
                loss = loss + args.adv * adv
        opt.zero_grad()
        loss.backward()
        opt.step()
        if adversarial:
            with autocast():
                fake_score, _ = disc(recon.detach())
                d_loss = discriminator_loss([real_score.float()], [fake_score.float()])
            opt_d.zero_grad()
            d_loss.backward()
            opt_d.step()
        step += 1
        val = ""
        if ddp.main and val_mels is not None and (step % args.eval_every == 0 or step == args.steps):
            v, said = held_out_score()
            val = f"{v:.5f}"
            if v < best["val_l1"]:
                best = {"val_l1": v, "step": step}
                save(scale=latent_scale(64), best_only=True)
            print(f"step {step}: {said} (best {best['val_l1']:.4f} at {best['step']})", flush=True)
        rows.append([step, step * args.batch * ddp.world, f"{loss.item():.5f}", f"{terms['l1'].item():.5f}",
                     f"{terms['grad'].item():.5f}", f"{kl.item():.4f}", f"{adv.item():.4f}", f"{d_loss.item():.4f}", val,
                     f"{time.time() - t0:.1f}"])
        if ddp.main and (step % args.checkpoint_every == 0 or step == args.steps):
            save()
            run.append(rows)
            rows = []
            run.plot()
            print(f"step {step}: loss {loss.item():.4f} (l1 {terms['l1'].item():.4f}, grad {terms['grad'].item():.4f}, "
                  f"kl {kl.item():.3f}, adv {adv.item():.3f}, d {d_loss.item():.3f}) {time.time() - t0:.0f} s", flush=True)
    if ddp.main:
        scale = latent_scale()
        save(scale=scale)
        if rows:
            run.append(rows)
        run.plot()
        print(json.dumps({"step": step, "clips": len(ids), "scale": scale, "best": best if best["step"] else None}))
    ddp.close()


if __name__ == "__main__":
    main()
