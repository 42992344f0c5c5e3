#!/usr/bin/python3
"""Train the project's audio embedding + style classifier (filmscore_training/style_classifier.py)
on a filmscore dataset's cached log-mels, and export it for `filmscore eval`.

  /usr/bin/python3 training/train_style_classifier.py --dataset DIR --out runs/style [--steps N] [--resume] \
      [--export models/eval]

Classes: each clip's soundtrack style (its game; style_names). Each step takes a random crop of
2.56–10.24 s from every clip of the batch, so the embedding does not depend on clip length.
Loss: cross-entropy. The export writes filmscore-style.onnx (mel [B, 64, T] log-mel →
embedding [B, E], probabilities [B, C]; the normalisation lives inside the graph) and
filmscore-style.json (classes, front end, accuracy per split), the files src/eval/audio-model.ts
reads.
"""
from __future__ import annotations

import argparse
import json
import os
import sqlite3
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.parallel import DistributedDataParallel as DDP

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from filmscore_training.data import clip_ids, load_mels, mel_stats, split_batches  # noqa: E402
from filmscore_training.run import RunFolder, add_run_arguments, seed_everything, start_run  # noqa: E402
from filmscore_training.style_classifier import StyleClassifier, style_names  # noqa: E402

FRAMES = 1024


def styles(dataset: str, ids: list[str]) -> list[str]:
    db = sqlite3.connect(str(Path(dataset) / "index.sqlite"))
    try:
        rows = dict(db.execute("SELECT id, soundtrack FROM clips"))
    finally:
        db.close()
    style = style_names(sorted(set(rows.values())))
    return [style[rows[c]] for c in ids]


@torch.no_grad()
def accuracy(model: StyleClassifier, mels: torch.Tensor, labels: torch.Tensor) -> float:
    model.eval()
    hits = sum(int((model(b.float())[1].argmax(1) == y).sum()) for b, y in zip(mels.split(64), labels.split(64)))
    model.train()
    return hits / max(1, len(labels))


class Exported(nn.Module):
    def __init__(self, model: StyleClassifier):
        super().__init__()
        self.model = model

    def forward(self, mel: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        e, logits = self.model(mel)
        return e, torch.softmax(logits, dim=1)


def export(model: StyleClassifier, classes: list[str], report: dict, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    model = model.eval()
    tmp = out / "filmscore-style.onnx.tmp"
    torch.onnx.export(Exported(model), (torch.zeros(1, 64, 256),), str(tmp), opset_version=17,
                      input_names=["mel"], output_names=["embedding", "probabilities"],
                      dynamic_axes={"mel": {0: "batch", 2: "frames"}, "embedding": {0: "batch"},
                                    "probabilities": {0: "batch"}})
    os.replace(tmp, out / "filmscore-style.onnx")
    meta = {
        "kind": "filmscore-style",
        "model": "filmscore-style.onnx",
        "frontEnd": "filmscore log-mel: 16 kHz, 64 bands (src/features/mel.ts), the dataset cache's mel.npy",
        "sampleRate": 16000,
        "embeddingDims": model.config["embedding"],
        "classes": classes,
        **report,
        "comparable": "only with other filmscore-style figures; not with VGGish or PANN FAD/KL/IS",
    }
    (out / "filmscore-style.json.tmp").write_text(json.dumps(meta, indent=1) + "\n")
    os.replace(out / "filmscore-style.json.tmp", out / "filmscore-style.json")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dataset", required=True)
    ap.add_argument("--out", required=True, help="run folder (checkpoint, logs)")
    ap.add_argument("--steps", type=int, default=1500, help="optimiser steps in total")
    ap.add_argument("--batch", type=int, default=32, help="clips per step (per process)")
    ap.add_argument("--lr", type=float, default=1e-3, help="AdamW learning rate")
    ap.add_argument("--export", metavar="DIR", help="after training, write filmscore-style.onnx/.json here")
    add_run_arguments(ap)
    args = ap.parse_args()
    ddp = start_run(args)
    seed_everything(args.seed)
    run = RunFolder(args.out, ["step", "clips_seen", "loss", "seconds"])
    ids = clip_ids(args.dataset, "train")
    if args.limit:
        ids = ids[: args.limit]
    label_names = styles(args.dataset, ids)
    classes = sorted(set(label_names))
    labels = torch.tensor([classes.index(s) for s in label_names])
    mels = load_mels(args.dataset, ids, FRAMES)[:, 0]
    state = run.resume_state(args.resume, ddp)
    stats = state["mel"] if state else mel_stats(mels)
    model = StyleClassifier(len(classes), mean=stats["mean"], std=stats["std"]).to(args.device)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)
    step = 0
    gen = torch.Generator().manual_seed(args.seed)
    if state:
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["opt"])
        step, classes = state["step"], state["classes"]
        gen.set_state(state["gen"])
    net = DDP(model) if ddp.world > 1 else model
    if ddp.main:
        (run.out / "config.json").write_text(json.dumps({**vars(args), "model": model.config, "classes": classes,
                                                         "clips": len(ids)}, indent=1))
    rows: list[list] = []
    t0 = time.time()
    while step < args.steps:
        idx = split_batches(len(ids), args.batch, gen, ddp.rank, ddp.world)
        length = int(torch.randint(256, FRAMES + 1, (1,), generator=gen))
        start = int(torch.randint(0, FRAMES - length + 1, (1,), generator=gen))
        x = mels[idx, :, start : start + length].float().to(args.device)
        loss = F.cross_entropy(net(x)[1], labels[idx].to(args.device))
        opt.zero_grad()
        loss.backward()
        opt.step()
        step += 1
        rows.append([step, step * args.batch * ddp.world, f"{loss.item():.5f}", f"{time.time() - t0:.1f}"])
        if ddp.main and (step % args.checkpoint_every == 0 or step == args.steps):
            run.save({"model": model.state_dict(), "opt": opt.state_dict(), "step": step, "gen": gen.get_state(),
                      "config": model.config, "classes": classes, "mel": stats})
            run.append(rows)
            rows = []
            run.plot()
            print(f"step {step}: loss {loss.item():.4f}", flush=True)
    if ddp.main:
        report: dict = {"steps": step, "clipsSeen": step * args.batch * ddp.world, "trainClips": len(ids), "accuracy": {}}
        for split in ("val", "test"):
            held = clip_ids(args.dataset, split, allow_empty=True)
            pairs = [(c, s) for c, s in zip(held, styles(args.dataset, held)) if s in classes]
            if pairs:
                y = torch.tensor([classes.index(s) for _, s in pairs])
                mels_held = load_mels(args.dataset, [c for c, _ in pairs], FRAMES)[:, 0]
                report["accuracy"][split] = {"clips": len(pairs), "top1": accuracy(model, mels_held, y)}
        print(json.dumps(report))
        if args.export:
            export(model, classes, report, Path(args.export))
    ddp.close()


if __name__ == "__main__":
    main()
