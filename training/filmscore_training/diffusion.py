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


def min_snr_weight(t: torch.Tensor, abar: torch.Tensor, gamma: float) -> torch.Tensor:
    """Min-SNR-γ loss weights for ε-prediction (Hang et al. 2023): min(SNR_t, γ) / SNR_t. They
    lower the weight of the nearly clean timesteps (SNR above γ), whose large ε errors are about
    fine detail, so more of the gradient goes to the noisier steps where a clip's overall
    loudness and pace are decided. γ = 0 turns the weighting off (plain MSE, all weights 1)."""
    if gamma <= 0:
        return torch.ones(len(t))
    snr = abar[t] / (1 - abar[t])
    return (torch.clamp(snr, max=gamma) / snr).float()
