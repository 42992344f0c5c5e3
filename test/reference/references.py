#!/usr/bin/python3
"""Independent reference values for the TypeScript tests, from Debian's torchaudio, scipy,
aubio and mir_eval. Usage: references.py NAME < request.json > result.json

The request is {"params": {...}, "inputs": {name: path of little-endian float32 file}};
the result is a JSON object of numbers and lists. Nothing here is filmscore's code."""
import json
import sys

import numpy as np


def load(req, name):
    return np.fromfile(req["inputs"][name], dtype="<f4")


def stft(req, p):
    import torch
    x = torch.from_numpy(load(req, "x"))
    win = torch.hann_window(p["winLength"])
    X = torch.stft(x, p["nFft"], p["hopLength"], p["winLength"], win, center=True,
                   pad_mode=p.get("padMode", "reflect"), return_complex=True)
    X = X.T.contiguous()  # frames × bins, like ours
    out = {"re": X.real.flatten().tolist(), "im": X.imag.flatten().tolist(), "frames": X.shape[0]}
    if p.get("istft"):
        y = torch.istft(X.T, p["nFft"], p["hopLength"], p["winLength"], win, center=True,
                        length=x.shape[0])
        out["istft"] = y.tolist()
    return out


def mel(req, p):
    import torch
    import torchaudio
    x = torch.from_numpy(load(req, "x"))
    t = torchaudio.transforms.MelSpectrogram(
        sample_rate=p["sampleRate"], n_fft=p["nFft"], win_length=p["winLength"],
        hop_length=p["hopLength"], f_min=p["fMin"], f_max=p["fMax"], n_mels=p["nMels"],
        power=p["power"], norm="slaney", mel_scale="slaney", center=True, pad_mode="reflect")
    m = t(x)  # nMels × frames
    fb = torchaudio.functional.melscale_fbanks(p["nFft"] // 2 + 1, p["fMin"], p["fMax"],
                                               p["nMels"], p["sampleRate"], norm="slaney",
                                               mel_scale="slaney")  # bins × nMels
    logmel = torch.log(torch.clamp(m, min=1e-5))
    return {"mel": m.T.flatten().tolist(), "logMel": logmel.T.flatten().tolist(),
            "filterBank": fb.T.flatten().tolist(), "frames": m.shape[1]}


def resample(req, p):
    import torch
    import torchaudio.functional as F
    x = torch.from_numpy(load(req, "x"))
    y = F.resample(x, p["from"], p["to"], lowpass_filter_width=6, rolloff=0.99,
                   resampling_method="sinc_interpolation")  # torchaudio 0.13 name of sinc_interp_hann
    return {"y": y.tolist()}


