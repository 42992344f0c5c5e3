#!/usr/bin/python3
"""Train the iSTFT-head vocoder (filmscore_training/vocoder.py): normalised log-mel → 16 kHz
waveform, on random excerpts of the dataset's clips (the model's front end derived from the
cached 16 kHz audio, filmscore_training/front_end.py; 128 bands by default, `--n-mels`).

  /usr/bin/python3 training/train_vocoder.py --dataset DIR --out runs/vocoder [--steps N] [--resume]
  # start from another vocoder's backbone (e.g. the shipped one, recovered), widening its input:
  /usr/bin/python3 training/train_vocoder.py ... --init runs/shipped/vocoder/checkpoint.pt --mel-stats runs/vae/best.pt

Loss, as HiFi-GAN / Vocos: first (until --gan-start) the reconstruction alone, multi-resolution
STFT (spectral convergence + log-magnitude L1 at 512/1024/2048) + mel × L1 between the log-mels
of output and target + (the integrated-phase head, vocoder.py) the head's own spectrum against
the target's: log-magnitude L1 and the instantaneous-frequency loss; from --gan-start on also adv × (LSGAN generator loss + 2 × feature
matching) against multi-period (2, 3, 5, 7, 11) and multi-resolution STFT critics
(filmscore_training/discriminators.py). Without the adversarial terms the vocoder leaves a
noise floor between harmonics (DESIGN.md: three times the input's spectral flatness).

Every --eval-every steps --val-clips held-out clips (val split) are vocoded whole: the log-mel
L1 and the spectral flatness (100–4000 Hz) against the original are logged, and out/best.pt
keeps the weights with the lowest mel L1 + flatness excess.
Writes out/config.json, out/log.csv, out/log.png, out/checkpoint.pt, out/best.pt.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch.nn.parallel import DistributedDataParallel as DDP

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from filmscore_training.data import clip_ids, load_audio, mel_stats  # noqa: E402
from filmscore_training.discriminators import (WaveformDiscriminators, discriminator_loss, feature_matching_loss,  # noqa: E402
                                               generator_loss)
from filmscore_training.front_end import FrontEnd, LogMel, cached_log_mels  # noqa: E402
from filmscore_training.run import RunFolder, add_run_arguments, config_kwargs, seed_everything, start_run  # noqa: E402
from filmscore_training.vocoder import Vocoder, multi_resolution_stft_loss, spectral_terms  # noqa: E402

HOP = 160
FRAMES = 1001  # a 10 s clip's mel frames (centred STFT)


def spectral_flatness(x: torch.Tensor, sample_rate: int = 16000, band: tuple[float, float] = (100.0, 4000.0)) -> torch.Tensor:
    """Mean over frames of geometric / arithmetic mean of the power spectrum in `band` (the same
    reading as src/features/flatness.ts): low for tonal music, high for noise."""
    spec = torch.stft(x, 1024, 160, window=torch.hann_window(1024), return_complex=True).abs() ** 2 + 1e-10
    freqs = torch.arange(spec.shape[-2]) * sample_rate / 1024
    p = spec[..., (freqs >= band[0]) & (freqs <= band[1]), :]
    return (torch.exp(torch.log(p).mean(-2)) / p.mean(-2)).mean(-1)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dataset", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--steps", type=int, default=4000, help="optimiser steps in total")
    ap.add_argument("--batch", type=int, default=16, help="excerpts per step (per process)")
    ap.add_argument("--frames", type=int, default=100, help="mel frames per excerpt (100 = 1 s)")
    ap.add_argument("--lr", type=float, default=5e-4, help="AdamW learning rate (generator and critics)")
    ap.add_argument("--mel-weight", type=float, default=1.0, help="weight of the log-mel L1 term")
    ap.add_argument("--n-mels", type=int, default=128, help="mel bands of the model's front end")
    ap.add_argument("--dim", type=int, default=192, help="ConvNeXt width")
    ap.add_argument("--hidden", type=int, default=576, help="ConvNeXt hidden width")
    ap.add_argument("--layers", type=int, default=6, help="ConvNeXt blocks")
    ap.add_argument("--phase", choices=["integrated", "direct"], default="integrated",
                    help="how the head makes phase (vocoder.py): integrated advance per frame (default), or "
                         "per-frame phase (the first bundled vocoder; pulls held notes onto 100 Hz multiples)")
    ap.add_argument("--local-frequency", action=argparse.BooleanOptionalAction, default=True,
                    help="the integrated phase also reads the mel bands around each bin (vocoder.LocalFrequency)")
    ap.add_argument("--magnitude-prior", action=argparse.BooleanOptionalAction, default=True,
                    help="the head corrects the mel read back onto the linear bins (vocoder.magnitude_prior_matrix) "
                         "instead of predicting magnitudes from nothing")
    ap.add_argument("--gan-start", type=int, default=1000, help="step at which the critics join (0: from the start)")
    ap.add_argument("--adv", type=float, default=1.0, help="weight of the adversarial terms (0: none)")
    ap.add_argument("--init", metavar="CHECKPOINT", help="start from this vocoder's weights (its input widened to --n-mels)")
    ap.add_argument("--mel-stats", default=None, help="a VAE run's checkpoint whose mel mean/std to share (it must use the same front end)")
    ap.add_argument("--val-clips", type=int, default=8, help="held-out clips vocoded at each evaluation")
    ap.add_argument("--eval-every", type=int, default=250, help="steps between held-out evaluations")
    ap.add_argument("--bf16", action=argparse.BooleanOptionalAction, default=None,
                    help="bfloat16 autocast for the critics (default: on for CPU); the vocoder and the "
                         "STFT losses stay float32")
    add_run_arguments(ap)
    args = ap.parse_args()
    ddp = start_run(args)
    seed_everything(args.seed + ddp.rank)
    run = RunFolder(args.out, ["step", "clips_seen", "loss", "stft", "mel", "magnitude", "frequency", "adv", "fm", "d",
                               "val_mel", "val_flatness_ratio", "seconds"])
    state = run.resume_state(args.resume, ddp)
    config = state["config"] if state else {"n_mels": args.n_mels, "dim": args.dim, "hidden": args.hidden, "layers": args.layers,
                                            "phase": args.phase,
                                            "local_frequency": args.local_frequency and args.phase == "integrated",
                                            "magnitude_prior": args.magnitude_prior}
    front_end = FrontEnd(n_mels=config["n_mels"])
    ids = clip_ids(args.dataset, "train")
    if args.limit:
        ids = ids[: args.limit]
    val_ids = clip_ids(args.dataset, "val", allow_empty=True)[: args.val_clips] if args.val_clips else []
    mels = cached_log_mels(args.dataset, ids, FRAMES, front_end)
    if state:
        stats = state["mel"]
    elif args.mel_stats:
        stats = torch.load(args.mel_stats, map_location="cpu")["mel"]
    else:
        stats = mel_stats(mels)
    if not state:
        config = {**config, "mel_mean": stats["mean"], "mel_std": stats["std"]}
    model = Vocoder(**config_kwargs(config)).to(args.device)
    if args.init and not state:
        init = torch.load(args.init, map_location="cpu")
        # The init's shape, with this run's phase head (its weights are the same shape either way).
        local = args.local_frequency and args.phase == "integrated"
        old = Vocoder(**config_kwargs({**init["config"], "phase": args.phase, "local_frequency": local,
                                       "magnitude_prior": args.magnitude_prior,
                                       "mel_mean": stats["mean"], "mel_std": stats["std"]}))
        weights = dict(init["model"])
        if weights["head.weight"].shape[0] != old.head.weight.shape[0]:
            # The local path takes over the phase: keep the head's magnitude half.
            weights["head.weight"] = weights["head.weight"][: old.head.weight.shape[0]]
            weights["head.bias"] = weights["head.bias"][: old.head.bias.shape[0]]
        # strict=False: a path the init lacks (LocalFrequency) keeps its fresh, zero-output start,
        # and the magnitude prior is a fixed buffer.
        missing, unexpected = old.load_state_dict(weights, strict=False)
        if unexpected or any(not (k.startswith("local.") or k == "prior") for k in missing):
            sys.exit(f"--init {args.init}: its weights do not fit ({', '.join((unexpected + missing)[:3])})")
        config = old.config
        if args.magnitude_prior and not init["config"].get("magnitude_prior"):
            # The head's magnitudes become a correction to the prior: start it at none.
            with torch.no_grad():
                old.head.weight[: old.bins] = 0
                old.head.bias[: old.bins] = 0
        if init["config"].get("phase", "direct") != args.phase and not local:
            # The head's phase half meant something else: start it at zero (integrated: every
            # partial at its bin's centre frequency, tanh unsaturated).
            with torch.no_grad():
                old.head.weight[old.bins :] = 0
                old.head.bias[old.bins :] = 0
        old.widen_input(front_end.n_mels)
        # The old input expected its own normalisation: fold the change into the widened input
        # conv (x_old = (m − μ_old) / σ_old = (x_new·σ_new + μ_new − μ_old) / σ_old).
        a = stats["std"] / init["mel"]["std"]
        b = (stats["mean"] - init["mel"]["mean"]) / init["mel"]["std"]
        with torch.no_grad():
            old.embed.bias += b * old.embed.weight.sum(dim=(1, 2))
            old.embed.weight *= a
        model = Vocoder(**config_kwargs({**old.config, "n_mels": front_end.n_mels})).to(args.device)
        weights = old.state_dict()
        if "prior" in weights:  # a fixed buffer of this band count, not a learnt weight
            weights["prior"] = model.prior
        model.load_state_dict(weights)
        if ddp.main:
            print(f"initialised from {args.init} (step {init['step']}), input widened to {front_end.n_mels} bands", flush=True)
    critics = WaveformDiscriminators().to(args.device)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, betas=(0.8, 0.99), weight_decay=0.01)
    opt_d = torch.optim.AdamW(critics.parameters(), lr=args.lr, betas=(0.8, 0.99), weight_decay=0.01)
    step = 0
    best = {"score": float("inf"), "step": 0}
    rng = np.random.default_rng(args.seed + ddp.rank)
    if state:
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["opt"])
        if "critics" in state:
            critics.load_state_dict(state["critics"])
            opt_d.load_state_dict(state["opt_d"])
        step = state["step"]
        rng.bit_generator.state = state["rng"]
        best = state.get("best", best)
    net = DDP(model) if ddp.world > 1 else model
    log_mel = LogMel(front_end).to(args.device)
    bf16 = args.bf16 if args.bf16 is not None else args.device == "cpu"
    autocast = (lambda: torch.autocast("cpu", dtype=torch.bfloat16)) if bf16 else contextlib.nullcontext
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

    # The held-out clips, read once: the vocoder's input and what its output is compared with.
    held_out_clips = []
    with torch.no_grad():
        for c in val_ids:
            audio = torch.from_numpy(np.asarray(load_audio(args.dataset, c), np.float32) / 32768.0)[None]
            m = log_mel(audio)
            # The output is frames × hop samples, cut to the clip: compare the span both have.
            n = min(m.shape[-1] * HOP, audio.shape[1])
            held_out_clips.append(((m - stats["mean"]) / stats["std"], n, log_mel(audio[:, :n]), spectral_flatness(audio)[0]))

    def held_out() -> tuple[float, float]:
        """Log-mel L1 and flatness ratio (output / original) over the held-out clips, whole."""
        model.eval()
        mel_l1, ratios = [], []
        with torch.no_grad():
            for mel_in, n, target_mel, target_flatness in held_out_clips:
                y = model(mel_in)[:, :n]
                mel_l1.append(float(F.l1_loss(log_mel(y), target_mel)))
                ratios.append(float(spectral_flatness(y)[0] / target_flatness))
        model.train()
        return float(np.mean(mel_l1)), float(np.mean(ratios))

    def save(best_only: bool = False) -> None:
        full = {"model": model.state_dict(), "opt": opt.state_dict(), "critics": critics.state_dict(), "opt_d": opt_d.state_dict(),
                "step": step, "rng": rng.bit_generator.state, "mel": stats, "config": model.config, "best": best,
                "front_end": front_end.manifest()}
        if best_only:
            run.save({k: v for k, v in full.items() if k not in ("opt", "critics", "opt_d")}, "best.pt")
        else:
            run.save(full)

    rows: list[list] = []
    t0 = time.time()
    while step < args.steps:
        mel, target = batch()
        adversarial = args.adv > 0 and step >= args.gan_start
        # float32: bf16 would quantise the waveform itself (a −48 dB noise floor)
        y, logmag, advance = net(mel, with_spectrum=True)
        stft = multi_resolution_stft_loss(y, target)
        mel_l1 = F.l1_loss(log_mel(y), log_mel(target))
        head = spectral_terms(logmag, advance, target, model.config["n_fft"], model.config["hop"])
        magnitude, frequency = head["magnitude"], head.get("frequency", torch.zeros(()))
        loss = stft + args.mel_weight * mel_l1 + magnitude + frequency
        adv = fm = d_loss = torch.zeros(())
        if adversarial:
            with autocast():
                fake = critics(y)
                # One pass on the real audio serves both steps: its features, detached, for the
                # feature matching here; its scores for the critics' step below (their weights
                # do not change in between).
                real = critics(target)
            adv = generator_loss([s.float() for s, _ in fake])
            fm = feature_matching_loss([f for _, f in real], [f for _, f in fake])
            loss = loss + args.adv * (adv + 2 * fm)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        opt.step()
        if adversarial:
            with autocast():
                fake = critics(y.detach())
            d_loss = discriminator_loss([s.float() for s, _ in real], [s.float() for s, _ in fake])
            opt_d.zero_grad()
            d_loss.backward()
            torch.nn.utils.clip_grad_norm_(critics.parameters(), 5.0)
            opt_d.step()
        step += 1
        val_mel = val_flat = ""
        if ddp.main and val_ids and (step % args.eval_every == 0 or step == args.steps):
            v_mel, v_flat = held_out()
            val_mel, val_flat = f"{v_mel:.5f}", f"{v_flat:.4f}"
            # Mel L1 plus the flatness excess over the original (noise the vocoder adds).
            score = v_mel + max(0.0, v_flat - 1.0)
            if score < best["score"]:
                best = {"score": score, "step": step, "val_mel": v_mel, "val_flatness_ratio": v_flat}
                save(best_only=True)
            print(f"step {step}: held-out mel L1 {v_mel:.4f}, flatness ×{v_flat:.2f} (best {best['score']:.4f} at {best['step']})", flush=True)
        rows.append([step, step * args.batch * ddp.world, f"{loss.item():.5f}", f"{stft.item():.5f}", f"{mel_l1.item():.5f}",
                     f"{magnitude.item():.5f}", f"{frequency.item():.5f}", f"{adv.item():.4f}", f"{fm.item():.4f}", f"{d_loss.item():.4f}", val_mel, val_flat, f"{time.time() - t0:.1f}"])
        if ddp.main and (step % args.checkpoint_every == 0 or step == args.steps):
            save()
            run.append(rows)
            rows = []
            run.plot()
            print(f"step {step}: loss {loss.item():.4f} (stft {stft.item():.4f}, mel {mel_l1.item():.4f}, magnitude "
                  f"{magnitude.item():.4f}, frequency {frequency.item():.4f}, adv {adv.item():.3f}, "
                  f"fm {fm.item():.3f}, d {d_loss.item():.3f}) {time.time() - t0:.0f} s", flush=True)
    if ddp.main:
        print(json.dumps({"step": step, "clips": len(ids), "best": best if best["step"] else None}))
    ddp.close()


if __name__ == "__main__":
    main()
