"""The dataset issue's feature cache as tensors: per clip mel.npy (T × 64 log-mel, float16,
computed by the TypeScript DSP so training and runtime share one front end), audio.npy
(16 kHz int16), affect.npy (the music-side affect descriptors, AFFECT_NAMES order).
"""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

import numpy as np
import torch

# src/conditions/affect.ts AFFECT_NAMES. The default generator is conditioned on the five the
# video side measures too, and on loudness, which the film gives as its arousal level (an
# intense picture asks for loud music) and a user may set with --mood.
AFFECT_NAMES = ["brightness", "pace", "valence", "arousal", "tension", "loudness", "dynamicRange", "mode", "density",
                "noisiness"]
CONDITION_NAMES = AFFECT_NAMES[:6]


def clip_ids(dataset: str | Path, split: str | None, video: bool = False, allow_empty: bool = False) -> list[str]:
    db = sqlite3.connect(str(Path(dataset) / "index.sqlite"))
    try:
        where = [w for w in ("split = ?" if split else "", "has_video = 1" if video else "") if w]
        q = "SELECT id FROM clips" + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY id"
        ids = [r[0] for r in db.execute(q, (split,) if split else ())]
    finally:
        db.close()
    if not ids and not allow_empty:
        raise SystemExit(f"{dataset}: no clips{' in split ' + split if split else ''} (build it with `filmscore dataset build`)")
    return ids


def dataset_meta(dataset: str | Path) -> dict:
    db = sqlite3.connect(str(Path(dataset) / "index.sqlite"))
    try:
        return {k: v for k, v in db.execute("SELECT key, value FROM meta")}
    finally:
        db.close()


def load_mels(dataset: str | Path, ids: list[str], frames: int) -> torch.Tensor:
    """[N, 1, 64, frames] float16 log-mel, cut or padded (with the clip's floor) to `frames`."""
    out = np.empty((len(ids), 1, 64, frames), np.float16)
    for i, c in enumerate(ids):
        m = np.load(Path(dataset) / "clips" / c / "mel.npy").T  # 64 × T
        t = min(frames, m.shape[1])
        out[i, 0, :, :t] = m[:, :t]
        if t < frames:
            out[i, 0, :, t:] = m.min()
    return torch.from_numpy(out)


def load_affect(dataset: str | Path, ids: list[str]) -> torch.Tensor:
    return torch.from_numpy(np.stack([np.load(Path(dataset) / "clips" / c / "affect.npy").astype(np.float32) for c in ids]))


def load_conditions(dataset: str | Path, ids: list[str], names: list[str]) -> torch.Tensor:
    """[N, len(names)] condition levels in `names`' order, from affect.npy; noisiness, which caches
    built before it lack, derived from the audio as src/conditions/music-affect.ts does."""
    affect = load_affect(dataset, ids)
    cols = []
    for n in names:
        if n not in AFFECT_NAMES:
            raise SystemExit(f"unknown condition {n!r}: use {', '.join(AFFECT_NAMES)}")
        k = AFFECT_NAMES.index(n)
        cols.append(affect[:, k] if k < affect.shape[1] else DERIVED_CONDITIONS[n](dataset, ids))
    return torch.stack(cols, dim=1)


# Spectral flatness 100–4000 Hz (src/features/flatness.ts: 16 kHz, Hann 1024, hop 160, centred
# with reflection, per-frame geometric / arithmetic mean of the power, averaged over frames).
FLATNESS = {"n_fft": 1024, "hop": 160, "f_low": 100.0, "f_high": 4000.0, "sample_rate": 16000}