def griffinlim(req, p):
    import torch
    import torchaudio
    mag = torch.from_numpy(load(req, "mag")).reshape(p["frames"], p["nFft"] // 2 + 1).T
    g = torchaudio.transforms.GriffinLim(n_fft=p["nFft"], n_iter=p["iterations"],
                                         win_length=p["nFft"], hop_length=p["hopLength"],
                                         power=1.0, momentum=p["momentum"], length=p["length"],
                                         rand_init=False)
    return {"y": g(mag).tolist()}


def savgol(req, p):
    from scipy.signal import savgol_filter
    x = load(req, "x").astype(np.float64)
    return {"y": savgol_filter(x, p["window"], p["order"], mode=p["mode"]).tolist()}


def aubio_onsets(req, p):
    import aubio
    x = load(req, "x")
    hop = p.get("hop", 256)
    o = aubio.onset(p.get("method", "default"), 1024, hop, p["sampleRate"])
    out = []
    for i in range(0, len(x) - hop + 1, hop):
        if o(x[i:i + hop].astype(np.float32)):
            out.append(float(o.get_last_s()))
    return {"onsets": out}


def aubio_tempo(req, p):
    import aubio
    x = load(req, "x")
    hop = 512
    t = aubio.tempo("default", 1024, hop, p["sampleRate"])
    beats = []
    for i in range(0, len(x) - hop + 1, hop):
        if t(x[i:i + hop].astype(np.float32)):
            beats.append(float(t.get_last_s()))
    return {"beats": beats, "bpm": float(t.get_bpm())}


def mir_eval_scores(req, p):
    import mir_eval
    ref = np.array(p["reference"], dtype=float)
    est = np.array(p["estimated"], dtype=float)
    out = {}
    if p.get("onsets"):
        f, prec, rec = mir_eval.onset.f_measure(ref, est, window=p.get("window", 0.05))
        out.update(onsetF=f, onsetPrecision=prec, onsetRecall=rec)
    if p.get("beats"):
        ref_b = mir_eval.beat.trim_beats(ref)
        est_b = mir_eval.beat.trim_beats(est)
        out["beatF"] = mir_eval.beat.f_measure(ref_b, est_b)
    return out


COMMANDS = {f.__name__: f for f in [stft, mel, resample, griffinlim, savgol, aubio_onsets,
                                     aubio_tempo, mir_eval_scores]}



def npy_check(req, p):
    """Load .npy files with numpy and report dtype, shape and values; and numpy's own float16
    rounding of the given floats."""
    out = {}
    for name, path in p.get("files", {}).items():
        a = np.load(path)
        out[name] = {"dtype": str(a.dtype), "shape": list(a.shape),
                     "values": a.astype(np.float64).ravel().tolist()}
    if "half" in p:
        h = np.array(p["half"], dtype=np.float64).astype(np.float16)
        out["halfBits"] = h.view(np.uint16).tolist()
    return out


COMMANDS["npy_check"] = npy_check


def export_separator(req, p):
    """A stand-in for a Demucs export: [1, 2, S] -> [1, 4, 2, S] (drums, bass, other, vocals),
    where "vocals" is the right channel on both sides and the rest share what is left."""
    import torch

    class StandIn(torch.nn.Module):
        def forward(self, x):
            vocals = x[:, 1:2, :].expand(-1, 2, -1)
            rest = x - vocals
            return torch.stack([0.5 * rest, 0.25 * rest, 0.25 * rest, vocals], dim=1)

    x = torch.zeros(1, 2, 4410)
    torch.onnx.export(StandIn(), (x,), p["path"], input_names=["mix"], output_names=["sources"],
                      dynamic_axes={"mix": {2: "samples"}, "sources": {3: "samples"}}, opset_version=17)
    return {"ok": True}


COMMANDS["export_separator"] = export_separator


def _image_encoder():
    import torch
    torch.manual_seed(0)

    class StandIn(torch.nn.Module):
        """A stand-in for a CLIP image tower: [N, 3, 224, 224] -> [N, 16]."""
        def __init__(self):
            super().__init__()
            self.patch = torch.nn.Conv2d(3, 8, kernel_size=32, stride=32)
            self.head = torch.nn.Linear(8, 16)

        def forward(self, pixels):
            return self.head(torch.relu(self.patch(pixels)).mean(dim=(2, 3)))

    return StandIn().eval()


def export_image_encoder(req, p):
    import torch
    m = _image_encoder()
    torch.onnx.export(m, (torch.zeros(2, 3, 224, 224),), p["path"], input_names=["pixels"],
                      output_names=["embedding"], opset_version=17,
                      dynamic_axes={"pixels": {0: "frames"}, "embedding": {0: "frames"}})
    return {"ok": True}


def run_image_encoder(req, p):
    """PyTorch's output of the same stand-in on the given [N, 3, 224, 224] tensor."""
    import torch
    x = torch.from_numpy(load(req, "pixels").reshape(p["dims"]))
    with torch.no_grad():
        return {"y": _image_encoder()(x).flatten().tolist()}


COMMANDS["export_image_encoder"] = export_image_encoder
COMMANDS["run_image_encoder"] = run_image_encoder


def export_film_models(req, p):
    """Stand-ins for a TAVAR-like aesthetic model ([N,3,224,224] -> [N,7], sigmoid of a
    linear map of the mean colour) and a WECL-like emotion model ([1,16,3,112,112] -> [1,6]
    logits that favour "sad" for dark clips and "exciting" for bright ones)."""
    import torch

    class Aesthetic(torch.nn.Module):
        def forward(self, pixels):
            m = pixels.mean(dim=(2, 3))                      # [N, 3]
            w = torch.linspace(-1.0, 1.0, 21).reshape(3, 7)
            return torch.sigmoid(m @ w)                      # [N, 7]

    class Emotion(torch.nn.Module):
        def forward(self, frames):
            b = frames.mean()                                # ImageNet-normalised brightness
            return torch.stack([b, -b * 0.1, 0 * b, -b, 0 * b, 0 * b]).reshape(1, 6) * 4.0

    torch.onnx.export(Aesthetic(), (torch.zeros(2, 3, 224, 224),), p["aesthetic"],
                      input_names=["pixels"], output_names=["scores"], opset_version=17,
                      dynamic_axes={"pixels": {0: "frames"}, "scores": {0: "frames"}})
    torch.onnx.export(Emotion(), (torch.zeros(1, 16, 3, 112, 112),), p["emotion"],
                      input_names=["frames"], output_names=["logits"], opset_version=17)
    return {"ok": True}


COMMANDS["export_film_models"] = export_film_models


def laff(req, p):
    """Build LAFF with a seed, export it to ONNX, and return PyTorch's outputs on the inputs."""
    import os
    import torch
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "training"))
    from filmscore_training.laff import LAFF, export_onnx
    torch.manual_seed(p["seed"])
    model = LAFF(p["dims"], p["width"]).eval()
    export_onnx(model, p["path"])
    b = p["batch"]
    feeds = [torch.from_numpy(load(req, n).reshape(b, p["dims"][n])) for n in ("semantic", "aesthetic", "emotion")]
    with torch.no_grad():
        c, w = model(*feeds)
    return {"c_film": c.flatten().tolist(), "weights": w.flatten().tolist()}


