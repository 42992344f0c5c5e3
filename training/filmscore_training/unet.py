"""VM-UNet: the latent diffusion network (HPM §2). It predicts the noise in a latent
32 × 256 (channels × time, see vae.py for the shape) at timestep t, given the film
condition as tokens it cross-attends to.

The condition of the default model is the shared affect space (DESIGN.md): each descriptor
becomes one token (a learned name embedding plus Fourier features of its value). With
`film_dims`, trained on real (video, music) pairs, the film encoder's three branches join
through LAFF as one more token, c_film, learned end to end with the diffusion loss. "No
condition" is a value, not a missing input: `keep` = 0 swaps every token for a learned null
token, which condition dropout trains and classifier-free guidance samples.

With `pooled_condition`, the tokens also enter every residual block through the timestep
embedding (all tokens flattened → MLP → added to it, as SDXL adds its pooled text embedding).
Cross-attention alone let the first bundled model follow pace and loudness only weakly
(Spearman ρ 0.31 / 0.45); these are global properties of a clip, which a per-block bias carries
directly. The MLP's last layer starts at zero, so a network trained without it can be
fine-tuned with it (train_unet.py --init) starting from exactly the same function.
"""

from __future__ import annotations

import math

import torch
from torch import nn
import torch.nn.functional as F

from .diffusion import SCHEDULE, alphas_cumprod
from .laff import LAFF
from .vae import LayerNorm32, norm


def timestep_embedding(t: torch.Tensor, dim: int) -> torch.Tensor:
    half = dim // 2
    freqs = torch.exp(-math.log(10000.0) * torch.arange(half, dtype=torch.float32, device=t.device) / half)
    a = t.float()[:, None] * freqs[None]
    return torch.cat([torch.cos(a), torch.sin(a)], dim=-1)


class AffectTokens(nn.Module):
    """Descriptor values (0–1) → one token each; keep = 0 → the null condition."""

    def __init__(self, count: int, dim: int, fourier: int = 16):
        super().__init__()
        self.name = nn.Parameter(torch.randn(count, dim) * 0.02)
        self.register_buffer("freqs", torch.arange(1, fourier + 1, dtype=torch.float32) * math.pi)
        self.value = nn.Sequential(nn.Linear(2 * fourier, dim), nn.SiLU(), nn.Linear(dim, dim))
        self.null = nn.Parameter(torch.randn(count, dim) * 0.02)

    def forward(self, values: torch.Tensor, keep: torch.Tensor) -> torch.Tensor:  # [B, K], [B] → [B, K, D]
        a = values[..., None] * self.freqs
        tokens = self.name + self.value(torch.cat([torch.sin(a), torch.cos(a)], dim=-1))
        k = keep.float()[:, None, None]
        return k * tokens + (1 - k) * self.null


class ResBlock(nn.Module):
    def __init__(self, cin: int, cout: int, temb: int):
        super().__init__()
        self.n1, self.c1 = norm(cin), nn.Conv1d(cin, cout, 3, padding=1)
        self.t = nn.Linear(temb, cout)
        self.n2, self.c2 = norm(cout), nn.Conv1d(cout, cout, 3, padding=1)
        self.skip = nn.Conv1d(cin, cout, 1) if cin != cout else nn.Identity()

    def forward(self, x: torch.Tensor, temb: torch.Tensor) -> torch.Tensor:
        h = self.c1(F.silu(self.n1(x))) + self.t(temb)[:, :, None]
        h = self.c2(F.silu(self.n2(h)))
        return self.skip(x) + h


