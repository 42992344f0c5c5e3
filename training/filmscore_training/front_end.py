"""The model's audio front end on the training side: the log-mel the VAE and the vocoder see.

It is the TypeScript front end's (src/features/mel.ts `logMel` with the manifest's `mel`
parameters) computed by torchaudio, so training can derive it from the cached 16 kHz audio for
any band count without rebuilding the dataset; test/features/model-front-end.test.ts pins the
two together. The paper's 64-band AudioLDM features stay what the metrics and the feature cache
use; a model's own front end is recorded in its manifest.

Why 128 bands (BENCHMARKS.md, "What the audio representation keeps"): below ~800 Hz a 64-band
band is wider than a semitone, so pitch classes blur and even a perfect decoder keeps about half
the melody frames; 128 bands at 16 kHz / hop 160 keep 78 % through Griffin-Lim and the 100
frames/s control grid.
"""

from __future__ import annotations

import hashlib
import math
import os
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
import torchaudio


@dataclass(frozen=True)
class FrontEnd:
    """STFT and mel parameters (units: Hz and samples), as the manifest's `mel` records them."""

    sample_rate: int = 16000
    n_fft: int = 1024
    hop: int = 160  # 100 frames/s, the control grid
    n_mels: int = 128
    f_min: float = 0.0
    f_max: float = 8000.0
    log_floor: float = 1e-5  # log(max(mel, floor)), AudioLDM's

    def manifest(self) -> dict:
        """The manifest's `mel` entry (without mean/std, which the training set gives)."""
        return {"nFft": self.n_fft, "hopLength": self.hop, "winLength": self.n_fft, "nMels": self.n_mels,
                "fMin": self.f_min, "fMax": self.f_max, "power": 1, "logFloor": self.log_floor}

    def key(self) -> str:
        return hashlib.sha1(repr(sorted(asdict(self).items())).encode()).hexdigest()[:10]


AUDIOLDM_64 = FrontEnd(n_mels=64)
PITCH_128 = FrontEnd(n_mels=128)


def from_manifest(mel: dict, sample_rate: int = 16000) -> FrontEnd:
    return FrontEnd(sample_rate=sample_rate, n_fft=int(mel["nFft"]), hop=int(mel["hopLength"]), n_mels=int(mel["nMels"]),
                    f_min=float(mel["fMin"]), f_max=float(mel["fMax"]), log_floor=float(mel["logFloor"]))


def slaney_mel(hz: torch.Tensor) -> torch.Tensor:
    """Slaney's mel scale (linear to 1 kHz, log above), as torchaudio's mel_scale="slaney"."""
    return torch.where(hz < 1000, hz / (200 / 3), 15 + torch.log(hz.clamp(min=1e-3) / 1000) / (math.log(6.4) / 27))


def band_positions(n_mels: int, n_fft: int, sample_rate: int = 16000, f_max: float = 8000.0) -> torch.Tensor:
    """Where each bin of an n_fft STFT falls among the mel bands (0–f_max Slaney, f_min 0): the
    fractional index of its frequency between the bands' centres, in mel units, clamped to the
    first and last band (float64, [n_fft/2 + 1])."""
    centres = torch.linspace(0, float(slaney_mel(torch.tensor(f_max))), n_mels + 2, dtype=torch.float64)[1:-1]
    hz = torch.arange(n_fft // 2 + 1, dtype=torch.float64) * sample_rate / n_fft
    return ((slaney_mel(hz) - centres[0]) / (centres[1] - centres[0])).clamp(0, n_mels - 1)


class LogMel(torch.nn.Module):
    """Waveform [B, N] → log-mel [B, n_mels, N // hop + 1] (centred, reflect-padded frames,
    magnitude mel, Slaney bands and area norm): differentiable, so losses can use it."""

    def __init__(self, fe: FrontEnd = PITCH_128):
        super().__init__()
        self.fe = fe
        fb = torchaudio.functional.melscale_fbanks(fe.n_fft // 2 + 1, fe.f_min, fe.f_max, fe.n_mels, fe.sample_rate,
                                                   norm="slaney", mel_scale="slaney")
        self.register_buffer("fbank", fb)
        self.register_buffer("window", torch.hann_window(fe.n_fft))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        spec = torch.stft(x.float(), self.fe.n_fft, self.fe.hop, window=self.window, center=True, pad_mode="reflect",
                          return_complex=True).abs()
        return torch.log(torch.clamp(torch.einsum("bft,fm->bmt", spec, self.fbank), min=self.fe.log_floor))


def cached_log_mels(dataset: str | Path, ids: list[str], frames: int, fe: FrontEnd = PITCH_128,
                    audio_name: str = "audio.npy") -> torch.Tensor:
    """[N, n_mels, frames] float16 log-mels of the clips' cached audio, cut or padded with each
    clip's floor to `frames`. Computed once per (front end, clip list) and kept under
    dataset/derived/ (a cache: delete it freely)."""
    ids_key = hashlib.sha1("\n".join(ids).encode()).hexdigest()[:10]
    path = Path(dataset) / "derived" / f"logmel-{fe.key()}-{ids_key}-{frames}.npy"
    if path.exists():
        return torch.from_numpy(np.load(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    out = np.empty((len(ids), fe.n_mels, frames), np.float16)
    log_mel = LogMel(fe)
    with torch.no_grad():
        for i, c in enumerate(ids):
            audio = np.load(Path(dataset) / "clips" / c / audio_name).astype(np.float32) / 32768.0
            m = log_mel(torch.from_numpy(audio)[None])[0].numpy()
            t = min(frames, m.shape[1])
            out[i, :, :t] = m[:, :t]
            if t < frames:
                out[i, :, t:] = m.min()
    tmp = path.with_suffix(".partial.npy")
    np.save(tmp, out)
    os.replace(tmp, path)
    return torch.from_numpy(out)
