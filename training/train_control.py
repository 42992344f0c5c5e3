#!/usr/bin/python3
"""Train S-Control's branch (filmscore_training/control.py) on a frozen VM-UNet: the clip's own
melody and dynamics are the controls (self-supervised, as HPM), the loss is the UNet's.

  /usr/bin/python3 training/train_control.py --dataset DIR --vae runs/vae/best.pt --unet runs/unet/checkpoint.pt \
      --out runs/control [--lora 16] [--steps N] [--resume]

Each step: a clip's latent z0, t uniform in 0…999, ε ~ N(0, I), z_t = √ᾱ_t z0 + √(1−ᾱ_t) ε;
loss ‖ε − UNet(z_t, t, c, control = branch(z_t, t, c, melody, dynamics))‖², weighted by min-SNR-γ
as the UNet was. The UNet (its EMA weights) never changes. Each control is dropped on its own
with probability --drop-control (melody-only, dynamics-only and both then work), the film
condition with --drop as in the UNet's training (guidance stays on it).

--lora R trains rank-R LoRA factors on the copied blocks instead of the copies themselves (the
control encoders and zero convolutions train in full either way): HPM's Table 4a compares the
two. Writes out/config.json, out/log.csv, out/log.png, out/checkpoint.pt (with an EMA copy of the
branch; export_model.py --control merges LoRA into it).
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

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from filmscore_training.control import ControlBranch, add_lora, melody_one_hot, standardise_dynamics  # noqa: E402
from filmscore_training.data import CONDITION_NAMES, clip_ids, load_conditions, load_controls, split_batches  # noqa: E402
from filmscore_training.diffusion import SCHEDULE, add_noise, alphas_cumprod, min_snr_weight  # noqa: E402
from filmscore_training.latents import FRAMES, encode_latents  # noqa: E402
from filmscore_training.run import RunFolder, add_run_arguments, config_kwargs, seed_everything, start_run, update_ema  # noqa: E402
from filmscore_training.unet import VMUNet  # noqa: E402

def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dataset", required=True)
    ap.add_argument("--vae", required=True, help="the VAE checkpoint the UNet was trained on")
    ap.add_argument("--unet", required=True, help="the UNet's checkpoint.pt (train_unet.py); its EMA weights, frozen")
    ap.add_argument("--out", required=True)
    ap.add_argument("--steps", type=int, default=10000)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--lr", type=float, default=1e-4)
    ap.add_argument("--lr-new", type=float, default=None,
                    help="learning rate of the new layers (control encoders, zero convolutions); default 10 × --lr: "
                         "zero-initialised, they start far from their working scale (at --lr 1e-4 alone, 3200 steps "
                         "left the zero convolutions' weights at ~0.003 and melody at chance)")
    ap.add_argument("--lora", type=int, default=0, metavar="RANK",
                    help="train rank-RANK LoRA factors on the copied blocks (0: train the copies in full)")
    ap.add_argument("--lora-alpha", type=float, default=None, help="LoRA's α (default: the rank)")
    ap.add_argument("--drop", type=float, default=0.1, help="probability of training a clip without its film condition")
    ap.add_argument("--drop-control", type=float, default=0.3, help="probability of dropping each control, independently")
    ap.add_argument("--snr-gamma", type=float, default=5.0, help="min-SNR-γ weighting (as the UNet's training); 0: plain MSE")
    ap.add_argument("--t-sampling", choices=["uniform", "cubic"], default="cubic",
                    help="timesteps: uniform as the UNet's training, or cubic, t = (1 − u³)·T (T2I-Adapter's choice), "
                         "which favours the noisy steps where a piece's melody and dynamics are decided: uniform "
                         "sampling spends the loss on nearly clean steps, whose ε error (~0.09 at t = 200 against "
                         "~0.001 at t = 800) the controls cannot lower")
    ap.add_argument("--high-noise-weight", type=float, default=20.0, metavar="G",
                    help="weight the loss by 1/SNR_t (the error of the clean latent the step implies), between 1 "
                         "and G: a control decides a piece's structure at the noisy steps, where the ε error is "
                         "tiny in absolute terms (~0.001 at t = 800, SNR 0.004); 1 turns it off")
    ap.add_argument("--ema", type=float, default=0.999)
    ap.add_argument("--init", metavar="CHECKPOINT",
                    help="start from another branch run's weights (its EMA copy), e.g. one trained on an earlier "
                         "checkpoint of the same UNet; the optimiser starts anew. Ignored when --resume finds a checkpoint")
    ap.add_argument("--bf16", action=argparse.BooleanOptionalAction, default=None,
                    help="bfloat16 autocast (default: on for CPU, as train_unet.py)")
    add_run_arguments(ap)
    args = ap.parse_args()
    ddp = start_run(args)
    seed_everything(args.seed)
    run = RunFolder(args.out, ["step", "clips_seen", "loss", "seconds"])
    u = torch.load(args.unet, map_location="cpu")
    if u.get("condition", "affect") != "affect":
        sys.exit(f"{args.unet}: a control branch is trained on an affect-conditioned UNet for now")
    unet = VMUNet(**config_kwargs(u["config"]))
    unet.load_state_dict(u["ema"])
    unet.eval().requires_grad_(False).to(args.device)
    ids = clip_ids(args.dataset, "train")
    if args.limit:
        ids = ids[: args.limit]
    vae_ckpt = torch.load(args.vae, map_location="cpu")
    latents = encode_latents(args.dataset, ids, vae_ckpt, args.vae)
    if latents.shape[1] != unet.config["latent"]:
        sys.exit(f"{args.vae} gives {latents.shape[1]}-channel latents; {args.unet} was trained on {unet.config['latent']}")
    down = FRAMES // latents.shape[-1]
    affect = load_conditions(args.dataset, ids, u.get("conditions", CONDITION_NAMES))  # the UNet's, in its order
    controls = load_controls(args.dataset, ids, FRAMES)
    abar = alphas_cumprod(SCHEDULE)
    state = run.resume_state(args.resume, ddp)
    if state:
        stats = state["dynamics"]
    else:
        d = controls["dynamics"][controls["dynamics"] > -100]  # leave digital silence out
        stats = {"mean": float(d.mean()), "std": float(d.std())}
    branch = ControlBranch(unet, down).to(args.device)
    lora = state["config"].get("lora", {}).get("rank", 0) if state else args.lora
    alpha = state["config"]["lora"]["alpha"] if state and lora else args.lora_alpha
    params = add_lora(branch, lora, alpha) if lora else list(branch.parameters())
    ema = copy.deepcopy(branch).eval()
    new = {id(p) for m in (branch.encoders, branch.skip_out, branch.mid_out) for p in m.parameters()}
    groups = [{"params": [p for p in params if id(p) not in new], "lr": args.lr},
              {"params": [p for p in params if id(p) in new], "lr": args.lr_new if args.lr_new is not None else 10 * args.lr}]
    opt = torch.optim.AdamW([g for g in groups if g["params"]], betas=(0.9, 0.999), weight_decay=0.01)
    step = 0
    gen = torch.Generator().manual_seed(args.seed)
    # Steps the branch had before this run (--init), so the model card counts all of them.
    init_steps = state.get("init_steps", 0) if state else 0
    if args.init and not state:
        init = torch.load(args.init, map_location="cpu")
        init_steps = init["step"] + init.get("init_steps", 0)
        if init["config"].get("lora", {}).get("rank", 0) != lora:
            sys.exit(f"--init {args.init}: its LoRA rank differs from this run's (--lora {lora})")
        branch.load_state_dict(init["ema"])
        ema.load_state_dict(init["ema"])
        if ddp.main:
            print(f"initialised from {args.init} (step {init['step']}, UNet step {init['unet']['step']})", flush=True)
    if state:
        branch.load_state_dict(state["model"])
        ema.load_state_dict(state["ema"])
        opt.load_state_dict(state["opt"])
        step = state["step"]
        gen.set_state(state["gen"])
    trainable = sum(p.numel() for p in params)
    bf16 = args.bf16 if args.bf16 is not None else args.device == "cpu"
    autocast = (lambda: torch.autocast("cpu", dtype=torch.bfloat16)) if bf16 else contextlib.nullcontext
    if ddp.main:
        (run.out / "config.json").write_text(json.dumps({**vars(args), "branch": branch.config, "unet_config": unet.config,
                                                         "trainable": trainable, "dynamics": stats, "clips": len(ids)}, indent=1))
        print(f"branch: {trainable} trainable parameters ({'LoRA rank ' + str(lora) if lora else 'full copy'}), "
              f"{len(ids)} clips", flush=True)
    rows: list[list] = []
    t0 = time.time()
    first = step

    def save() -> None:
        nonlocal rows
        run.save({"model": branch.state_dict(), "ema": ema.state_dict(), "opt": opt.state_dict(), "step": step,
                  "gen": gen.get_state(), "config": branch.config, "dynamics": stats, "init_steps": init_steps,
                  "unet": {"path": os.path.abspath(args.unet), "step": u["step"], "config": unet.config}})
        run.append(rows)
        rows = []
        run.plot()

    if ddp.main and step == 0 and args.steps == 0:
        save()  # --steps 0: the untrained branch (zero residuals), e.g. to export the base model's twin
    while step < args.steps:
        idx = split_batches(len(ids), args.batch, gen, ddp.rank, ddp.world)
        n = len(idx)
        z0 = latents[idx].to(args.device)
        if args.t_sampling == "cubic":
            draw = torch.rand(n, generator=gen)
            t = ((1 - draw ** 3) * SCHEDULE["steps"]).long().clamp(0, SCHEDULE["steps"] - 1)
        else:
            t = torch.randint(0, SCHEDULE["steps"], (n,), generator=gen)
        noise = torch.randn(z0.shape, generator=gen).to(args.device)
        keep = (torch.rand(n, generator=gen) >= args.drop).float().to(args.device)
        keep_control = {k: (torch.rand(n, generator=gen) >= args.drop_control).float().to(args.device) for k in ("melody", "dynamics")}
        ctrl = {"melody": melody_one_hot(controls["melody"][idx]).to(args.device),
                "dynamics": standardise_dynamics(controls["dynamics"][idx], stats)[:, None].to(args.device)}
        zt = add_noise(z0, noise, t, abar)
        tf = t.float().to(args.device)
        with autocast():
            with torch.no_grad():
                temb, cond = unet.embed(tf, affect[idx].to(args.device), keep)
            residuals = branch(zt, temb, cond, ctrl, keep_control)
            predicted = unet(zt, tf, affect[idx].to(args.device), keep, control=residuals)
        err = (predicted.float() - noise).pow(2).mean((1, 2))
        snr = (abar[t] / (1 - abar[t])).float()
        weight = min_snr_weight(t, abar, args.snr_gamma) * (1 / snr).clamp(1, max(1.0, args.high_noise_weight))
        loss = (weight.to(args.device) * err).mean()
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        step += 1
        update_ema(ema, branch, args.ema, step)
        rows.append([step, step * args.batch * ddp.world, f"{loss.item():.5f}", f"{time.time() - t0:.1f}"])
        if ddp.main and (step % args.checkpoint_every == 0 or step == args.steps):
            save()
            rate = (step - first) * args.batch * ddp.world / max(time.time() - t0, 1e-9)
            print(f"step {step}: loss {loss.item():.4f} ({rate:.1f} clips/s)", flush=True)
    if ddp.main:
        print(json.dumps({"step": step, "clips": len(ids), "trainable": trainable}))
    ddp.close()


if __name__ == "__main__":
    main()