class Attention(nn.Module):
    """Self-attention over the latent's positions, then cross-attention to the condition."""

    def __init__(self, ch: int, cond: int, heads: int = 4, self_attention: bool = True):
        super().__init__()
        self.heads = heads
        self.self_attention = self_attention
        if self_attention:
            self.n1 = LayerNorm32(ch)
            self.qkv = nn.Linear(ch, 3 * ch)
            self.o1 = nn.Linear(ch, ch)
        self.n2 = LayerNorm32(ch)
        self.q = nn.Linear(ch, ch)
        self.kv = nn.Linear(cond, 2 * ch)
        self.o2 = nn.Linear(ch, ch)
        self.n3 = LayerNorm32(ch)
        self.ff = nn.Sequential(nn.Linear(ch, 2 * ch), nn.GELU(), nn.Linear(2 * ch, ch))

    def _attend(self, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
        b, n, c = q.shape
        h = self.heads
        q, k, v = (x.reshape(b, -1, h, c // h).transpose(1, 2) for x in (q, k, v))
        w = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(c // h), dim=-1)
        return (w @ v).transpose(1, 2).reshape(b, n, c)

    def forward(self, x: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:
        b, c, t = x.shape
        s = x.transpose(1, 2)
        if self.self_attention:
            q, k, v = self.qkv(self.n1(s)).chunk(3, dim=-1)
            s = s + self.o1(self._attend(q, k, v))
        k, v = self.kv(cond).chunk(2, dim=-1)
        s = s + self.o2(self._attend(self.q(self.n2(s)), k, v))
        s = s + self.ff(self.n3(s))
        return s.transpose(1, 2)


class VMUNet(nn.Module):
    def __init__(self, latent: int = 32, channels: tuple[int, ...] = (128, 256, 256), cond_count: int = 6, cond_dim: int = 128,
                 temb: int = 256, film_dims: dict[str, int] | None = None, pooled_condition: bool = False,
                 noise_skip: bool = False):
        super().__init__()
        self.config = {"latent": latent, "channels": list(channels), "cond_count": cond_count, "cond_dim": cond_dim, "temb": temb,
                       "film_dims": film_dims, "pooled_condition": pooled_condition, "noise_skip": noise_skip}
        self.skip_scale: torch.Tensor | None = None
        if noise_skip:
            # ε̂ = √(1 − ᾱ_t)·z_t + network: the first term is the best linear guess of the noise
            # for unit-variance data (exact as ᾱ_t → 0), so at high noise the network only
            # corrects it. Without it, a 128-channel latent must pass through the whole UNet
            # as an identity, and after 3800 steps its noise error at t ≥ 800 was 14× the
            # 32-channel model's (0.056 against 0.004), enough to blow DDIM's first x̂0 up.
            del self.skip_scale
            self.register_buffer("skip_scale", (1 - alphas_cumprod(SCHEDULE)).sqrt().float())
        self.film = LAFF(film_dims, cond_dim) if film_dims else None
        self.film_null = nn.Parameter(torch.randn(cond_dim) * 0.02) if film_dims else None
        self.temb_dim = temb
        self.time = nn.Sequential(nn.Linear(temb, temb), nn.SiLU(), nn.Linear(temb, temb))
        self.cond = AffectTokens(cond_count, cond_dim)
        self.pooled = None
        if pooled_condition:
            tokens = cond_count + (1 if film_dims else 0)
            self.pooled = nn.Sequential(nn.Linear(tokens * cond_dim, temb), nn.SiLU(), nn.Linear(temb, temb))
            nn.init.zeros_(self.pooled[-1].weight)
            nn.init.zeros_(self.pooled[-1].bias)
        self.inp = nn.Conv1d(latent, channels[0], 3, padding=1)
        self.down = nn.ModuleList()
        self.down_attn = nn.ModuleList()
        self.downsample = nn.ModuleList()
        last = len(channels) - 1
        for i, ch in enumerate(channels):
            prev = channels[max(0, i - 1)]
            self.down.append(ResBlock(prev, ch, temb))
            # Cross-attention from the second level down; self-attention only at the coarsest.
            self.down_attn.append(Attention(ch, cond_dim, self_attention=i == last) if i > 0 else nn.Identity())
            self.downsample.append(nn.Conv1d(ch, ch, 4, stride=2, padding=1) if i < last else nn.Identity())
        self.mid1 = ResBlock(channels[-1], channels[-1], temb)
        self.mid_attn = Attention(channels[-1], cond_dim)
        self.mid2 = ResBlock(channels[-1], channels[-1], temb)
        self.up = nn.ModuleList()
        self.up_attn = nn.ModuleList()
        self.upsample = nn.ModuleList()
        for i in reversed(range(len(channels))):
            ch = channels[i]
            nxt = channels[max(0, i - 1)]
            self.up.append(ResBlock(2 * ch, nxt, temb))
            self.up_attn.append(Attention(nxt, cond_dim, self_attention=i == last) if i > 0 else nn.Identity())
            self.upsample.append(nn.Upsample(scale_factor=2, mode="nearest") if i > 0 else nn.Identity())
        self.out = nn.Sequential(norm(channels[0]), nn.SiLU(), nn.Conv1d(channels[0], latent, 3, padding=1))
        nn.init.zeros_(self.out[-1].weight)
        nn.init.zeros_(self.out[-1].bias)

    def embed(self, t: torch.Tensor, affect: torch.Tensor, keep: torch.Tensor, semantic: torch.Tensor | None = None,
              aesthetic: torch.Tensor | None = None, emotion: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """The timestep embedding (with the pooled condition) and the condition tokens: what every
        block reads besides the latent, and what a control branch (control.py) shares."""
        temb = self.time(timestep_embedding(t, self.temb_dim))
        cond = self.cond(affect, keep)
        if self.film is not None:
            c_film, _ = self.film(semantic, aesthetic, emotion)
            k = keep.float()[:, None]
            cond = torch.cat([cond, (k * c_film + (1 - k) * self.film_null)[:, None]], dim=1)
        if self.pooled is not None:
            temb = temb + self.pooled(cond.flatten(1))
        return temb, cond

    def forward(self, z: torch.Tensor, t: torch.Tensor, affect: torch.Tensor, keep: torch.Tensor,
                semantic: torch.Tensor | None = None, aesthetic: torch.Tensor | None = None,
                emotion: torch.Tensor | None = None, control: list[torch.Tensor] | None = None) -> torch.Tensor:
        """`control`: a control branch's residuals (control.py), one per level's skip and one for
        the middle, added where ControlNet adds them; None = the plain UNet."""
        temb, cond = self.embed(t, affect, keep, semantic, aesthetic, emotion)
        h = self.inp(z)
        skips = []
        for res, attn, down in zip(self.down, self.down_attn, self.downsample):
            h = res(h, temb)
            h = attn(h, cond) if isinstance(attn, Attention) else h
            skips.append(h if control is None else h + control[len(skips)])
            h = down(h)
        h = self.mid2(self.mid_attn(self.mid1(h, temb), cond), temb)
        if control is not None:
            h = h + control[-1]
        for res, attn, up in zip(self.up, self.up_attn, self.upsample):
            h = res(torch.cat([h, skips.pop()], dim=1), temb)
            h = attn(h, cond) if isinstance(attn, Attention) else h
            h = up(h)
        out = self.out(h)
        if self.skip_scale is not None:
            # √(1 − ᾱ) at a fractional t (DPM-Solver's log-SNR spacing) by linear interpolation.
            tc = t.float().clamp(0, len(self.skip_scale) - 1)
            t0 = tc.floor().long().clamp(max=len(self.skip_scale) - 2)
            frac = (tc - t0.float())[:, None, None]
            scale = self.skip_scale[t0][:, None, None] * (1 - frac) + self.skip_scale[t0 + 1][:, None, None] * frac
            out = out + scale * z
        return out
