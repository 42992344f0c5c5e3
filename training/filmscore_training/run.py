"""What every training script shares: seeding, a run folder with a checkpoint that resumes,
a CSV log of loss against clips seen and its PNG plot, and distributed (torchrun / gloo)
set-up. Training loops stay in the scripts; the inference API never imports this.
"""

from __future__ import annotations

import csv
import os
import random
import struct
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
import torch.distributed as dist


def config_kwargs(config: dict) -> dict:
    """A network's saved `config` (JSON lists) as its constructor's keyword arguments (tuples)."""
    return {k: tuple(v) if isinstance(v, list) else v for k, v in config.items()}


@torch.no_grad()
def update_ema(ema: torch.nn.Module, model: torch.nn.Module, decay: float, step: int) -> None:
    """The weights' exponential moving average after `step` optimiser steps: the decay warms up
    as (1 + step) / (10 + step) to `decay`; parameters that do not train (a frozen LoRA base)
    are left as they are."""
    d = min(decay, (1 + step) / (10 + step))
    for pe, pm in zip(ema.parameters(), model.parameters()):
        if pm.requires_grad:
            pe.mul_(d).add_(pm.detach(), alpha=1 - d)


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def add_run_arguments(ap) -> None:
    """The options every training script shares."""
    ap.add_argument("--limit", type=int, default=0, help="use only the first N training clips (smoke runs)")
    ap.add_argument("--seed", type=int, default=0, help="seed of every random draw (data order, noise, init)")
    ap.add_argument("--threads", type=int, default=2, help="torch CPU threads per process")
    ap.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    ap.add_argument("--resume", action="store_true", help="continue from out/checkpoint.pt (the log goes on)")
    ap.add_argument("--checkpoint-every", type=int, default=200, help="steps between checkpoints and log writes")


def start_run(args) -> "Distributed":
    """Threads and the process group (torchrun sets WORLD_SIZE; otherwise one process)."""
    torch.set_num_threads(args.threads)
    return Distributed.init(args.device)


@dataclass
class Distributed:
    """Rank and world size; world 1 when not launched by torchrun."""

    rank: int = 0
    world: int = 1

    @property
    def main(self) -> bool:
        return self.rank == 0

    @staticmethod
    def init(device: str) -> "Distributed":
        if "WORLD_SIZE" not in os.environ or int(os.environ["WORLD_SIZE"]) == 1:
            return Distributed()
        dist.init_process_group("gloo" if device == "cpu" else "nccl")
        return Distributed(dist.get_rank(), dist.get_world_size())

    def close(self) -> None:
        if self.world > 1:
            dist.destroy_process_group()


@dataclass
class RunFolder:
    """out/checkpoint.pt (atomic), out/log.csv (appended, kept on resume), out/log.png."""

    out: Path
    columns: list[str] = field(default_factory=lambda: ["step", "clips_seen", "loss"])

    def __post_init__(self) -> None:
        self.out = Path(self.out)
        self.out.mkdir(parents=True, exist_ok=True)

    @property
    def checkpoint(self) -> Path:
        return self.out / "checkpoint.pt"

    @property
    def log(self) -> Path:
        return self.out / "log.csv"

    def start(self, resume: bool) -> dict | None:
        """The checkpoint to resume from (None: a fresh run, whose old log is cleared)."""
        if resume and self.checkpoint.exists():
            return torch.load(self.checkpoint, map_location="cpu")
        if resume:
            print(f"{self.checkpoint} not found: starting a fresh run")
        if self.log.exists():
            self.log.unlink()
        return None

    def resume_state(self, resume: bool, ddp: "Distributed") -> dict | None:
        """The state every process starts from: the main one clears or keeps the run folder
        (start), the others read the same checkpoint when resuming."""
        if ddp.main:
            return self.start(resume)
        return torch.load(self.checkpoint, map_location="cpu") if resume and self.checkpoint.exists() else None

    def save(self, state: dict, name: str = "checkpoint.pt") -> None:
        """Write out/`name` atomically (checkpoint.pt to resume from; best.pt for the weights that
        did best on held-out data, without optimiser state)."""
        path = self.out / name
        tmp = path.with_suffix(".partial")
        torch.save(state, tmp)
        os.replace(tmp, path)

    def append(self, rows: list[list]) -> None:
        new = not self.log.exists()
        with open(self.log, "a", newline="") as f:
            w = csv.writer(f)
            if new:
                w.writerow(self.columns)
            w.writerows(rows)

    def plot(self, y: str = "loss") -> Path:
        """Loss against clips seen as a PNG (log-scaled y), with no plotting library."""
        xs, ys = [], []
        with open(self.log) as f:
            for row in csv.DictReader(f):
                xs.append(float(row["clips_seen"]))
                ys.append(float(row[y]))
        path = self.out / "log.png"
        write_line_plot(path, np.array(xs), np.array(ys))
        return path


def write_line_plot(path: Path, x: np.ndarray, y: np.ndarray, width: int = 640, height: int = 320) -> None:
    """A minimal PNG line plot: y on a log scale, smoothed with a running mean, grey raw points."""
    img = np.full((height, width, 3), 255, np.uint8)
    pad = 20
    if len(x) >= 2 and np.all(np.isfinite(y)):
        ly = np.log10(np.maximum(y, 1e-12))
        lo, hi = ly.min(), ly.max() + 1e-9
        x0, x1 = x.min(), x.max() + 1e-9
        px = (pad + (x - x0) / (x1 - x0) * (width - 2 * pad)).astype(int)
        k = max(1, len(y) // 50)
        smooth = np.convolve(np.pad(ly, (k // 2, k - 1 - k // 2), mode="edge"), np.ones(k) / k, mode="valid")
        for vals, colour in ((ly, (190, 190, 190)), (smooth, (30, 80, 200))):
            py = np.clip(height - pad - (vals - lo) / (hi - lo) * (height - 2 * pad), 0, height - 1).astype(int)
            for i in range(len(px) - 1):
                n = max(abs(px[i + 1] - px[i]), abs(py[i + 1] - py[i]), 1)
                for t in np.linspace(0, 1, n + 1):
                    img[int(py[i] + t * (py[i + 1] - py[i])), int(px[i] + t * (px[i + 1] - px[i]))] = colour
        img[height - pad, pad : width - pad] = 0
        img[pad : height - pad, pad] = 0
    raw = b"".join(b"\x00" + img[r].tobytes() for r in range(height))

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))

    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
    png += chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b"")
    tmp = Path(str(path) + ".partial")
    tmp.write_bytes(png)
    os.replace(tmp, path)
