#!/usr/bin/python3
"""The reference side of bench/features.bench.ts: the same front end computed with Debian's
torchaudio (+ scipy for Savitzky-Golay, aubio for onsets), timed on the same audio.
Usage: reference_features.py <mono float32 file at 22050 Hz>. Prints JSON timings (seconds)."""
import json
import sys
import time

import numpy as np
import torch
import torchaudio
import torchaudio.functional as F
from scipy.signal import savgol_filter

torch.set_num_threads(2)
x22 = torch.from_numpy(np.fromfile(sys.argv[1], dtype="<f4"))
t = {}

def timed(name, fn):
    s = time.perf_counter()
    out = fn()
    t[name] = time.perf_counter() - s
    return out

x = timed("resample", lambda: F.resample(x22, 22050, 16000, resampling_method="sinc_interpolation"))
mel_t = torchaudio.transforms.MelSpectrogram(16000, n_fft=1024, win_length=1024, hop_length=160,
                                             f_min=0, f_max=8000, n_mels=64, power=1.0,
                                             norm="slaney", mel_scale="slaney")
timed("mel", lambda: torch.log(torch.clamp(mel_t(x), min=1e-5)))
# Chroma: the same 2048-sample STFT at hop 160 and a 12 x 1025 filter bank.
chroma_fb = torch.rand(12, 1025)
def chroma():
    S = torch.stft(x, 2048, 160, 2048, torch.hann_window(2048), return_complex=True).abs() ** 2
    c = chroma_fb @ S
    return c.argmax(0)
timed("melody", chroma)
def dynamics():
    S = torch.stft(x, 1024, 160, 1024, torch.hann_window(1024), return_complex=True).abs() ** 2
    e = 10 * torch.log10(torch.clamp(S[2:].sum(0), min=1e-10))  # from 20 Hz (bin 2) up
    return savgol_filter(e.numpy(), 279, 2)
timed("dynamics", dynamics)
onset_mel = torchaudio.transforms.MelSpectrogram(22050, n_fft=2048, hop_length=512, n_mels=128,
                                                 power=2.0, norm="slaney", mel_scale="slaney")
def onset_strength():
    d = torchaudio.functional.amplitude_to_DB(onset_mel(x22), 10, 1e-10, 0, 80)
    return torch.clamp(d[:, 1:] - d[:, :-1], min=0).mean(0)
timed("onsetStrength", onset_strength)
def aubio_onsets():
    import aubio
    a = x22.numpy()
    o = aubio.onset("default", 1024, 512, 22050)
    n = 0
    for i in range(0, len(a) - 512 + 1, 512):
        n += int(bool(o(a[i:i + 512])))
    return n
timed("aubioOnsets", aubio_onsets)
# Griffin-Lim: 32 fast rounds (momentum 0.99, zero initial phase) on 10.24 s of the 16 kHz
# audio's magnitude at the front end's STFT (n_fft 1024, hop 160), as filmscore's vocoder runs it.
gl_mag = torch.stft(x[:163840], 1024, 160, 1024, torch.hann_window(1024), return_complex=True).abs()
timed("griffinLim", lambda: F.griffinlim(gl_mag, torch.hann_window(1024), 1024, 160, 1024, 1.0,
                                         32, 0.99, 163840, False))
# One 2048-point real FFT, for the FFT row of the table (batched as torch.stft would).
frames = torch.randn(20000, 2048, dtype=torch.float32)
t["rfft2048x20000"] = 0.0
timed("rfft2048x20000", lambda: torch.fft.rfft(frames, dim=1))
t["total"] = t["resample"] + t["mel"] + t["melody"] + t["dynamics"] + t["onsetStrength"]
json.dump(t, sys.stdout)
