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
import torchaudio
from torch import nn
import torch.nn.functional as F

from .front_end import band_positions


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
    """phase "integrated" (issue 11): the head predicts, per bin and frame, the phase *advance*
    since the previous frame, as the bin's own advance (2π·k·hop/n_fft) plus a deviation within
    ±π, and the phase is its running sum. A convolutional network is translation-equivariant:
    asked for the phase itself ("direct", the first bundled vocoder), it gives the same phase at
    every frame of a held note, so every partial is pulled onto a multiple of the frame rate
    (100 Hz): a 261.6 Hz C4 came out at 200 and 300 Hz. A constant advance is a constant
    frequency, which an equivariant network can give; training supervises it directly
    (instantaneous frequency, as APNet's anti-wrapping losses)."""

    def __init__(self, n_mels: int = 64, dim: int = 192, hidden: int = 576, layers: int = 6, n_fft: int = 640, hop: int = 160,
                 phase: str = "direct", local_frequency: bool = False, magnitude_prior: bool = False,
                 mel_mean: float = 0.0, mel_std: float = 1.0):
        super().__init__()
        if phase not in ("direct", "integrated"):
            raise ValueError(f"phase must be 'direct' or 'integrated', not {phase!r}")
        self.config = {"n_mels": n_mels, "dim": dim, "hidden": hidden, "layers": layers, "n_fft": n_fft, "hop": hop,
                       "phase": phase, "local_frequency": local_frequency, "magnitude_prior": magnitude_prior,
                       "mel_mean": mel_mean, "mel_std": mel_std}
        self.local = LocalFrequency(n_mels, n_fft) if local_frequency else None
        if magnitude_prior:
            self.register_buffer("prior", magnitude_prior_matrix(n_mels, n_fft))
        self.embed = nn.Conv1d(n_mels, dim, 7, padding=3)
        self.norm = nn.LayerNorm(dim)
        self.blocks = nn.ModuleList(ConvNeXtBlock(dim, hidden) for _ in range(layers))
        self.final = nn.LayerNorm(dim)
        self.bins = n_fft // 2 + 1
        # With the local path the phase comes from it alone: the head gives the magnitudes.
        self.head = nn.Linear(dim, (1 if local_frequency else 2) * self.bins)
        self.istft = InverseStft(n_fft, hop)

    def widen_input(self, n_mels: int) -> None:
        """Take a finer mel at the input, keeping what the backbone learned: each old band's
        input weights are shared by the new bands whose centres fall in it (in mel units), so
        the new input embeds a finer mel about as the old one embedded the coarse mel."""
        old = self.embed
        if old.in_channels == n_mels:
            return
        new = nn.Conv1d(n_mels, old.out_channels, old.kernel_size[0], padding=old.padding[0])
        owner = torch.floor((torch.arange(n_mels) + 0.5) * old.in_channels / n_mels).long()
        share = torch.bincount(owner, minlength=old.in_channels).float()
        with torch.no_grad():
            new.weight.copy_(old.weight[:, owner] / share[owner][None, :, None])
            new.bias.copy_(old.bias)
        self.embed = new
        self.config["n_mels"] = n_mels

    def spectrum(self, mel: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
        """[B, n_mels, T] normalised log-mel → log-magnitude, phase and (integrated phase only)
        the phase advance per frame, each [B, bins, T]."""
        h = self.norm(self.embed(mel).transpose(1, 2)).transpose(1, 2)
        for b in self.blocks:
            h = b(h)
        h = self.head(self.final(h.transpose(1, 2))).transpose(1, 2)
        logmag = h[:, : self.bins]
        if self.config.get("magnitude_prior"):
            # The head gives a correction to the mel read back onto the linear bins (measured:
            # that reading alone tracks each frame's energy with r 0.988 where the trained head
            # managed 0.879, BENCHMARKS.md).
            raw = mel * self.config["mel_std"] + self.config["mel_mean"]
            prior = torch.log(torch.einsum("km,bmt->bkt", self.prior, torch.exp(raw)).clamp(min=1e-5))
            logmag = logmag + prior
        if self.config.get("phase", "direct") == "direct":
            return logmag, h[:, self.bins :], None
        n_fft, hop = self.config["n_fft"], self.config["hop"]
        k = torch.arange(self.bins, device=mel.device)[:, None]
        t = torch.arange(mel.shape[-1], device=mel.device)[None, :]
        if self.local is not None:
            deviation = math.pi * torch.tanh(self.local(mel))
            # Trained by the instantaneous-frequency loss alone (spectral_terms): measured, the
            # waveform losses' gradient through the phase left the advance worse than the bins'
            # centres, while this loss alone halved its error in 600 steps (BENCHMARKS.md).
            synthesis = deviation.detach()
        else:
            deviation = synthesis = math.pi * torch.tanh(h[:, self.bins :])
        # The bins' own advance summed over frames, exactly: 2π·((k·t·hop) mod n_fft)/n_fft.
        base = (2 * math.pi / n_fft) * torch.remainder(k * t * hop, n_fft).to(mel.dtype)
        advance = (2 * math.pi * hop / n_fft) * k.to(mel.dtype) + deviation
        return logmag, base + torch.cumsum(synthesis, dim=-1), advance

    def forward(self, mel: torch.Tensor, with_spectrum: bool = False):
        """[B, n_mels, T] normalised log-mel → waveform [B, T·hop]; with_spectrum (training): also
        the head's log-magnitude and phase advance, for spectral_terms."""
        logmag, phase, advance = self.spectrum(mel)
        mag = torch.exp(logmag.clamp(max=6.0))
        y = self.istft(mag * torch.cos(phase), mag * torch.sin(phase))
        return (y, logmag, advance) if with_spectrum else y


def magnitude_prior_matrix(n_mels: int, n_fft: int, sample_rate: int = 16000, f_max: float = 8000.0,
                           mel_fft: int = 1024) -> torch.Tensor:
    """[bins, n_mels]: the linear magnitude at each bin of an n_fft STFT, read from a Slaney mel
    (of an mel_fft STFT's magnitude) by interpolating, in mel units, between the band centres
    each band's value over its filter's total weight (what a flat spectrum of 1 gives), scaled
    by the windows' ratio (a sinusoid's peak magnitude grows with the Hann window's sum)."""
    fb = torchaudio.functional.melscale_fbanks(mel_fft // 2 + 1, 0.0, f_max, n_mels, sample_rate, norm="slaney",
                                               mel_scale="slaney").double()
    weight = fb.sum(0)
    bins = n_fft // 2 + 1
    position = band_positions(n_mels, n_fft, sample_rate, f_max)
    low = torch.floor(position).long().clamp(max=n_mels - 2)
    frac = position - low
    m = torch.zeros(bins, n_mels, dtype=torch.float64)
    rows = torch.arange(bins)
    m[rows, low] += (1 - frac) / weight[low]
    m[rows, low + 1] += frac / weight[low + 1]
    return (m * n_fft / mel_fft).float()


class LocalFrequency(nn.Module):
    """Where in its bin a partial lies is written in the ratios of the mel bands around that
    bin; the backbone's 192 features a frame cannot carry it for 321 bins at once. This path
    reads, for every linear bin, the normalised log-mel of the four bands around it, the bin's
    place between their centres and its frequency, through one small MLP shared by all bins
    (1×1 convolutions over [features, bins, frames]): its output is the phase deviation (before
    π·tanh). Its last layer starts at zero. Assumes the front end's 16 kHz, 0–8 kHz Slaney mel."""

    def __init__(self, n_mels: int, n_fft: int, sample_rate: int = 16000, f_max: float = 8000.0, width: int = 32):
        super().__init__()
        bins = n_fft // 2 + 1
        position = band_positions(n_mels, n_fft, sample_rate, f_max)
        low = torch.floor(position).long()
        self.register_buffer("index", (low[:, None] + torch.arange(-1, 3)[None, :]).clamp(0, n_mels - 1).reshape(-1))
        self.register_buffer("place", torch.stack([(position - low).float(), torch.linspace(0, 1, bins)])[None, :, :, None])
        self.bins = bins
        self.mlp = nn.Sequential(nn.Conv2d(6, width, 1), nn.GELU(), nn.Conv2d(width, width, 1), nn.GELU(), nn.Conv2d(width, 1, 1))
        nn.init.zeros_(self.mlp[-1].weight)
        nn.init.zeros_(self.mlp[-1].bias)

    def forward(self, mel: torch.Tensor) -> torch.Tensor:  # [B, n_mels, T] → [B, bins, T]
        b, _, t = mel.shape
        around = mel.index_select(1, self.index).reshape(b, self.bins, 4, t).transpose(1, 2)  # [B, 4, bins, T]
        features = torch.cat([around, self.place.expand(b, -1, -1, t)], dim=1)
        return self.mlp(features)[:, 0]


def spectral_terms(logmag: torch.Tensor, advance: torch.Tensor | None, target: torch.Tensor, n_fft: int, hop: int
                   ) -> dict[str, torch.Tensor]:
    """Direct supervision of an integrated-phase head against the target's own STFT (the head's
    n_fft and hop, centred frames): L1 of the log-magnitudes, and the instantaneous-frequency
    loss 1 − cos(predicted − target phase advance), weighted by the partial's magnitude
    (anti-wrapping, as APNet)."""
    X = torch.stft(target, n_fft, hop, window=torch.hann_window(n_fft, device=target.device), return_complex=True)
    X = X[..., : logmag.shape[-1]]
    mag = X.abs()
    terms = {"magnitude": F.l1_loss(logmag, torch.log(mag.clamp(min=1e-5)))}
    if advance is not None:
        target_advance = torch.angle(X[..., 1:] * X[..., :-1].conj())
        w = torch.sqrt(mag[..., 1:] * mag[..., :-1])
        terms["frequency"] = (w * (1 - torch.cos(advance[..., 1:] - target_advance))).sum() / w.sum().clamp(min=1e-7)
    return terms


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
