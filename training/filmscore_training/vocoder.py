"""Mel → waveform vocoder with an iSTFT head (the Vocos design): a ConvNeXt backbone over mel
frames predicts, per frame, the log-magnitude and phase of an STFT whose hop is the mel's
(160 samples at 16 kHz), and an inverse STFT makes the waveform. Cheaper than HiFi-GAN's
upsampling stack: every layer runs at the frame rate (100 /s), not the sample rate.

The inverse STFT is written as a fixed inverse-DFT matrix and an overlap-add transposed
convolution, so it exports to ONNX (opset 17 has an STFT op but no inverse).
"""

from __future__ import annotations

import math

import torch
from torch import nn
import torch.nn.functional as F


class ConvNeXtBlock(nn.Module):
    def __init__(self, dim: int, hidden: int):
        super().__init__()
        self.dw = nn.Conv1d(dim, dim, 7, padding=3, groups=dim)
        self.norm = nn.LayerNorm(dim)
        self.pw1 = nn.Linear(dim, hidden)
        self.pw2 = nn.Linear(hidden, dim)
        self.gamma = nn.Parameter(torch.full((dim,), 1e-2))

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # [B, C, T]
        h = self.dw(x).transpose(1, 2)
        h = self.pw2(F.gelu(self.pw1(self.norm(h))))
        return x + (self.gamma * h).transpose(1, 2)


class InverseStft(nn.Module):
    """Frames of (real, imaginary) one-sided spectra → waveform, centred frames like torch.stft."""

    def __init__(self, n_fft: int, hop: int):
        super().__init__()
        self.n_fft, self.hop = n_fft, hop
        bins = n_fft // 2 + 1
        n = torch.arange(n_fft, dtype=torch.float64)
        k = torch.arange(bins, dtype=torch.float64)[:, None]
        # irfft as a matrix: x[n] = (1/N) Σ_k c_k (Re_k cos(2πkn/N) − Im_k sin(2πkn/N)), c_k = 1 at DC/Nyquist, else 2.
        c = torch.full((bins, 1), 2.0, dtype=torch.float64)
        c[0] = 1
        c[-1] = 1
        window = torch.hann_window(n_fft, periodic=True, dtype=torch.float64)
        ang = 2 * math.pi * k * n / n_fft
        self.register_buffer("cos", (c * torch.cos(ang) / n_fft * window).float())
        self.register_buffer("sin", (-c * torch.sin(ang) / n_fft * window).float())
        self.register_buffer("window_sq", (window**2).float())
        self.register_buffer("eye", torch.eye(n_fft)[:, None, :].float())

    def forward(self, real: torch.Tensor, imag: torch.Tensor) -> torch.Tensor:  # [B, bins, T] → [B, T·hop]
        frames = torch.einsum("bkt,kn->bnt", real, self.cos) + torch.einsum("bkt,kn->bnt", imag, self.sin)
        y = F.conv_transpose1d(frames, self.eye, stride=self.hop)[:, 0]
        t = real.shape[-1]
        env = F.conv_transpose1d(self.window_sq.expand(1, t, -1).transpose(1, 2).contiguous(), self.eye, stride=self.hop)[:, 0]
        y = y / env.clamp(min=1e-8)
        pad = self.n_fft // 2
        return y[:, pad : pad + t * self.hop]


class Vocoder(nn.Module):
    def __init__(self, n_mels: int = 64, dim: int = 192, hidden: int = 576, layers: int = 6, n_fft: int = 640, hop: int = 160):
        super().__init__()
        self.config = {"dim": dim, "hidden": hidden, "layers": layers, "n_fft": n_fft, "hop": hop}
        self.embed = nn.Conv1d(n_mels, dim, 7, padding=3)
        self.norm = nn.LayerNorm(dim)
        self.blocks = nn.ModuleList(ConvNeXtBlock(dim, hidden) for _ in range(layers))
        self.final = nn.LayerNorm(dim)
        self.bins = n_fft // 2 + 1
        self.head = nn.Linear(dim, 2 * self.bins)
        self.istft = InverseStft(n_fft, hop)

    def forward(self, mel: torch.Tensor) -> torch.Tensor:  # [B, 64, T] normalised log-mel → [B, T·hop]
        h = self.norm(self.embed(mel).transpose(1, 2)).transpose(1, 2)
        for b in self.blocks:
            h = b(h)
        h = self.head(self.final(h.transpose(1, 2))).transpose(1, 2)
        logmag, phase = h[:, : self.bins], h[:, self.bins :]
        mag = torch.exp(logmag.clamp(max=6.0))
        return self.istft(mag * torch.cos(phase), mag * torch.sin(phase))


def stft_mag(x: torch.Tensor, n_fft: int, hop: int) -> torch.Tensor:
    w = torch.hann_window(n_fft, device=x.device)
    return torch.stft(x, n_fft, hop, window=w, return_complex=True).abs()


def multi_resolution_stft_loss(y: torch.Tensor, x: torch.Tensor, sizes=((512, 128), (1024, 256), (2048, 512))) -> torch.Tensor:
    """Spectral convergence + log-magnitude L1, averaged over resolutions (Parallel WaveGAN)."""
    total = y.new_zeros(())
    for n_fft, hop in sizes:
        Y, X = stft_mag(y, n_fft, hop), stft_mag(x, n_fft, hop)
        sc = torch.linalg.norm(X - Y) / torch.linalg.norm(X).clamp(min=1e-7)
        mag = F.l1_loss(torch.log(Y.clamp(min=1e-5)), torch.log(X.clamp(min=1e-5)))
        total = total + sc + mag
    return total / len(sizes)
