#!/usr/bin/python3
"""Train the VM-UNet (filmscore_training/unet.py) to denoise the mel VAE's latents of a
filmscore dataset, conditioned on the affect descriptors of the clip's own music (the
default model's route, DESIGN.md "Training without paired film clips").

  /usr/bin/python3 training/train_unet.py --dataset DIR --vae runs/vae/checkpoint.pt --out runs/unet [--steps N] [--resume]
  torchrun --nproc_per_node 2 training/train_unet.py ...   (DistributedDataParallel, gloo on CPU)

Each step: a clip's latent z0 (posterior mean × the VAE's latent scale), t uniform in 0…999,
ε ~ N(0, I), z_t = √ᾱ_t z0 + √(1−ᾱ_t) ε; loss ‖ε − UNet(z_t, t, c)‖² (noise prediction),
optionally weighted per timestep by min-SNR-γ (--snr-gamma). The
condition c is dropped (the null tokens) with probability --drop, so classifier-free guidance
works at sampling time. AdamW as the paper: lr 1e-4, β 0.9/0.999, weight decay 0.01.
Writes out/config.json, out/log.csv, out/log.png, out/checkpoint.pt (with an EMA copy).
"""
from __future__ import annotations

import argparse
import contextlib
import copy
import json
import os
import sys
import time

import torch
from torch.nn.parallel import DistributedDataParallel as DDP

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from filmscore_training.data import CONDITION_NAMES, clip_ids, load_conditions, load_film, split_batches  # noqa: E402
from filmscore_training.latents import encode_latents  # noqa: E402
from filmscore_training.diffusion import SCHEDULE, add_noise, alphas_cumprod, min_snr_weight  # noqa: E402
from filmscore_training.run import RunFolder, add_run_arguments, config_kwargs, seed_everything, start_run, update_ema  # noqa: E402
from filmscore_training.unet import VMUNet  # noqa: E402

