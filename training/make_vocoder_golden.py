#!/usr/bin/python3
"""Golden audio for a model folder's vocoder: a fixed piece (a short phrase over a held chord,
synthesised here, written as 16-bit PCM) → the model's front end (front_end.LogMel) → the
vocoder run in PyTorch on the weights read back from the folder's ONNX file → a float32 WAV.

  /usr/bin/python3 training/make_vocoder_golden.py --model models/default --out test/fixtures/vocoder-golden

test/decoder/vocoder-golden.test.ts feeds the same input through the TypeScript front end and
ONNX Runtime and expects this waveform back within its stated tolerance: a vocoder (or front
end) that changes without its golden file being made again fails there. Run it again after
exporting new vocoder weights.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import wave
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from filmscore_training.front_end import LogMel, from_manifest  # noqa: E402
from recover_checkpoints import recover_vocoder  # noqa: E402

SR = 16000


def phrase(seconds: float = 1.0) -> np.ndarray:
    """A-minor triad held under a four-note melody (E5 D5 C5 B4), with a soft attack per note."""
    t = np.arange(int(seconds * SR)) / SR
    hz = lambda midi: 440.0 * 2 ** ((midi - 69) / 12)  # noqa: E731
    x = sum(0.08 * np.sin(2 * np.pi * hz(m) * t) for m in (57, 60, 64))
    quarter = len(t) // 4
    for i, m in enumerate((76, 74, 72, 71)):
        seg = slice(i * quarter, (i + 1) * quarter)
        tt = t[seg] - t[seg][0]
        env = np.minimum(1.0, tt / 0.02) * np.exp(-3.0 * tt)
        x[seg] += 0.25 * env * sum(np.sin(2 * np.pi * k * hz(m) * tt) / k for k in (1, 2, 3))
    return x


def write_wav(path: Path, x: np.ndarray, float32: bool) -> None:
    tmp = path.with_suffix(".partial")
    if float32:
        # WAVE_FORMAT_IEEE_FLOAT by hand (the wave module writes PCM only).
        data = x.astype("<f4").tobytes()
        header = b"RIFF" + (36 + len(data)).to_bytes(4, "little") + b"WAVEfmt " + (16).to_bytes(4, "little")
        header += (3).to_bytes(2, "little") + (1).to_bytes(2, "little") + SR.to_bytes(4, "little")
        header += (SR * 4).to_bytes(4, "little") + (4).to_bytes(2, "little") + (32).to_bytes(2, "little")
        tmp.write_bytes(header + b"data" + len(data).to_bytes(4, "little") + data)
    else:
        with wave.open(str(tmp), "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(SR)
            w.writeframes(np.round(np.clip(x, -1, 1) * 32767).astype("<i2").tobytes())
    os.replace(tmp, path)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True, type=Path)
    ap.add_argument("--out", required=True, type=Path)
    a = ap.parse_args()
    manifest = json.loads((a.model / "manifest.json").read_text())
    vocoder = recover_vocoder(a.model).eval()
    a.out.mkdir(parents=True, exist_ok=True)
    write_wav(a.out / "input.wav", phrase(), float32=False)
    with wave.open(str(a.out / "input.wav")) as w:
        x = np.frombuffer(w.readframes(w.getnframes()), "<i2").astype(np.float32) / 32768.0
    fe = from_manifest(manifest["mel"], manifest["sampleRate"])
    with torch.no_grad():
        mel = LogMel(fe)(torch.from_numpy(x)[None])
        y = vocoder((mel - manifest["mel"]["mean"]) / manifest["mel"]["std"])[0].numpy()
    write_wav(a.out / "golden.wav", y, float32=True)
    (a.out / "about.json").write_text(json.dumps({
        "model": str(a.model), "vocoderSteps": manifest.get("training", {}).get("vocoderSteps"),
        "nMels": fe.n_mels, "made_by": "training/make_vocoder_golden.py"}, indent=1) + "\n")
    print(json.dumps({"out": str(a.out), "samples": len(y), "peak": float(np.abs(y).max())}))


if __name__ == "__main__":
    main()
