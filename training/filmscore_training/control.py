"""S-Control (HPM §3): a ControlNet branch that carries a reference piece's melody and dynamics
into the frozen VM-UNet, with LoRA as the cheap way to train it.

The branch is a trainable copy of the UNet's input convolution, down blocks and middle. Its
input is the noisy latent plus the local controls, each brought to the latent's frame rate by a
small strided convolution stack that ends in a zero-initialised convolution (HPM's
C = norm(z_t) + Z(conv_mel) + Z(conv_dyn); RMS-ControlNet and Uni-ControlNet encode local
controls the same way). Each copied level's output goes through a zero-initialised 1×1
convolution into the frozen UNet's skip at that level, and the middle's into its middle
(unet.VMUNet.forward `control`). At the start every residual is exactly zero, so the branch
begins as the base model and training moves it only as far as the controls help.

The branch reads the film condition as the UNet does: it shares the frozen UNet's timestep
embedding and condition tokens (VMUNet.embed), so guidance on the film stays what it was.

Controls, at the mel frame rate (100 frames/s, the front end's hop):
- melody: 12 × T one-hot of the argmax pitch class per frame (src/features/melody.ts);
- dynamics: 1 × T, the Savitzky–Golay-smoothed frame energy in dB (src/features/dynamics.ts),
  standardised with the training set's mean and deviation (kept in the checkpoint).
A control that is absent is zeros with its keep flag 0: training drops each one independently so
melody-only, dynamics-only and both work at inference.
"""

from __future__ import annotations

import copy
import math

import torch
from torch import nn
import torch.nn.functional as F

from .unet import VMUNet

# Input channels of each local control.
CONTROLS = {"melody": 12, "dynamics": 1}


def zero_conv(cin: int, cout: int) -> nn.Conv1d:
    conv = nn.Conv1d(cin, cout, 1)
    nn.init.zeros_(conv.weight)
    nn.init.zeros_(conv.bias)
    return conv


