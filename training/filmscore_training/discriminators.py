"""Adversarial critics and their losses, for the VAE (a patch discriminator on the log-mel, as
AudioLDM's / Stable Diffusion's autoencoders) and the vocoder (HiFi-GAN's multi-period and
Vocos's multi-resolution discriminators). Only training uses them; nothing here is exported.

Why adversarial terms at all: an L1 / spectral loss alone is minimised by the average of the
plausible outputs, which for music is a blur across frequency (pitch lost) and a noise floor
between harmonics (DESIGN.md: the vocoder without a GAN loss triples the input's spectral
flatness). A critic that tells real from reconstructed punishes exactly that blur.

Widths are small: on a 2-core CPU each critic must cost less than the network it trains.
Losses are least-squares (LSGAN, as HiFi-GAN): real → 1, fake → 0.
"""

from __future__ import annotations

import torch
from torch import nn
import torch.nn.functional as F
from torch.nn.utils import weight_norm


def _scored(layers: nn.ModuleList, out: nn.Module, h: torch.Tensor, slope: float) -> tuple[torch.Tensor, list[torch.Tensor]]:
    """A critic's stack: each layer then leaky ReLU, every feature map kept (feature matching),
    and the score map from `out`."""
    feats = []
    for layer in layers:
        h = F.leaky_relu(layer(h), slope)
        feats.append(h)
    return out(h), feats


class PatchMelDiscriminator(nn.Module):
    """Log-mel [B, n_mels, T] → a grid of real/fake scores over time-frequency patches, and the
    feature maps on the way (for feature matching)."""

    def __init__(self, channels: tuple[int, ...] = (32, 64, 128, 128)):
        super().__init__()
        layers, cin = [], 1
        for i, ch in enumerate(channels):
            stride = (2, 2) if i < len(channels) - 1 else (1, 1)
            layers.append(weight_norm(nn.Conv2d(cin, ch, 3, stride=stride, padding=1)))
            cin = ch
        self.layers = nn.ModuleList(layers)
        self.out = weight_norm(nn.Conv2d(cin, 1, 3, padding=1))

    def forward(self, mel: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor]]:
        return _scored(self.layers, self.out, mel[:, None], 0.2)


class PeriodDiscriminator(nn.Module):
    """HiFi-GAN's: the waveform folded into [T / p, p] so each column sees every p-th sample."""

    def __init__(self, period: int, channels: tuple[int, ...] = (16, 32, 64, 128)):
        super().__init__()
        self.period = period
        layers, cin = [], 1
        for ch in channels:
            layers.append(weight_norm(nn.Conv2d(cin, ch, (5, 1), stride=(3, 1), padding=(2, 0))))
            cin = ch
        layers.append(weight_norm(nn.Conv2d(cin, cin, (5, 1), padding=(2, 0))))
        self.layers = nn.ModuleList(layers)
        self.out = weight_norm(nn.Conv2d(cin, 1, (3, 1), padding=(1, 0)))

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor]]:  # x [B, N]
        b, n = x.shape
        if n % self.period:
            x = F.pad(x, (0, self.period - n % self.period), mode="reflect")
        return _scored(self.layers, self.out, x.view(b, 1, -1, self.period), 0.1)


class ResolutionDiscriminator(nn.Module):
    """Vocos's: 2-D convolutions over one STFT resolution's log-magnitude."""

    def __init__(self, n_fft: int, hop: int, channels: int = 16):
        super().__init__()
        self.n_fft, self.hop = n_fft, hop
        self.register_buffer("window", torch.hann_window(n_fft))
        self.layers = nn.ModuleList([
            weight_norm(nn.Conv2d(1, channels, (7, 5), padding=(3, 2))),
            weight_norm(nn.Conv2d(channels, channels, (5, 3), stride=(2, 1), padding=(2, 1))),
            weight_norm(nn.Conv2d(channels, channels, (5, 3), stride=(2, 1), padding=(2, 1))),
            weight_norm(nn.Conv2d(channels, channels, (5, 3), stride=(2, 1), padding=(2, 1))),
            weight_norm(nn.Conv2d(channels, channels, 3, padding=1)),
        ])
        self.out = weight_norm(nn.Conv2d(channels, 1, 3, padding=1))

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor]]:
        with torch.autocast("cpu", enabled=False):  # the spectrum in float32 (bf16 STFTs are not a thing)
            spec = torch.stft(x.float(), self.n_fft, self.hop, window=self.window, return_complex=True).abs()
        return _scored(self.layers, self.out, torch.log(spec.clamp(min=1e-5))[:, None], 0.1)  # [B, 1, F, T]


class WaveformDiscriminators(nn.Module):
    """Multi-period (2, 3, 5, 7, 11) + multi-resolution (three STFT sizes) critics of a waveform."""

    def __init__(self, periods: tuple[int, ...] = (2, 3, 5, 7, 11), resolutions: tuple[tuple[int, int], ...] = ((512, 128), (1024, 256), (256, 64))):
        super().__init__()
        self.critics = nn.ModuleList([*(PeriodDiscriminator(p) for p in periods),
                                      *(ResolutionDiscriminator(n, h) for n, h in resolutions)])

    def forward(self, x: torch.Tensor) -> list[tuple[torch.Tensor, list[torch.Tensor]]]:
        return [c(x) for c in self.critics]


def discriminator_loss(real: list[torch.Tensor], fake: list[torch.Tensor]) -> torch.Tensor:
    """LSGAN critic loss: real scores → 1, fake → 0 (fake already detached by the caller)."""
    return sum(torch.mean((1 - r) ** 2) + torch.mean(f**2) for r, f in zip(real, fake)) / len(real)


def generator_loss(fake: list[torch.Tensor]) -> torch.Tensor:
    """LSGAN generator loss: fake scores → 1."""
    return sum(torch.mean((1 - f) ** 2) for f in fake) / len(fake)


def feature_matching_loss(real_feats: list[list[torch.Tensor]], fake_feats: list[list[torch.Tensor]]) -> torch.Tensor:
    """L1 between the critics' feature maps on real and generated input (HiFi-GAN), averaged."""
    terms = [F.l1_loss(f, r.detach()) for rs, fs in zip(real_feats, fake_feats) for r, f in zip(rs, fs)]
    return sum(terms) / len(terms)
