"""The training clips' latents under a VAE: what the UNet and its control branch learn to denoise.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import torch

from .front_end import FrontEnd, cached_log_mels
from .vae import build_vae

FRAMES = 1024


@torch.no_grad()
def encode_latents(dataset: str, ids: list[str], vae_ckpt: dict, vae_path: str) -> torch.Tensor:
    """The clips' latents (posterior means × the latent scale), kept under dataset/derived/ for
    the next run on the same VAE file and clips (a 2-D encoder takes minutes on one core)."""
    st = os.stat(vae_path)
    key = hashlib.sha1(f"{os.path.abspath(vae_path)}|{st.st_size}|{st.st_mtime_ns}|{'|'.join(ids)}".encode()).hexdigest()[:12]
    cache = Path(dataset) / "derived" / f"latents-{key}.pt"
    if cache.exists():
        return torch.load(cache)
    latents = _encode(dataset, ids, vae_ckpt)
    cache.parent.mkdir(parents=True, exist_ok=True)
    tmp = cache.with_suffix(f".partial-{os.getpid()}")  # torchrun's processes may both write it
    torch.save(latents, tmp)
    os.replace(tmp, cache)
    return latents


@torch.no_grad()
def _encode(dataset: str, ids: list[str], vae_ckpt: dict) -> torch.Tensor:
    vae = build_vae(vae_ckpt["config"])
    vae.load_state_dict(vae_ckpt["model"])
    vae.eval()
    stats, scale = vae_ckpt["mel"], vae_ckpt["scale"] or 1.0
    # The VAE's own front end (front_end.py), derived from the cached audio.
    mels = cached_log_mels(dataset, ids, FRAMES, FrontEnd(n_mels=vae_ckpt["config"].get("n_mels", 64)))
    out = [vae.encoder((b.float() - stats["mean"]) / stats["std"])[0] * scale for b in mels.split(32)]
    return torch.cat(out)


