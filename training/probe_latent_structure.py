#!/usr/bin/python3
"""How much temporal structure the UNet's samples have, against the real latents they imitate.

  /usr/bin/python3 training/probe_latent_structure.py --dataset DIR --vae runs/vae/best.pt --unet runs/unet/checkpoint.pt \
      [--clips 8] [--every 4] [--steps 50] [--guidance 1,3]

Takes every --every-th test clip, the --clips slowest and fastest of them by their pace
descriptor, and compares their latents (posterior means × the latent scale) with DDIM samples
of the UNet's EMA asked for the same clips' descriptors: the latents' autocorrelation over time
at lags 1, 4 and 16 frames (real slow music stays correlated for a second; a sampler that makes
flicker does not), and on the decoded mel an onset-strength proxy (mean positive spectral flux)
and its peaks per second. Used in session 6 to find why the candidate's pace came out
reversed (BENCHMARKS.md, "Why the candidate's pace is reversed").
"""
from __future__ import annotations

import argparse
import os
import sqlite3
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from filmscore_training.diffusion import alphas_cumprod  # noqa: E402
from filmscore_training.front_end import FrontEnd, cached_log_mels  # noqa: E402
from filmscore_training.run import config_kwargs  # noqa: E402
from filmscore_training.unet import VMUNet  # noqa: E402
from filmscore_training.vae import build_vae  # noqa: E402

FRAMES = 1024


def autocorrelation(z: torch.Tensor, lag: int) -> float:
    """Mean over clips and channels of the lag-`lag` autocorrelation along time."""
    z = z - z.mean(-1, keepdim=True)
    return ((z[..., lag:] * z[..., :-lag]).mean(-1) / (z.var(-1) + 1e-8)).mean().item()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dataset", required=True)
    ap.add_argument("--vae", required=True, help="the VAE checkpoint the UNet was trained on (with its latent scale)")
    ap.add_argument("--unet", required=True)
    ap.add_argument("--clips", type=int, default=8, help="slowest and fastest clips compared")
    ap.add_argument("--every", type=int, default=4, help="take every n-th test clip")
    ap.add_argument("--steps", type=int, default=50, help="DDIM steps")
    ap.add_argument("--guidance", default="1,3", help="classifier-free guidance scales to sample with")
    ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    v = torch.load(a.vae, map_location="cpu")
    vae = build_vae(v["config"])
    vae.load_state_dict(v["model"])
    vae.eval()
    stats, scale = v["mel"], v["scale"]
    u = torch.load(a.unet, map_location="cpu")
    net = VMUNet(**config_kwargs(u["config"]))
    net.load_state_dict(u["ema"])
    net.eval()
    names = u["conditions"]
    pace_at = names.index("pace")
    db = sqlite3.connect(os.path.join(a.dataset, "index.sqlite"))
    ids = [r[0] for r in db.execute("SELECT id FROM clips WHERE split = 'test' ORDER BY id")][:: a.every]
    affect = np.stack([np.load(os.path.join(a.dataset, "clips", i, "affect.npy"))[: len(names)] for i in ids])
    order = np.argsort(affect[:, pace_at])
    abar = alphas_cumprod()
    front_end = FrontEnd(n_mels=v["config"].get("n_mels", 64))

    def decode(z: torch.Tensor) -> torch.Tensor:
        return vae.decoder(z / scale) * stats["std"] + stats["mean"]

    def describe(z: torch.Tensor) -> str:
        mel = decode(z)
        flux = (mel[:, :, 1:] - mel[:, :, :-1]).clamp(min=0).mean(1)
        peaks = (flux > flux.mean(-1, keepdim=True) + 2 * flux.std(-1, keepdim=True)).float().sum(-1).mean().item()
        return (f"autocorrelation lag 1 / 4 / 16: {autocorrelation(z, 1):.3f} / {autocorrelation(z, 4):.3f} / "
                f"{autocorrelation(z, 16):.3f}; flux {flux.mean().item():.3f}, peaks {peaks / (FRAMES / 100):.2f}/s")

    def sample(cond: torch.Tensor, guidance: float) -> torch.Tensor:
        gen = torch.Generator().manual_seed(0)
        z = torch.randn(len(cond), u["config"]["latent"], FRAMES // vae.downsample, generator=gen)
        ts = torch.linspace(999, 0, a.steps).round().long()
        keep, drop = torch.ones(len(cond)), torch.zeros(len(cond))
        for k, t in enumerate(ts):
            tt = torch.full((len(cond),), float(t))
            uncond = net(z, tt, cond, drop)
            eps = uncond + guidance * (net(z, tt, cond, keep) - uncond)
            x0 = (z - (1 - abar[t]).sqrt() * eps) / abar[t].sqrt()
            nxt = abar[ts[k + 1]] if k + 1 < len(ts) else torch.tensor(1.0)
            z = nxt.sqrt() * x0 + (1 - nxt).sqrt() * eps
        return z

    print(f"UNet step {u['step']}, {len(ids)} test clips", flush=True)
    with torch.no_grad():
        for label, sel in (("slowest", order[: a.clips]), ("fastest", order[-a.clips:])):
            mels = cached_log_mels(a.dataset, [ids[i] for i in sel], FRAMES, front_end).float()
            real = vae.encoder((mels - stats["mean"]) / stats["std"])[0] * scale
            print(f"{label} {a.clips} (pace {affect[sel, pace_at].mean():.2f}) real: {describe(real)}", flush=True)
            for g in (float(x) for x in a.guidance.split(",")):
                z = sample(torch.tensor(affect[sel], dtype=torch.float32), g)
                print(f"  generated, guidance {g:g}: {describe(z)}", flush=True)


if __name__ == "__main__":
    main()