class ControlEncoder(nn.Module):
    """A control at the mel frame rate (cin × T) → the branch's width at the latent's rate
    (width × T / down): a 3-tap convolution, then one stride-2 convolution per halving, then a
    zero convolution (so an untrained encoder adds nothing)."""

    def __init__(self, cin: int, width: int, down: int, hidden: int = 64):
        super().__init__()
        if down < 1 or down & (down - 1):
            raise ValueError(f"the latent's time compression must be a power of two, not {down}")
        layers: list[nn.Module] = [nn.Conv1d(cin, hidden // 2, 3, padding=1), nn.SiLU()]
        ch = hidden // 2
        for _ in range(int(math.log2(down))):
            layers += [nn.Conv1d(ch, hidden, 4, stride=2, padding=1), nn.SiLU()]
            ch = hidden
        layers.append(zero_conv(ch, width))
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


class ControlBranch(nn.Module):
    """The trainable copy of `unet`'s encoder half, its control encoders and zero convolutions.
    `down`: mel frames per latent frame."""

    def __init__(self, unet: VMUNet, down: int, controls: dict[str, int] | None = None):
        super().__init__()
        controls = controls or CONTROLS
        channels = unet.config["channels"]
        self.config = {"down": down, "controls": dict(controls)}
        self.inp = copy.deepcopy(unet.inp)
        self.down = copy.deepcopy(unet.down)
        self.down_attn = copy.deepcopy(unet.down_attn)
        self.downsample = copy.deepcopy(unet.downsample)
        self.mid1 = copy.deepcopy(unet.mid1)
        self.mid_attn = copy.deepcopy(unet.mid_attn)
        self.mid2 = copy.deepcopy(unet.mid2)
        self.encoders = nn.ModuleDict({k: ControlEncoder(c, channels[0], down) for k, c in controls.items()})
        self.skip_out = nn.ModuleList([zero_conv(ch, ch) for ch in channels])
        self.mid_out = zero_conv(channels[-1], channels[-1])

    def forward(self, z: torch.Tensor, temb: torch.Tensor, cond: torch.Tensor,
                controls: dict[str, torch.Tensor], keep: dict[str, torch.Tensor]) -> list[torch.Tensor]:
        """Residuals for VMUNet.forward(control=…): one per level, then the middle's.
        `controls[k]`: [B, c, T_mel]; `keep[k]`: [B], 0 where that control is absent."""
        h = self.inp(z)
        for name, enc in self.encoders.items():
            h = h + enc(controls[name]) * keep[name].to(h.dtype)[:, None, None]
        out = []
        for res, attn, down, zc in zip(self.down, self.down_attn, self.downsample, self.skip_out):
            h = res(h, temb)
            h = attn(h, cond) if not isinstance(attn, nn.Identity) else h
            out.append(zc(h))
            h = down(h)
        h = self.mid2(self.mid_attn(self.mid1(h, temb), cond), temb)
        out.append(self.mid_out(h))
        return out


# Standardised dynamics are clipped here: digital silence reads −130 dB and would dominate.
DYNAMICS_CLIP = 3.0


def standardise_dynamics(db: torch.Tensor, stats: dict) -> torch.Tensor:
    """dB → (dB − mean) / std of the training set, clipped to ±DYNAMICS_CLIP."""
    return ((db - stats["mean"]) / stats["std"]).clamp(-DYNAMICS_CLIP, DYNAMICS_CLIP)


def melody_one_hot(pitch_class: torch.Tensor) -> torch.Tensor:
    """[B, T] pitch classes 0–11 (−1: no frame, e.g. padding) → [B, 12, T] one-hot."""
    valid = pitch_class >= 0
    hot = F.one_hot(pitch_class.clamp(min=0).long(), 12).float() * valid[..., None]
    return hot.transpose(1, 2)


# LoRA (Hu et al. 2021) on the branch's copied layers: W = W0 + (α / r)·B·A, W0 frozen, B zero at
# the start, A random; merged into W0 at export, so the runtime sees a plain branch.


class LoRALinear(nn.Module):
    def __init__(self, base: nn.Linear, rank: int, alpha: float):
        super().__init__()
        self.base = base
        self.scale = alpha / rank
        self.a = nn.Parameter(torch.empty(rank, base.in_features))
        self.b = nn.Parameter(torch.zeros(base.out_features, rank))
        nn.init.kaiming_uniform_(self.a, a=math.sqrt(5))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.base(x) + F.linear(F.linear(x, self.a), self.b) * self.scale

    def merged(self) -> nn.Linear:
        out = copy.deepcopy(self.base)
        with torch.no_grad():
            out.weight += (self.b @ self.a) * self.scale
        return out


class LoRAConv1d(nn.Module):
    def __init__(self, base: nn.Conv1d, rank: int, alpha: float):
        super().__init__()
        self.base = base
        self.scale = alpha / rank
        k = base.kernel_size[0]
        self.a = nn.Parameter(torch.empty(rank, base.in_channels, k))
        self.b = nn.Parameter(torch.zeros(base.out_channels, rank, 1))
        nn.init.kaiming_uniform_(self.a, a=math.sqrt(5))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        c = self.base
        low = F.conv1d(x, self.a, None, c.stride, c.padding, c.dilation)
        return c(x) + F.conv1d(low, self.b) * self.scale

    def merged(self) -> nn.Conv1d:
        out = copy.deepcopy(self.base)
        with torch.no_grad():
            # (B·A) as one kernel: B is 1 tap wide, so the product keeps A's taps.
            out.weight += torch.einsum("or,rik->oik", self.b[:, :, 0], self.a) * self.scale
        return out


# The copied blocks get LoRA; the encoders and zero convolutions are new layers and train in full.
LORA_PARTS = ("inp", "down", "down_attn", "downsample", "mid1", "mid_attn", "mid2")


def add_lora(branch: ControlBranch, rank: int, alpha: float | None = None) -> list[nn.Parameter]:
    """Freeze the copied blocks' weights and wrap every Linear and Conv1d in them with LoRA of
    rank `rank` (α = rank unless given). Returns the parameters to train: the LoRA factors, the
    control encoders and the zero convolutions."""
    alpha = float(alpha if alpha is not None else rank)
    for part in LORA_PARTS:
        module = getattr(branch, part)
        for p in module.parameters():
            p.requires_grad_(False)
        if isinstance(module, nn.Linear):
            setattr(branch, part, LoRALinear(module, rank, alpha))
        elif isinstance(module, nn.Conv1d):
            setattr(branch, part, LoRAConv1d(module, rank, alpha))
        else:
            _wrap(module, rank, alpha)
    branch.config["lora"] = {"rank": rank, "alpha": alpha}
    return [p for p in branch.parameters() if p.requires_grad]


def _wrap(module: nn.Module, rank: int, alpha: float) -> None:
    for name, child in module.named_children():
        if isinstance(child, nn.Linear):
            setattr(module, name, LoRALinear(child, rank, alpha))
        elif isinstance(child, nn.Conv1d):
            setattr(module, name, LoRAConv1d(child, rank, alpha))
        else:
            _wrap(child, rank, alpha)


def merge_lora(branch: ControlBranch) -> ControlBranch:
    """A copy of `branch` with every LoRA layer merged into a plain one (the same function)."""
    out = copy.deepcopy(branch)

    def merge(module: nn.Module) -> None:
        for name, child in module.named_children():
            if isinstance(child, (LoRALinear, LoRAConv1d)):
                setattr(module, name, child.merged())
            else:
                merge(child)

    merge(out)
    out.config.pop("lora", None)
    return out


def load_branch(checkpoint: dict, unet: VMUNet, weights: str = "ema") -> ControlBranch:
    """train_control.py's checkpoint as a branch on `unet`: its `weights` ("ema" or "model"),
    LoRA layers (if it was trained with them) unmerged, in eval mode."""
    config = checkpoint["config"]
    branch = ControlBranch(unet, config["down"], config["controls"])
    lora = config.get("lora")
    if lora:
        add_lora(branch, lora["rank"], lora["alpha"])
    branch.load_state_dict(checkpoint[weights])
    return branch.eval()

