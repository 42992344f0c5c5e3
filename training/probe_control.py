#!/usr/bin/python3
"""How far a control branch's checkpoint already steers the melody, in seconds instead of a
generation benchmark's minutes: for a fixed set of validation clips, the clip's latent is noised to
a few timesteps, the frozen UNet predicts ε once with the branch given the clip's own melody (and
dynamics) and once without it, and the clean latent each implies is decoded by the VAE; the
decoded mel's argmax pitch class per frame is compared with the melody control.

  /usr/bin/python3 training/probe_control.py --dataset DIR --vae runs/vae/checkpoint.pt \
      --unet runs/unet/checkpoint.pt --branch runs/control/checkpoint.pt [more checkpoints…]

Prints, per checkpoint and timestep, melody accuracy with / without the controls, and the same of
the clean latent itself (the ceiling of this reading: a mel's pitch classes read through a
pseudo-inverse of its filter bank are rougher than the audio's 2048-point chroma). One denoising
step from a noisy timestep is far from a sampled piece, so the figures rank checkpoints; the
generation benchmark (bench/control-fidelity.ts) is the measure.
"""
from __future__ import annotations

import argparse
import json
import os
import sys

import torch
import torchaudio

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from filmscore_training.control import load_branch, melody_one_hot, standardise_dynamics  # noqa: E402
from filmscore_training.data import CONDITION_NAMES, clip_ids, load_conditions, load_controls  # noqa: E402
from filmscore_training.diffusion import SCHEDULE, alphas_cumprod  # noqa: E402
from filmscore_training.front_end import FrontEnd  # noqa: E402
from filmscore_training.latents import FRAMES, encode_latents  # noqa: E402
from filmscore_training.run import config_kwargs  # noqa: E402
from filmscore_training.unet import VMUNet  # noqa: E402
from filmscore_training.vae import build_vae  # noqa: E402


def pitch_class_reader(fe: FrontEnd, low_hz: float = 80.0, high_hz: float = 2000.0) -> torch.Tensor:
    """[12, n_mels]: mel magnitudes → pitch-class energies, through the filter bank's pseudo-inverse
    (linear bins between low_hz and high_hz, each credited to its nearest pitch class)."""
    fb = torchaudio.functional.melscale_fbanks(fe.n_fft // 2 + 1, fe.f_min, fe.f_max, fe.n_mels, fe.sample_rate,
                                               norm="slaney", mel_scale="slaney")  # [bins, n_mels]
    pinv = torch.linalg.pinv(fb.T.double()).float()  # [bins, n_mels]
    hz = torch.arange(fe.n_fft // 2 + 1) * fe.sample_rate / fe.n_fft
    use = (hz >= low_hz) & (hz <= high_hz)
    pc = torch.round(12 * torch.log2(hz.clamp(min=1) / 440.0) + 9).long() % 12  # A = 9, C = 0
    chroma = torch.zeros(12, fe.n_fft // 2 + 1)
    chroma[pc[use], torch.nonzero(use)[:, 0]] = 1.0
    return chroma @ pinv


def melody_accuracy(log_mel: torch.Tensor, reader: torch.Tensor, target: torch.Tensor) -> float:
    """Share of frames (with a melody) where the mel's argmax pitch class is the target's."""
    energy = torch.einsum("cm,bmt->bct", reader, log_mel.exp()).clamp(min=0) ** 2
    guess = energy.argmax(1)[:, : target.shape[1]]
    valid = target >= 0
    return float(((guess == target.long()) & valid).sum() / valid.sum().clamp(min=1))


@torch.no_grad()
def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dataset", required=True)
    ap.add_argument("--vae", required=True)
    ap.add_argument("--unet", required=True)
    ap.add_argument("--branch", required=True, nargs="+", help="train_control.py checkpoints")
    ap.add_argument("--clips", type=int, default=32, help="validation clips (the first N)")
    ap.add_argument("--timesteps", default="500,700,850")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    u = torch.load(args.unet, map_location="cpu")
    unet = VMUNet(**config_kwargs(u["config"]))
    unet.load_state_dict(u["ema"])
    unet.eval()
    vae_ckpt = torch.load(args.vae, map_location="cpu")
    vae = build_vae(vae_ckpt["config"])
    vae.load_state_dict(vae_ckpt["model"])
    vae.eval()
    stats, scale = vae_ckpt["mel"], vae_ckpt["scale"] or 1.0
    fe = FrontEnd(n_mels=vae_ckpt["config"].get("n_mels", 64))
    reader = pitch_class_reader(fe)
    ids = clip_ids(args.dataset, "val")[: args.clips]
    z0 = encode_latents(args.dataset, ids, vae_ckpt, args.vae)
    affect = load_conditions(args.dataset, ids, u.get("conditions", CONDITION_NAMES))
    controls = load_controls(args.dataset, ids, FRAMES)
    abar = alphas_cumprod(SCHEDULE)
    gen = torch.Generator().manual_seed(args.seed)
    noise = torch.randn(z0.shape, generator=gen)
    n = len(ids)
    keep = torch.ones(n)

    def decode(z: torch.Tensor) -> torch.Tensor:
        return vae.decoder(z / scale) * stats["std"] + stats["mean"]

    ceiling = melody_accuracy(decode(z0), reader, controls["melody"])
    for path in args.branch:
        ckpt = torch.load(path, map_location="cpu")
        branch = load_branch(ckpt, unet)
        ctrl = {"melody": melody_one_hot(controls["melody"]),
                "dynamics": standardise_dynamics(controls["dynamics"], ckpt["dynamics"])[:, None]}
        row = {"branch": path, "step": ckpt["step"] + ckpt.get("init_steps", 0), "ceiling": round(ceiling, 4)}
        for ts in (int(s) for s in args.timesteps.split(",")):
            t = torch.full((n,), ts)
            a = abar[t][:, None, None].float()
            zt = a.sqrt() * z0 + (1 - a).sqrt() * noise
            temb, cond = unet.embed(t.float(), affect, keep)
            on = {name: torch.ones(n) for name in ("melody", "dynamics")}
            # "without": the base model alone, as the runtime runs without a reference.
            for label, control in (("with", branch(zt, temb, cond, ctrl, on)), ("without", None)):
                eps = unet(zt, t.float(), affect, keep, control=control)
                x0 = (zt - (1 - a).sqrt() * eps) / a.sqrt()
                row[f"t{ts}_{label}"] = round(melody_accuracy(decode(x0), reader, controls["melody"]), 4)
        print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