def spectral_flatness(audio: np.ndarray) -> float:
    x = np.asarray(audio, np.float64)
    if x.dtype.kind == "i" or np.abs(x).max(initial=0) > 1.5:
        x = x / 32768.0
    n_fft, hop = FLATNESS["n_fft"], FLATNESS["hop"]
    x = np.pad(x, n_fft // 2, mode="reflect")
    frames = 1 + (len(x) - n_fft) // hop
    window = np.hanning(n_fft + 1)[:-1]  # periodic Hann, as torch.hann_window
    bin_hz = FLATNESS["sample_rate"] / n_fft
    lo, hi = int(np.ceil(FLATNESS["f_low"] / bin_hz)), int(np.floor(FLATNESS["f_high"] / bin_hz))
    total = 0.0
    for start in range(0, frames, 256):  # blocks of frames keep memory small
        idx = np.arange(n_fft)[None, :] + hop * np.arange(start, min(frames, start + 256))[:, None]
        p = np.abs(np.fft.rfft(x[idx] * window, axis=1))[:, lo: hi + 1] ** 2 + 1e-10
        total += float(np.sum(np.exp(np.mean(np.log(p), axis=1)) / np.mean(p, axis=1)))
    return total / frames


def noisiness_level(flatness: float) -> float:
    """Flatness on a log scale, 0.001 (a few clean partials) → 0 … 1 (white noise) → 1: the
    corpus spans 0.007–0.17 between its 10th and 90th percentiles, a ratio no linear scale reads."""
    return float(np.clip((np.log10(max(flatness, 1e-12)) + 3.0) / 3.0, 0.0, 1.0))


def noisiness_levels(dataset: str | Path, ids: list[str]) -> torch.Tensor:
    """Each clip's noisiness level, kept under dataset/derived/ (4 000 clips take a minute)."""
    import hashlib
    key = hashlib.sha1("|".join(ids).encode()).hexdigest()[:12]
    cache = Path(dataset) / "derived" / f"noisiness-{key}.npy"
    if cache.exists():
        return torch.from_numpy(np.load(cache))
    levels = np.array([noisiness_level(spectral_flatness(load_audio(dataset, c))) for c in ids], np.float32)
    cache.parent.mkdir(parents=True, exist_ok=True)
    tmp = cache.with_name(cache.stem + f".partial-{os.getpid()}.npy")
    np.save(tmp, levels)
    os.replace(tmp, cache)
    return torch.from_numpy(levels)


# What an older cache's affect.npy lacks, and how to derive it from the clip's audio.
DERIVED_CONDITIONS = {"noisiness": noisiness_levels}


def load_audio(dataset: str | Path, clip: str) -> np.ndarray:
    return np.load(Path(dataset) / "clips" / clip / "audio.npy", mmap_mode="r")


def composer_of(dataset: str | Path, ids: list[str]) -> list[str]:
    db = sqlite3.connect(str(Path(dataset) / "index.sqlite"))
    try:
        rows = dict(db.execute("SELECT id, composers FROM clips"))
    finally:
        db.close()
    return [json.loads(rows[c])[0] if json.loads(rows[c]) else "" for c in ids]


def mel_stats(mels: torch.Tensor) -> dict:
    """Mean and standard deviation of the log-mel values (one scalar each): the normalisation
    every network and the runtime share (manifest `mel.mean` / `mel.std`)."""
    x = mels.float()
    return {"mean": float(x.mean()), "std": float(x.std())}


def split_batches(n: int, batch: int, generator: torch.Generator, rank: int = 0, world: int = 1) -> torch.Tensor:
    """Random clip indices for one step: each rank draws its own share of the batch."""
    idx = torch.randint(0, n, (batch * world,), generator=generator)
    return idx[rank * batch : (rank + 1) * batch]


def load_film(dataset: str | Path, ids: list[str]) -> dict[str, torch.Tensor]:
    """A video clip's film-encoder outputs (film_*.npy): the three branches, and its affect
    levels on the music scale extended to CONDITION_NAMES (loudness from the arousal level). At
    scoring, src/generator/condition.ts gives a 'film'-kind model the same: its loudness slot is
    the calibrated arousal."""
    def arr(c: str, name: str) -> np.ndarray:
        return np.load(Path(dataset) / "clips" / c / f"film_{name}.npy").astype(np.float32)
    out = {k: torch.from_numpy(np.stack([arr(c, k) for c in ids])) for k in ("semantic", "aesthetic", "emotion")}
    affect = torch.from_numpy(np.stack([arr(c, "affect") for c in ids]))  # brightness, pace, valence, arousal, tension
    out["affect"] = torch.cat([affect, affect[:, 3:4]], dim=1)
    return out


def load_controls(dataset: str | Path, ids: list[str], frames: int) -> dict[str, torch.Tensor]:
    """S-Control's local controls of each clip, at the mel frame rate, cut or padded to `frames`:
    melody [N, frames] int8 pitch class (−1 where the clip has no frame), dynamics [N, frames] dB
    (padding repeats the clip's last value, as the mel's padding is its quietest)."""
    melody = np.full((len(ids), frames), -1, np.int8)
    dynamics = np.empty((len(ids), frames), np.float32)
    for i, c in enumerate(ids):
        m = np.load(Path(dataset) / "clips" / c / "melody.npy")
        d = np.load(Path(dataset) / "clips" / c / "dynamics.npy").astype(np.float32)
        t = min(frames, len(m))
        melody[i, :t] = m[:t]
        n = min(frames, len(d))
        dynamics[i, :n] = d[:n]
        dynamics[i, n:] = d[n - 1] if n else 0.0
    return {"melody": torch.from_numpy(melody), "dynamics": torch.from_numpy(dynamics)}
