#!/usr/bin/python3
"""Train the LAFF film fusion on (video, music) pairs of a filmscore dataset.

Until the generator exists (issue 5) the training signal is the music side of the shared
affect space: LAFF(semantic, aesthetic, emotion) -> c_film, and a linear head must predict the
paired music's affect descriptors (affect.npy) from c_film. With the generator, the same LAFF
trains end to end through the diffusion loss instead.

Usage:
  /usr/bin/python3 training/train_laff.py --dataset DIR --out DIR [--steps N] [--resume]
Writes DIR/log.csv (step, clips_seen, loss), DIR/checkpoint.pt, DIR/laff.onnx.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import sqlite3
import sys

import numpy as np
import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from filmscore_training.laff import BRANCHES, LAFF, export_onnx  # noqa: E402


def load_pairs(dataset: str, split: str | None):
    """Every clip with video: its three film branches and its music's affect descriptors."""
    db = sqlite3.connect(os.path.join(dataset, "index.sqlite"))
    query = "SELECT id FROM clips WHERE has_video = 1" + (" AND split = ?" if split else "")
    ids = [r[0] for r in db.execute(query, (split,) if split else ())]
    db.close()
    if not ids:
        raise SystemExit(f"{dataset} has no clips with video (build it from a manifest of videos)")
    def arr(clip, name):
        return np.load(os.path.join(dataset, "clips", clip, name)).astype(np.float32)
    feats = {b: torch.from_numpy(np.stack([arr(c, f"film_{b}.npy") for c in ids])) for b in BRANCHES}
    target = torch.from_numpy(np.stack([arr(c, "affect.npy") for c in ids]))
    return feats, target


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dataset", required=True, help="a folder made by `filmscore dataset build`")
    ap.add_argument("--out", required=True, help="folder for log.csv, checkpoint.pt, laff.onnx")
    ap.add_argument("--split", default=None, help="train on this split only (default: all clips)")
    ap.add_argument("--steps", type=int, default=300, help="optimiser steps in total (resume counts on)")
    ap.add_argument("--batch", type=int, default=16, help="clips per step")
    ap.add_argument("--width", type=int, default=512, help="c_film width (the paper: 512)")
    ap.add_argument("--lr", type=float, default=1e-3, help="AdamW learning rate")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    ap.add_argument("--resume", action="store_true", help="continue from out/checkpoint.pt")
    ap.add_argument("--checkpoint-every", type=int, default=100, help="steps between checkpoints")
    args = ap.parse_args()

    torch.manual_seed(args.seed)
    feats, target = load_pairs(args.dataset, args.split)
    dims = {b: feats[b].shape[1] for b in BRANCHES}
    laff = LAFF(dims, args.width).to(args.device)
    head = nn.Sequential(nn.Linear(args.width, target.shape[1]), nn.Sigmoid()).to(args.device)
    params = list(laff.parameters()) + list(head.parameters())
    opt = torch.optim.AdamW(params, lr=args.lr, betas=(0.9, 0.999), weight_decay=0.01)
    os.makedirs(args.out, exist_ok=True)
    ckpt_path = os.path.join(args.out, "checkpoint.pt")
    log_path = os.path.join(args.out, "log.csv")
    step = 0
    if args.resume and os.path.exists(ckpt_path):
        state = torch.load(ckpt_path, map_location=args.device)
        laff.load_state_dict(state["laff"])
        head.load_state_dict(state["head"])
        opt.load_state_dict(state["opt"])
        step = state["step"]
        torch.set_rng_state(state["rng"])
    elif os.path.exists(log_path):
        os.remove(log_path)

    def save() -> None:
        tmp = ckpt_path + ".partial"
        torch.save({"laff": laff.state_dict(), "head": head.state_dict(), "opt": opt.state_dict(),
                    "step": step, "rng": torch.get_rng_state(), "dims": dims, "width": args.width}, tmp)
        os.replace(tmp, ckpt_path)

    n = target.shape[0]
    new_log = not os.path.exists(log_path)
    with open(log_path, "a", newline="") as f:
        log = csv.writer(f)
        if new_log:
            log.writerow(["step", "clips_seen", "loss"])
        while step < args.steps:
            idx = torch.randint(0, n, (min(args.batch, n),))
            batch = [feats[b][idx].to(args.device) for b in BRANCHES]
            c_film, _ = laff(*batch)
            loss = nn.functional.mse_loss(head(c_film), target[idx].to(args.device))
            opt.zero_grad()
            loss.backward()
            opt.step()
            step += 1
            log.writerow([step, step * len(idx), f"{loss.item():.6f}"])
            if step % args.checkpoint_every == 0:
                save()
    save()
    tmp = os.path.join(args.out, "laff.onnx.partial")
    export_onnx(laff.cpu(), tmp)
    os.replace(tmp, os.path.join(args.out, "laff.onnx"))
    print(json.dumps({"step": step, "clips": n, "dims": dims, "width": args.width,
                      "final_loss": float(loss.item()) if args.steps > 0 else None}))


if __name__ == "__main__":
    main()