def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dataset", required=True)
    ap.add_argument("--vae", required=True, help="the mel VAE's checkpoint.pt (train_vae.py)")
    ap.add_argument("--out", required=True)
    ap.add_argument("--steps", type=int, default=20000, help="optimiser steps in total")
    ap.add_argument("--batch", type=int, default=16, help="clips per step (per process)")
    ap.add_argument("--lr", type=float, default=1e-4, help="AdamW learning rate (the paper's)")
    ap.add_argument("--drop", type=float, default=0.1, help="probability of training a clip without its condition")
    ap.add_argument("--snr-gamma", type=float, default=0.0,
                    help="min-SNR-γ loss weighting (diffusion.min_snr_weight), e.g. 5; 0: plain MSE as the paper")
    ap.add_argument("--ema", type=float, default=0.999, help="decay of the weights' exponential moving average")
    ap.add_argument("--channels", default="128,256,256", help="UNet widths per level (each level after the first halves time)")
    ap.add_argument("--cond-dim", type=int, default=128, help="width of the condition tokens")
    ap.add_argument("--temb", type=int, default=256, help="width of the timestep embedding")
    ap.add_argument("--no-pooled-condition", dest="pooled_condition", action="store_false",
                    help="condition through cross-attention only (the first bundled model); by default the "
                         "condition tokens are also added to the timestep embedding (unet.py)")
    ap.add_argument("--noise-skip", action=argparse.BooleanOptionalAction, default=True,
                    help="the network corrects √(1 − ᾱ_t)·z_t, the best linear guess of the noise (unet.py), "
                         "instead of predicting it from nothing")
    ap.add_argument("--init", metavar="CHECKPOINT",
                    help="start from another run's weights (its EMA copy); layers it lacks, or whose shape "
                         "differs (a VAE with another latent width), keep their fresh initialisation, and the "
                         "optimiser starts anew. Ignored when --resume finds a checkpoint")
    ap.add_argument("--condition", choices=["affect", "film"], default="affect",
                    help="affect: the clip's own music descriptors (music-only corpora); film: its video's "
                         "affect levels and film-encoder branches through LAFF (real or synthetic pairs)")
    ap.add_argument("--conditions", default=",".join(CONDITION_NAMES),
                    help="the descriptors the model is conditioned on, in order (affect models); e.g. "
                         f"{','.join(CONDITION_NAMES)},noisiness adds the music's noisiness (spectral flatness)")
    ap.add_argument("--bf16", action=argparse.BooleanOptionalAction, default=None,
                    help="bfloat16 autocast (default: on for CPU; float32 master weights, norms in float32): "
                         "2.2× the float32 step rate here (BENCHMARKS.md)")
    add_run_arguments(ap)
    args = ap.parse_args()
    ddp = start_run(args)
    seed_everything(args.seed)
    run = RunFolder(args.out, ["step", "clips_seen", "loss", "seconds"])
    ids = clip_ids(args.dataset, "train", video=args.condition == "film")
    if args.limit:
        ids = ids[: args.limit]
    vae_ckpt = torch.load(args.vae, map_location="cpu")
    latents = encode_latents(args.dataset, ids, vae_ckpt, args.vae)
    film = load_film(args.dataset, ids) if args.condition == "film" else None
    # The condition tokens: the music's descriptors, or the video's (loudness from its arousal).
    names = CONDITION_NAMES if film else args.conditions.split(",")
    affect = film["affect"] if film else load_conditions(args.dataset, ids, names)
    film_dims = {k: film[k].shape[1] for k in ("semantic", "aesthetic", "emotion")} if film else None
    abar = alphas_cumprod(SCHEDULE)
    state = run.resume_state(args.resume, ddp)
    model = VMUNet(latent=latents.shape[1], channels=tuple(int(c) for c in args.channels.split(",")),
                   cond_count=len(names), cond_dim=args.cond_dim, temb=args.temb,
                   film_dims=film_dims, pooled_condition=args.pooled_condition,
                   noise_skip=args.noise_skip if not state else state["config"].get("noise_skip", False)).to(args.device)
    # Steps the weights had before this run (--init), so the model card counts all of them.
    init_steps = state.get("init_steps", 0) if state else 0
    if args.init and not state:
        init = torch.load(args.init, map_location="cpu")
        init_steps = init["step"] + init.get("init_steps", 0)
        # Layers whose shape changed (the latent's input and output convolutions, when the VAE's
        # latent width differs) start fresh like new layers; everything else carries over.
        own = model.state_dict()
        fitting = {k: v for k, v in init["ema"].items() if k not in own or own[k].shape == v.shape}
        # A model given more conditions than its init keeps what the init learnt: the old
        # descriptors' tokens, and the pooled condition's weights for them, with the new
        # tokens' columns at zero, so it starts as the init and learns the new ones.
        grown = {k: grow_into(own[k], v, k) for k, v in init["ema"].items()
                 if k in own and own[k].shape != v.shape and own[k].dim() == v.dim()
                 and all(a >= b for a, b in zip(own[k].shape, v.shape))}
        fitting.update({k: v for k, v in grown.items() if v is not None})
        if model.skip_scale is not None and not init["config"].get("noise_skip"):
            # The init's output predicted the whole noise; here it corrects the skip: from none.
            fitting = {k: v for k, v in fitting.items() if not k.startswith("out.2.")}
        missing, unexpected = model.load_state_dict(fitting, strict=False)
        if unexpected:
            sys.exit(f"--init {args.init}: its weights do not fit this network ({', '.join(unexpected[:3])} …); "
                     "use the same --channels, --cond-dim, --temb and --condition")
        if ddp.main:
            print(f"initialised from {args.init} (step {init['step']}); new: {', '.join(missing) or 'nothing'}", flush=True)
    ema = copy.deepcopy(model).eval()
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, betas=(0.9, 0.999), weight_decay=0.01)
    step = 0
    gen = torch.Generator().manual_seed(args.seed)
    if state:
        model.load_state_dict(state["model"])
        ema.load_state_dict(state["ema"])
        opt.load_state_dict(state["opt"])
        step = state["step"]
        gen.set_state(state["gen"])
    net = DDP(model) if ddp.world > 1 else model
    bf16 = args.bf16 if args.bf16 is not None else args.device == "cpu"
    autocast = (lambda: torch.autocast("cpu", dtype=torch.bfloat16)) if bf16 else contextlib.nullcontext
    if ddp.main:
        (run.out / "config.json").write_text(json.dumps({**vars(args), "model": model.config, "schedule": SCHEDULE,
                                                         "conditions": names, "clips": len(ids)}, indent=1))
    rows: list[list] = []
    t0 = time.time()
    while step < args.steps:
        idx = split_batches(len(ids), args.batch, gen, ddp.rank, ddp.world)
        z0 = latents[idx].to(args.device)
        t = torch.randint(0, SCHEDULE["steps"], (len(idx),), generator=gen)
        noise = torch.randn(z0.shape, generator=gen).to(args.device)
        keep = (torch.rand(len(idx), generator=gen) >= args.drop).float().to(args.device)
        zt = add_noise(z0, noise, t, abar)
        branches = [film[k][idx].to(args.device) for k in ("semantic", "aesthetic", "emotion")] if film else []
        with autocast():
            predicted = net(zt, t.float().to(args.device), affect[idx].to(args.device), keep, *branches)
        err = (predicted.float() - noise).pow(2).mean((1, 2))
        loss = (min_snr_weight(t, abar, args.snr_gamma).to(args.device) * err).mean()
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        step += 1
        update_ema(ema, model, args.ema, step)
        rows.append([step, step * args.batch * ddp.world, f"{loss.item():.5f}", f"{time.time() - t0:.1f}"])
        if ddp.main and (step % args.checkpoint_every == 0 or step == args.steps):
            run.save({"model": model.state_dict(), "ema": ema.state_dict(), "opt": opt.state_dict(), "step": step,
                      "init_steps": init_steps,
                      "gen": gen.get_state(), "config": model.config, "schedule": SCHEDULE, "conditions": names,
                      "condition": args.condition,
                      "vae": {"mel": vae_ckpt["mel"], "scale": vae_ckpt["scale"], "config": vae_ckpt["config"]},
                      **({} if film else {"affect_quantiles": torch.quantile(affect, torch.linspace(0.02, 0.98, 21), dim=0).T.tolist()})})
            run.append(rows)
            rows = []
            run.plot()
            print(f"step {step}: loss {loss.item():.4f}", flush=True)
    if ddp.main:
        print(json.dumps({"step": step, "clips": len(ids), "world": ddp.world}))
    ddp.close()


def grow_into(own: torch.Tensor, init: torch.Tensor, name: str) -> torch.Tensor | None:
    """`init` placed in a tensor of `own`'s larger shape: the condition tokens (cond.name,
    cond.null: one row per descriptor) keep the init's rows and their fresh new rows; the pooled
    condition's first layer (pooled.0.weight: one block of columns per token) keeps the init's
    columns and gets zeros for the new tokens'. Anything else that grew: None (fresh)."""
    out = own.clone()
    if name in ("cond.name", "cond.null"):
        out[: init.shape[0]] = init
        return out
    if name == "pooled.0.weight":
        out.zero_()
        out[:, : init.shape[1]] = init
        return out
    return None


if __name__ == "__main__":
    main()
