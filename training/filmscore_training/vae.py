"""The mel VAE: a log-mel 64 × 1024 (10.24 s) ↔ a latent 32 × 256, KL-regularised so the
diffusion model has a smooth space to work in.

Why not AudioLDM's shape (the mel as a 1 × 64 × 1024 image, latent 8 × 16 × 256)? On this
2-core machine its 2-D convolutions at full mel resolution train at 1.2 clips/s (fp32,
batch 8; bf16 autocast fails in torch 1.13's GroupNorm), an hour per epoch of the corpus.
Treating the 64 mel bins as channels of a 1-D signal over time, downsampled 4× like
AudioLDM's time axis, trains an order of magnitude faster (BENCHMARKS.md) and leaves a latent
the diffusion UNet can also treat as 1-D.

Mel values are normalised with the dataset's mean and standard deviation (kept in the
model manifest); the latent is multiplied by `scale` (1 / its std over the training set,
the Stable Diffusion habit) before diffusion sees it.
"""

from __future__ import annotations

import torch
from torch import nn
import torch.nn.functional as F


def norm(ch: int) -> nn.GroupNorm:
    return nn.GroupNorm(min(8, ch), ch)


class ResBlock1d(nn.Module):
    def __init__(self, cin: int, cout: int):
        super().__init__()
        self.n1, self.c1 = norm(cin), nn.Conv1d(cin, cout, 3, padding=1)
        self.n2, self.c2 = norm(cout), nn.Conv1d(cout, cout, 3, padding=1)
        self.skip = nn.Conv1d(cin, cout, 1) if cin != cout else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.c1(F.silu(self.n1(x)))
        h = self.c2(F.silu(self.n2(h)))
        return self.skip(x) + h


class Encoder(nn.Module):
    def __init__(self, channels: tuple[int, ...], latent: int, n_mels: int):
        super().__init__()
        layers: list[nn.Module] = [nn.Conv1d(n_mels, channels[0], 3, padding=1)]
        for i, ch in enumerate(channels):
            prev = channels[max(0, i - 1)]
            layers.append(ResBlock1d(prev, ch))
            if i < len(channels) - 1:
                layers.append(nn.Conv1d(ch, ch, 4, stride=2, padding=1))
        layers += [norm(channels[-1]), nn.SiLU(), nn.Conv1d(channels[-1], 2 * latent, 3, padding=1)]
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        mean, logvar = self.net(x).chunk(2, dim=1)
        return mean, logvar.clamp(-20, 10)


class Decoder(nn.Module):
    def __init__(self, channels: tuple[int, ...], latent: int, n_mels: int):
        super().__init__()
        rev = channels[::-1]
        layers: list[nn.Module] = [nn.Conv1d(latent, rev[0], 3, padding=1)]
        for i, ch in enumerate(rev):
            prev = rev[max(0, i - 1)]
            layers.append(ResBlock1d(prev, ch))
            if i < len(rev) - 1:
                layers += [nn.Upsample(scale_factor=2, mode="nearest"), nn.Conv1d(ch, ch, 3, padding=1)]
        layers += [norm(rev[-1]), nn.SiLU(), nn.Conv1d(rev[-1], n_mels, 3, padding=1)]
        self.net = nn.Sequential(*layers)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z)


class MelVAE(nn.Module):
    def __init__(self, channels: tuple[int, ...] = (128, 192, 256), latent: int = 32, n_mels: int = 64):
        super().__init__()
        self.config = {"channels": list(channels), "latent": latent, "n_mels": n_mels}
        self.encoder = Encoder(channels, latent, n_mels)
        self.decoder = Decoder(channels, latent, n_mels)
        self.downsample = 2 ** (len(channels) - 1)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:  # [B, 64, T]
        mean, logvar = self.encoder(x)
        z = mean + torch.randn_like(mean) * torch.exp(0.5 * logvar)
        return self.decoder(z), mean, logvar

    @staticmethod
    def kl(mean: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
        return 0.5 * torch.mean(mean.pow(2) + logvar.exp() - 1 - logvar)