COMMANDS["laff"] = laff



def percentile(req, p):
    x = load(req, "x").astype(np.float64)
    return {"q": np.percentile(x, p["percentiles"]).tolist()}


COMMANDS["percentile"] = percentile


def _tiny_generator(seed):
    """Small random networks of the generator's classes (training/filmscore_training)."""
    import sys as _sys
    import os as _os
    _sys.path.insert(0, _os.path.join(_os.path.dirname(_os.path.abspath(__file__)), "..", "..", "training"))
    import torch
    from filmscore_training.vae import MelVAE2d
    from filmscore_training.unet import VMUNet
    from filmscore_training.vocoder import Vocoder
    torch.manual_seed(seed)
    # 128 mel bands, the 2-D VAE: the model of issue 11 (export_model.py records the front end in
    # the manifest). Latent 1 × 32 bands × 256 frames, flattened to 32 channels.
    vae = MelVAE2d(channels=(4, 8, 8), latent=1, n_mels=128).eval()
    unet = VMUNet(latent=32, channels=(16, 32, 32), cond_count=6, cond_dim=16, temb=32, pooled_condition=True,
                  noise_skip=True).eval()
    # The output layer and the pooled condition's last layer start at zero (as in training);
    # give them weights so the test sees them.
    torch.nn.init.normal_(unet.out[-1].weight, std=0.05)
    torch.nn.init.normal_(unet.pooled[-1].weight, std=0.05)
    vocoder = Vocoder(n_mels=128, dim=16, hidden=32, layers=1).eval()
    return vae, unet, vocoder


def export_tiny_generator(req, p):
    """A tiny random model folder, written by training/export_model.py's export_folder."""
    import sys as _sys
    import os as _os
    from pathlib import Path
    _sys.path.insert(0, _os.path.join(_os.path.dirname(_os.path.abspath(__file__)), "..", "..", "training"))
    from export_model import export_folder
    vae, unet, vocoder = _tiny_generator(p.get("seed", 0))
    quantiles = [[i / 20 * (k + 1) / 6 for i in range(21)] for k in range(6)]
    export_folder(vae, vocoder, unet, {"mean": -5.0, "std": 2.0}, 0.7, Path(p["out"]),
                  ["brightness", "pace", "valence", "arousal", "tension", "loudness"], quantiles, {"test": True},
                  fp16=p.get("fp16", False))
    return {"ok": True}


def run_tiny_generator(req, p):
    """PyTorch outputs of the same tiny networks (and graph wrappers) on given inputs."""
    import sys as _sys
    import os as _os
    import torch
    _sys.path.insert(0, _os.path.join(_os.path.dirname(_os.path.abspath(__file__)), "..", "..", "training"))
    from export_model import Decoder, Encoder, NormalisedVocoder
    vae, unet, vocoder = _tiny_generator(p.get("seed", 0))
    b = p["batch"]
    latent = torch.from_numpy(load(req, "latent").reshape(b, 32, 256))
    t = torch.from_numpy(load(req, "timestep"))
    affect = torch.from_numpy(load(req, "affect").reshape(b, 6))
    keep = torch.from_numpy(load(req, "keep"))
    mel = torch.from_numpy(load(req, "mel").reshape(1, 128, -1))
    with torch.no_grad():
        return {
            "noise": unet(latent, t, affect, keep).flatten().tolist(),
            "decoded": Decoder(vae, -5.0, 2.0, 0.7)(latent).flatten().tolist(),
            "encoded": Encoder(vae, -5.0, 2.0, 0.7)(Decoder(vae, -5.0, 2.0, 0.7)(latent)).flatten().tolist(),
            "audio": NormalisedVocoder(vocoder, -5.0, 2.0)(mel).flatten().tolist(),
        }


