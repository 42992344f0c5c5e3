"""The forward (noising) process the UNet is trained on. The runtime's schedulers rebuild the
same ᾱ table from the manifest's `schedule` entry, so the two must agree (a test checks it).

AudioLDM's choice: "scaled linear" betas, 1000 steps, β from 0.0015 to 0.0195.
"""

from __future__ import annotations

import torch

SCHEDULE = {"kind": "scaled_linear", "steps": 1000, "beta_start": 0.0015, "beta_end": 0.0195, "prediction": "epsilon"}


def alphas_cumprod(schedule: dict = SCHEDULE) -> torch.Tensor:
    if schedule["kind"] != "scaled_linear":
        raise ValueError(f"unknown schedule {schedule['kind']}")
    betas = torch.linspace(schedule["beta_start"] ** 0.5, schedule["beta_end"] ** 0.5, schedule["steps"], dtype=torch.float64) ** 2
    return torch.cumprod(1 - betas, dim=0)


def add_noise(z0: torch.Tensor, noise: torch.Tensor, t: torch.Tensor, abar: torch.Tensor) -> torch.Tensor:
    a = abar[t].float().to(z0.device)[:, None, None]
    return a.sqrt() * z0 + (1 - a).sqrt() * noise
