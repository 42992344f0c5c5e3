"""The project's own audio embedding and style classifier (evaluation issue): a small 1-D
CNN over the front end's 64-band log-mel, trained on the built-in corpus to tell its
soundtracks' styles apart. Its 128-d penultimate layer is the embedding `filmscore eval`
fits Gaussians to (FAD), and its class probabilities feed KL and IS.

It exists because no VGGish or PANN weights can be had here (DESIGN.md). Numbers it gives are
comparable with each other, never with published VGGish/PANN figures.
"""

from __future__ import annotations

import torch
from torch import nn
import torch.nn.functional as F


def style_names(soundtracks: list[str]) -> dict[str, str]:
    """Each soundtrack's style class: its game. Albums of one game ("Warzone 2100: Legacy
    Soundtrack", "Warzone 2100: Aftermath Soundtrack", "Warzone 2100") share the text before
    ": " with another soundtrack and are merged under it; a lone title with a colon ("UFO: Alien
    Invasion") keeps its whole name."""
    prefix = {s: s.split(":")[0].strip() for s in soundtracks}
    shared = {p for p in prefix.values() if sum(1 for q in prefix.values() if q == p) > 1}
    return {s: prefix[s] if prefix[s] in shared else s for s in soundtracks}


class Block(nn.Module):
    def __init__(self, cin: int, cout: int):
        super().__init__()
        self.conv = nn.Conv1d(cin, cout, 3, padding=1)
        self.norm = nn.GroupNorm(8, cout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.max_pool1d(F.gelu(self.norm(self.conv(x))), 2)


class StyleClassifier(nn.Module):
    """log-mel [B, 64, T] (any T ≥ 16) → embedding [B, E], logits [B, classes]."""

    def __init__(self, classes: int, channels: tuple[int, ...] = (128, 128, 192, 256), embedding: int = 128,
                 mean: float = 0.0, std: float = 1.0):
        super().__init__()
        self.config = {"classes": classes, "channels": list(channels), "embedding": embedding, "mean": mean, "std": std}
        self.mean, self.std = mean, std
        widths = (64, *channels)
        self.blocks = nn.Sequential(*[Block(a, b) for a, b in zip(widths, widths[1:])])
        self.embed = nn.Linear(2 * channels[-1], embedding)
        self.head = nn.Linear(embedding, classes)

    def forward(self, mel: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.blocks((mel - self.mean) / self.std)
        # Mean and max over time: the clip's overall colour and its strongest moments.
        e = self.embed(torch.cat([h.mean(-1), h.amax(-1)], dim=1))
        return e, self.head(F.gelu(e))