def alphas_cumprod(req, p):
    import sys as _sys
    import os as _os
    _sys.path.insert(0, _os.path.join(_os.path.dirname(_os.path.abspath(__file__)), "..", "..", "training"))
    from filmscore_training.diffusion import SCHEDULE, alphas_cumprod as ac
    return {"schedule": SCHEDULE, "abar": ac(SCHEDULE).tolist()}


COMMANDS["export_tiny_generator"] = export_tiny_generator
COMMANDS["run_tiny_generator"] = run_tiny_generator
COMMANDS["alphas_cumprod"] = alphas_cumprod


def frechet(req, p):
    """Fréchet distance as pytorch-fid / audioldm_eval compute it (numpy cov, scipy sqrtm)."""
    from scipy import linalg
    a = load(req, "a").astype(np.float64).reshape(-1, p["dims"])
    b = load(req, "b").astype(np.float64).reshape(-1, p["dims"])
    m1, m2 = a.mean(0), b.mean(0)
    s1, s2 = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    covmean, _ = linalg.sqrtm(s1.dot(s2), disp=False)
    covmean = covmean.real
    d = m1 - m2
    return {"fd": float(d.dot(d) + np.trace(s1) + np.trace(s2) - 2 * np.trace(covmean))}


COMMANDS["frechet"] = frechet


def t_interval(req, p):
    from scipy import stats
    out = {"ppf": [float(stats.t.ppf(q, nu)) for q, nu in p["ppf"]]}
    x = np.array(p["ratings"], dtype=np.float64)
    lo, hi = stats.t.interval(0.95, len(x) - 1, loc=x.mean(), scale=stats.sem(x))
    out["ci95"] = float((hi - lo) / 2)
    return out


COMMANDS["t_interval"] = t_interval



