#!/usr/bin/python3
"""Training throughput of the generator's networks on this machine: clips per second of a
full training step (forward, backward, AdamW) at the recipes' batch sizes, and the share of
the machine's measured peak that the step's FLOPs reach (DESIGN.md: 921 GFLOPS for bf16
matmul under oneDNN/AMX, 257 GFLOPS fp32 with OpenBLAS, on these 2 cores).

  /usr/bin/python3 training/measure_throughput.py [--threads 2] [--steps 5]

Each network is timed in float32 and under bfloat16 autocast (float32 master weights,
GroupNorm in float32: vae.GroupNorm32), in the same process run:
  vae1d     the first bundled VAE (64 bands as channels, whole 10.24 s windows)
  vae2d     issue 11's VAE (128-band mel as an image, 2.56 s crops: train_vae.py's default)
  unet      the VM-UNet on the 2-D VAE's latent (128 × 256)
  vocoder   the iSTFT vocoder on 1 s excerpts (reconstruction losses only)
  critics   the vocoder's multi-period + multi-resolution critics (one forward + backward)

FLOPs are counted analytically by forward hooks on every convolution, linear layer,
attention product and the inverse-STFT matrices (2 per multiply-add), and a training step
is taken as 3× its forward pass (backward ≈ 2× forward). Normalisations, activations and the
optimiser are left out, so the shares are lower bounds.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time

import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from filmscore_training.unet import Attention, VMUNet  # noqa: E402
from filmscore_training.discriminators import WaveformDiscriminators  # noqa: E402
from filmscore_training.vae import MelVAE, MelVAE2d  # noqa: E402
from filmscore_training.vocoder import InverseStft, Vocoder, multi_resolution_stft_loss  # noqa: E402

PEAK_BF16 = 921e9
PEAK_FP32 = 257e9


def forward_flops(model: nn.Module, run) -> float:
    """Multiply-adds × 2 of one forward pass, from hooks on the layers that do the work."""
    total = [0.0]

    def hook(mod, inputs, out):
        x = inputs[0]
        if isinstance(mod, nn.Conv1d):
            total[0] += 2 * out.numel() * (mod.in_channels // mod.groups) * mod.kernel_size[0]
        elif isinstance(mod, nn.Conv2d):
            total[0] += 2 * out.numel() * (mod.in_channels // mod.groups) * mod.kernel_size[0] * mod.kernel_size[1]
        elif isinstance(mod, nn.Linear):
            total[0] += 2 * (x.numel() // mod.in_features) * mod.in_features * mod.out_features
        elif isinstance(mod, Attention):
            b, c, t = x.shape
            cond = inputs[1].shape[1]
            total[0] += 2 * 2 * b * t * c * ((t if mod.self_attention else 0) + cond)
        elif isinstance(mod, InverseStft):
            b, bins, frames = x.shape
            total[0] += 2 * 2 * b * bins * frames * mod.n_fft

    handles = [m.register_forward_hook(hook) for m in model.modules()
               if isinstance(m, (nn.Conv1d, nn.Conv2d, nn.Linear, Attention, InverseStft))]
    with torch.no_grad():
        run()
    for h in handles:
        h.remove()
    return total[0]


def step_fn(name: str, batch: int, bf16: bool):
    autocast = lambda: torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16)  # noqa: E731
    if name in ("vae1d", "vae2d"):
        m = MelVAE() if name == "vae1d" else MelVAE2d()
        x = torch.randn(batch, 64, 1024) if name == "vae1d" else torch.randn(batch, 128, 256)
        def loss():
            with autocast():
                r, mu, lv = m(x)
            return (r.float() - x).abs().mean() + 1e-4 * MelVAE.kl(mu.float(), lv.float())
    elif name == "unet":
        m = VMUNet(latent=128, cond_count=6, pooled_condition=True)
        z = torch.randn(batch, 128, 256)
        def loss():
            with autocast():
                e = m(z, torch.randint(0, 1000, (batch,)).float(), torch.rand(batch, 6), torch.ones(batch))
            return (e.float() - z).pow(2).mean()
    elif name == "vocoder":
        m = Vocoder(n_mels=128)
        mel = torch.randn(batch, 128, 100)
        y = torch.randn(batch, 16000)
        def loss():
            with autocast():
                out = m(mel)
            return multi_resolution_stft_loss(out.float(), y)
    else:
        m = WaveformDiscriminators()
        y = torch.randn(batch, 16000)
        def loss():
            with autocast():
                return sum(score.float().pow(2).mean() for score, _ in m(y))
    opt = torch.optim.AdamW(m.parameters(), lr=1e-4)
    def step():
        l = loss()
        opt.zero_grad()
        l.backward()
        opt.step()
    return step, 3 * forward_flops(m, loss)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps", type=int, default=5)
    ap.add_argument("--only", default="", help="comma-separated subset: vae1d,vae2d,unet,vocoder,critics")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    out = {}
    names = a.only.split(",") if a.only else ["vae1d", "vae2d", "unet", "vocoder", "critics"]
    for name in names:
        batch = 12 if name == "critics" else 16
        # The vocoder itself trains in float32 (train_vocoder.py: a bf16 waveform has a −48 dB floor).
        for precision in ("fp32",) if name == "vocoder" else ("fp32", "bf16"):
            torch.manual_seed(0)
            step, flops = step_fn(name, batch, precision == "bf16")
            step()
            t = time.time()
            for _ in range(a.steps):
                step()
            dt = (time.time() - t) / a.steps
            key = f"{name}/{precision}"
            out[key] = {"batch": batch, "seconds_per_step": round(dt, 3), "clips_per_second": round(batch / dt, 1),
                        "gflop_per_step": round(flops / 1e9, 1), "gflops": round(flops / dt / 1e9, 1),
                        "share_of_bf16_peak": round(flops / dt / PEAK_BF16, 3)}
            print(json.dumps({key: out[key]}), flush=True)


if __name__ == "__main__":
    main()
