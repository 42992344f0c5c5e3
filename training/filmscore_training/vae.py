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


class GroupNorm32(nn.GroupNorm):
    """GroupNorm computed in float32: under CPU bf16 autocast torch 1.13's GroupNorm fails
    ("expected scalar type BFloat16 but found Float"); statistics in float32 are also the safer
    ones. Same parameters as nn.GroupNorm, so older checkpoints load unchanged."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return super().forward(x.float()).to(x.dtype)


class LayerNorm32(nn.LayerNorm):
    """LayerNorm computed in float32, for the same reason as GroupNorm32 (torch 1.13's CPU
    autocast hands it bfloat16 input and float32 weights, and it refuses the mix)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return super().forward(x.float()).to(x.dtype)


def norm(ch: int) -> nn.GroupNorm:
    return GroupNorm32(min(8, ch), ch)


class ResBlock(nn.Module):
    """Norm → SiLU → 3-wide convolution, twice, plus a (1×1 where the width changes) skip;
    over time (conv=nn.Conv1d, the 1-D VAE) or over frequency × time (nn.Conv2d, MelVAE2d)."""

    def __init__(self, cin: int, cout: int, conv: type[nn.Module] = nn.Conv1d):
        super().__init__()
        self.n1, self.c1 = norm(cin), conv(cin, cout, 3, padding=1)
        self.n2, self.c2 = norm(cout), conv(cout, cout, 3, padding=1)
        self.skip = conv(cin, cout, 1) if cin != cout else nn.Identity()

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
            layers.append(ResBlock(prev, ch))
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
            layers.append(ResBlock(prev, ch))
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

    def forward(self, x: torch.Tensor, latent_noise: torch.Tensor | None = None
                ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:  # [B, 64, T]
        mean, logvar = self.encoder(x)
        return self.decoder(sample_posterior(mean, logvar, latent_noise)), mean, logvar

    @staticmethod
    def kl(mean: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
        return 0.5 * torch.mean(mean.pow(2) + logvar.exp() - 1 - logvar)


class MelVAE2d(nn.Module):
    """The mel as an image (frequency × time), as AudioLDM's VAE: 2-D convolutions share their
    filters across frequency, so a harmonic pattern learnt at one pitch serves at every pitch
    (in a 1-D VAE, where the bands are channels, each pitch is a separate pattern to learn,
    and the 64-band one kept chance-level melody: DESIGN.md). Each level after the first
    halves frequency and time; the latent [C, F/r, T/r] is flattened to [C·F/r, T/r], so the
    UNet, the ONNX graphs and the runtime see the same [channels, frames] latent as before.

    Kept slim (16–64 channels) for a 2-core CPU; trained on time crops (train_vae.py --crop),
    since every layer is convolutional."""

    def __init__(self, channels: tuple[int, ...] = (16, 48, 96), latent: int = 4, n_mels: int = 128):
        super().__init__()
        self.config = {"kind": "2d", "channels": list(channels), "latent": latent, "n_mels": n_mels}
        self.downsample = 2 ** (len(channels) - 1)
        if n_mels % self.downsample:
            raise ValueError(f"n_mels {n_mels} must be divisible by {self.downsample}")
        self.latent_channels, self.latent_bands = latent, n_mels // self.downsample
        # At full resolution a single convolution and SiLU each way (no residual block): the
        # full-resolution layers are memory-bound on a CPU and cost most of a step.
        enc: list[nn.Module] = [nn.Conv2d(1, channels[0], 3, padding=1), nn.SiLU()]
        for i, ch in enumerate(channels):
            if i > 0:
                enc.append(ResBlock(channels[i - 1], ch, nn.Conv2d))
            if i < len(channels) - 1:
                enc.append(nn.Conv2d(ch, ch, 4, stride=2, padding=1))
        enc += [norm(channels[-1]), nn.SiLU(), nn.Conv2d(channels[-1], 2 * latent, 3, padding=1)]
        rev = channels[::-1]
        dec: list[nn.Module] = [nn.Conv2d(latent, rev[0], 3, padding=1)]
        for i, ch in enumerate(rev[:-1]):
            dec.append(ResBlock(ch, ch, nn.Conv2d))
            dec += [nn.Upsample(scale_factor=2, mode="nearest"), nn.Conv2d(ch, rev[i + 1], 3, padding=1)]
        dec += [nn.SiLU(), nn.Conv2d(rev[-1], 1, 3, padding=1)]
        self.encoder = _Flatten2d(nn.Sequential(*enc), latent)
        self.decoder = _Unflatten2d(nn.Sequential(*dec), latent)

    def forward(self, x: torch.Tensor, latent_noise: torch.Tensor | None = None
                ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:  # [B, n_mels, T]
        mean, logvar = self.encoder(x)
        return self.decoder(sample_posterior(mean, logvar, latent_noise)), mean, logvar

    kl = staticmethod(MelVAE.kl)


class _Flatten2d(nn.Module):
    """[B, n_mels, T] → the 2-D encoder → (mean, logvar), each [B, C·F', T']."""

    def __init__(self, net: nn.Module, latent: int):
        super().__init__()
        self.net, self.latent = net, latent

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.net(x[:, None])  # [B, 2C, F', T']
        b, _, f, t = h.shape
        mean, logvar = h.chunk(2, dim=1)
        return mean.reshape(b, self.latent * f, t), logvar.clamp(-20, 10).reshape(b, self.latent * f, t)


class _Unflatten2d(nn.Module):
    """[B, C·F', T'] → the 2-D decoder → [B, n_mels, T]."""

    def __init__(self, net: nn.Module, latent: int):
        super().__init__()
        self.net, self.latent = net, latent

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        b, cf, t = z.shape
        return self.net(z.reshape(b, self.latent, cf // self.latent, t))[:, 0]


def sample_posterior(mean: torch.Tensor, logvar: torch.Tensor, latent_noise: torch.Tensor | None = None) -> torch.Tensor:
    """z ~ q(z|x); with latent_noise ([B], in the encoder's raw units), plus that much extra
    Gaussian noise per clip: a decoder trained on it learns to turn a slightly-off latent (what a
    diffusion sampler leaves) into a clean mel instead of streaks (train_vae.py --latent-noise)."""
    z = mean + torch.randn_like(mean) * torch.exp(0.5 * logvar)
    if latent_noise is not None:
        z = z + torch.randn_like(mean) * latent_noise.view(-1, *([1] * (mean.dim() - 1))).to(mean.dtype)
    return z


def build_vae(config: dict) -> nn.Module:
    """The VAE a saved configuration describes ("kind" "2d": MelVAE2d; otherwise the 1-D MelVAE)."""
    kwargs = {k: tuple(v) if isinstance(v, list) else v for k, v in config.items()}
    if kwargs.pop("kind", "1d") == "2d":
        return MelVAE2d(**kwargs)
    return MelVAE(**kwargs)


def latent_channels(config: dict) -> int:
    """Channels of the [channels, frames] latent the UNet sees, from a VAE's saved configuration."""
    if config.get("kind") == "2d":
        return config["latent"] * config["n_mels"] // 2 ** (len(config["channels"]) - 1)
    return config["latent"]