def vggish_examples(req, p):
    """VGGish's input as its published mel_features.py / vggish_input.py define it, in numpy:
    25 ms periodic-Hann frames every 10 ms without padding, |rfft(512)|, a mel matrix whose
    triangles are linear in HTK mel with the DC row zeroed, log(mel + 0.01), 96-frame examples."""
    x = load(req, "x").astype(np.float64)
    win, hop, nfft = 400, 160, 512
    n = 1 + (len(x) - win) // hop
    frames = np.stack([x[i * hop: i * hop + win] for i in range(n)])
    window = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(win) / win)
    spec = np.abs(np.fft.rfft(frames * window, nfft))
    mel = lambda hz: 1127.0 * np.log(1.0 + hz / 700.0)
    bins_mel = mel(np.linspace(0.0, 8000.0, nfft // 2 + 1))
    edges = np.linspace(mel(125.0), mel(7500.0), 66)
    w = np.empty((nfft // 2 + 1, 64))
    for i in range(64):
        lo, c, hi = edges[i:i + 3]
        w[:, i] = np.maximum(0.0, np.minimum((bins_mel - lo) / (c - lo), (hi - bins_mel) / (hi - c)))
    w[0, :] = 0.0
    logmel = np.log(spec @ w + 0.01)
    count = len(logmel) // 96
    return {"count": count, "examples": logmel[: count * 96].flatten().tolist()}


def _audio_standins(seed):
    """Small random networks shaped like VGGish ([N, 1, 96, 64] → [N, 12]) and like a PANN
    export taking the waveform ([1, S] → clipwise_output [1, 5] sigmoid, embedding [1, 8])."""
    import torch
    from torch import nn
    torch.manual_seed(seed)

    class Vggish(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(1, 4, 3, stride=2)
            self.fc = nn.Linear(4, 12)

        def forward(self, x):
            return self.fc(torch.relu(self.conv(x)).mean((2, 3)))

    class Pann(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv1d(1, 8, 400, stride=160)
            self.fc = nn.Linear(8, 5)

        def forward(self, wave):
            e = torch.tanh(self.conv(wave[:, None])).mean(-1)
            return torch.sigmoid(self.fc(e) * 4), e

    return Vggish().eval(), Pann().eval()


def export_audio_standins(req, p):
    import torch
    vggish, pann = _audio_standins(p.get("seed", 0))
    torch.onnx.export(vggish, (torch.zeros(2, 1, 96, 64),), p["vggish"], opset_version=17, input_names=["examples"],
                      output_names=["embedding"], dynamic_axes={"examples": {0: "n"}, "embedding": {0: "n"}})
    torch.onnx.export(pann, (torch.zeros(1, 16000),), p["pann"], opset_version=17, input_names=["waveform"],
                      output_names=["clipwise_output", "embedding"], dynamic_axes={"waveform": {1: "samples"}})
    return {"ok": True}


def run_audio_standins(req, p):
    """The stand-ins' PyTorch outputs: VGGish on the numpy front end's examples, PANN on the waveform."""
    import torch
    vggish, pann = _audio_standins(p.get("seed", 0))
    ex = np.array(vggish_examples(req, p)["examples"], dtype=np.float32).reshape(-1, 1, 96, 64)
    with torch.no_grad():
        prob, emb = pann(torch.from_numpy(load(req, "x"))[None])
        return {"vggish": vggish(torch.from_numpy(ex)).flatten().tolist(), "pannProb": prob.flatten().tolist(),
                "pannEmbedding": emb.flatten().tolist()}


COMMANDS["vggish_examples"] = vggish_examples
COMMANDS["export_audio_standins"] = export_audio_standins
COMMANDS["run_audio_standins"] = run_audio_standins


def run_style_classifier(req, p):
    """PyTorch's embedding and probabilities of a trained style classifier checkpoint on a log-mel."""
    import sys as _sys
    import os as _os
    import torch
    _sys.path.insert(0, _os.path.join(_os.path.dirname(_os.path.abspath(__file__)), "..", "..", "training"))
    from filmscore_training.style_classifier import StyleClassifier
    ckpt = torch.load(p["checkpoint"], map_location="cpu")
    cfg = {k: tuple(v) if isinstance(v, list) else v for k, v in ckpt["config"].items()}
    model = StyleClassifier(**cfg).eval()
    model.load_state_dict(ckpt["model"])
    mel = torch.from_numpy(load(req, "mel").reshape(1, 64, -1))
    with torch.no_grad():
        e, logits = model(mel)
    return {"embedding": e.flatten().tolist(), "probabilities": torch.softmax(logits, 1).flatten().tolist()}


COMMANDS["run_style_classifier"] = run_style_classifier


def training_front_end(req, p):
    """The training side's model front end (training/filmscore_training/front_end.py), which
    must agree with the TypeScript front end the runtime uses."""
    import os as _os
    import sys as _sys
    import torch
    _sys.path.insert(0, _os.path.join(_os.path.dirname(_os.path.abspath(__file__)), "..", "..", "training"))
    from filmscore_training.front_end import FrontEnd, LogMel
    fe = FrontEnd(n_mels=p["nMels"])
    with torch.no_grad():
        m = LogMel(fe)(torch.from_numpy(load(req, "x"))[None])[0]  # bands × frames
    return {"logMel": m.flatten().tolist(), "frames": m.shape[1], "manifest": fe.manifest()}


def flatness(req, p):
    """Spectral flatness 100–4000 Hz with numpy's FFT: Hann window, centred reflect-padded
    frames, power spectrum, per-frame geometric / arithmetic mean, averaged over frames."""
    x = load(req, "x").astype(np.float64)
    n_fft, hop, sr = 1024, 160, 16000
    xp = np.pad(x, n_fft // 2, mode="reflect")
    win = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n_fft) / n_fft)
    frames = 1 + (len(xp) - n_fft) // hop
    idx = np.arange(n_fft)[None, :] + hop * np.arange(frames)[:, None]
    power = np.abs(np.fft.rfft(xp[idx] * win, axis=1)) ** 2 + 1e-10
    f = np.fft.rfftfreq(n_fft, 1 / sr)
    band = power[:, (f >= 100) & (f <= 4000)]
    return {"flatness": float(np.mean(np.exp(np.log(band).mean(1)) / band.mean(1)))}


def training_noisiness(req, p):
    """The noisiness level the training side labels a clip with (filmscore_training/data.py),
    which must agree with the runtime's musicAffect, or a model is asked on another scale."""
    import os as _os
    import sys as _sys
    _sys.path.insert(0, _os.path.join(_os.path.dirname(_os.path.abspath(__file__)), "..", "..", "training"))
    from filmscore_training.data import noisiness_level, spectral_flatness
    f = spectral_flatness(load(req, "x"))
    return {"flatness": f, "level": noisiness_level(f)}


COMMANDS["training_front_end"] = training_front_end
COMMANDS["flatness"] = flatness
COMMANDS["training_noisiness"] = training_noisiness


if __name__ == "__main__":
    req = json.load(sys.stdin)
    json.dump(COMMANDS[sys.argv[1]](req, req.get("params", {})), sys.stdout)
