#!/usr/bin/python3
"""Training throughput of the generator's networks on this machine: clips per second of a
full training step (forward, backward, AdamW) at the recipes' batch sizes, and the share of
the machine's measured peak that the step's FLOPs reach (DESIGN.md: 921 GFLOPS for bf16
matmul under oneDNN/AMX, 257 GFLOPS fp32 with OpenBLAS, on these 2 cores).

  /usr/bin/python3 training/measure_throughput.py [--threads 2] [--steps 5]

FLOPs are counted by torch.profiler (with_flops: matmuls and convolutions, forward and
backward), so elementwise work is left out and the shares are lower bounds.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time

import torch
from torch.profiler import ProfilerActivity, profile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from filmscore_training.unet import VMUNet  # noqa: E402
from filmscore_training.vae import MelVAE  # noqa: E402
from filmscore_training.vocoder import Vocoder, multi_resolution_stft_loss  # noqa: E402

PEAK_BF16 = 921e9
PEAK_FP32 = 257e9


def step_fn(name: str, batch: int):
    if name == "vae":
        m = MelVAE()
        x = torch.randn(batch, 64, 1024)
        def loss():
            r, mu, lv = m(x)
            return (r - x).abs().mean() + 1e-4 * MelVAE.kl(mu, lv)
    elif name == "unet":
        m = VMUNet(cond_count=6)
        z = torch.randn(batch, 32, 256)
        def loss():
            return (m(z, torch.randint(0, 1000, (batch,)).float(), torch.rand(batch, 6), torch.ones(batch)) - z).pow(2).mean()
    else:
        m = Vocoder()
        mel = torch.randn(batch, 64, 100)
        y = torch.randn(batch, 16000)
        def loss():
            return multi_resolution_stft_loss(m(mel), y)
    opt = torch.optim.AdamW(m.parameters(), lr=1e-4)
    def step():
        l = loss()
        opt.zero_grad()
        l.backward()
        opt.step()
    return step


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps", type=int, default=5)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    out = {}
    for name, batch in (("vae", 16), ("unet", 16), ("vocoder", 16)):
        step = step_fn(name, batch)
        step()
        with profile(activities=[ProfilerActivity.CPU], with_flops=True) as prof:
            step()
        flops = sum(e.flops for e in prof.key_averages() if e.flops)
        t = time.time()
        for _ in range(a.steps):
            step()
        dt = (time.time() - t) / a.steps
        out[name] = {"batch": batch, "seconds_per_step": round(dt, 3), "clips_per_second": round(batch / dt, 1),
                     "gflop_per_step": round(flops / 1e9, 1), "gflops": round(flops / dt / 1e9, 1),
                     "share_of_bf16_peak": round(flops / dt / PEAK_BF16, 3), "share_of_fp32_peak": round(flops / dt / PEAK_FP32, 3)}
        print(json.dumps({name: out[name]}), flush=True)


if __name__ == "__main__":
    main()
