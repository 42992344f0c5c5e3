"""LAFF — Lightweight Attentional Feature Fusion (Hu et al., ECCV 2022), the film encoder's
fusion in HPM: each branch (semantic, aesthetic, emotion) is projected to a common width, and
the fused condition c_film is a convex combination of the projections whose weights come from
a softmax over a learned score of each. The emotion branch enters as class probabilities (or a
one-hot label) and its projection is the paper's linear embedding c_e = Embed(E)."""
from __future__ import annotations

import torch
from torch import nn

# The branches in the order the ONNX graph takes them.
BRANCHES = ("semantic", "aesthetic", "emotion")


class LAFF(nn.Module):
    def __init__(self, dims: dict[str, int], width: int = 512):
        super().__init__()
        self.dims = dict(dims)
        self.width = width
        self.project = nn.ModuleDict({name: nn.Linear(dims[name], width) for name in BRANCHES})
        # One score per projected feature; softmax over the branches gives the weights.
        self.score = nn.Linear(width, 1)

    def forward(self, semantic: torch.Tensor, aesthetic: torch.Tensor, emotion: torch.Tensor):
        feats = {"semantic": semantic, "aesthetic": aesthetic, "emotion": emotion}
        h = torch.stack([torch.tanh(self.project[n](feats[n])) for n in BRANCHES], dim=1)  # [B, 3, W]
        weights = torch.softmax(self.score(h).squeeze(-1), dim=1)  # [B, 3], convex
        return (weights.unsqueeze(-1) * h).sum(dim=1), weights  # c_film [B, W], weights [B, 3]


def export_onnx(model: LAFF, path: str) -> None:
    """Export with a dynamic batch; inputs semantic/aesthetic/emotion, outputs c_film/weights."""
    model.eval()
    example = tuple(torch.zeros(1, model.dims[n]) for n in BRANCHES)
    torch.onnx.export(
        model,
        example,
        path,
        input_names=list(BRANCHES),
        output_names=["c_film", "weights"],
        dynamic_axes={**{n: {0: "batch"} for n in BRANCHES}, "c_film": {0: "batch"}, "weights": {0: "batch"}},
        opset_version=17,
    )
