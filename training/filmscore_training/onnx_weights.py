"""The weights inside an exported ONNX file, back as a PyTorch state dict.

Training checkpoints stay out of git (they are large and a session's `runs/` does not outlive
it), so the shipped model folder is the only lasting copy of the networks. This reads the
graph's initialisers — the parameters torch.onnx.export wrote under their state-dict names —
so a later run can fine-tune from the shipped weights (`training/recover_checkpoints.py`).

Only the few protobuf fields an initialiser needs are decoded (ModelProto.graph →
GraphProto.initializer → TensorProto dims / data_type / name / raw_data or float_data); the
`onnx` package is not in Debian's Python here, and nothing else is needed.
"""

from __future__ import annotations

import struct
from pathlib import Path
from typing import Iterator

import numpy as np
import torch

# TensorProto.DataType values an exported network's initialisers use.
_DTYPES = {1: np.float32, 6: np.int32, 7: np.int64, 10: np.float16, 11: np.float64}
# export_model.half_weights stores a weight as an fp16 parametrisation of the module.
_PARAMETRISED = ".parametrizations."


def _varint(b: bytes, i: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        c = b[i]
        i += 1
        value |= (c & 0x7F) << shift
        shift += 7
        if c < 0x80:
            return value, i


def _fields(b: bytes) -> Iterator[tuple[int, int, int | bytes]]:
    """(field number, wire type, value) of one protobuf message, in order."""
    i = 0
    while i < len(b):
        key, i = _varint(b, i)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, i = _varint(b, i)
        elif wire == 1:
            value, i = b[i:i + 8], i + 8
        elif wire == 5:
            value, i = b[i:i + 4], i + 4
        elif wire == 2:
            n, i = _varint(b, i)
            value, i = b[i:i + n], i + n
        else:
            raise ValueError(f"protobuf wire type {wire} is not one ONNX uses")
        yield number, wire, value


def _tensor(message: bytes) -> tuple[str, np.ndarray]:
    dims: list[int] = []
    dtype, name, raw, floats = None, "", None, []
    for number, wire, value in _fields(message):
        if number == 1:  # dims: packed or one by one
            if wire == 0:
                dims.append(int(value))
            else:
                j = 0
                while j < len(value):
                    d, j = _varint(value, j)
                    dims.append(d)
        elif number == 2:
            dtype = int(value)
        elif number == 8:
            name = bytes(value).decode()
        elif number == 9:
            raw = bytes(value)
        elif number == 4:  # float_data, packed or not
            floats.extend(struct.unpack(f"<{len(value) // 4}f", value) if wire == 2 else struct.unpack("<f", value))
    if dtype not in _DTYPES:
        raise ValueError(f"initialiser {name}: ONNX data type {dtype} is not read here")
    array = np.frombuffer(raw, dtype=_DTYPES[dtype]) if raw is not None else np.asarray(floats, dtype=_DTYPES[dtype])
    return name, array.reshape(dims).copy()


def read_initializers(path: str | Path) -> dict[str, np.ndarray]:
    """Every initialiser of an ONNX file by name, as stored (fp16 stays fp16)."""
    model = Path(path).read_bytes()
    graphs = [value for number, _, value in _fields(model) if number == 7]
    if not graphs:
        raise ValueError(f"{path}: no graph (not an ONNX model?)")
    return dict(_tensor(bytes(value)) for number, _, value in _fields(bytes(graphs[0])) if number == 5)


def state_dict_from_onnx(path: str | Path, prefix: str = "") -> dict[str, torch.Tensor]:
    """The float32 state dict of the exported module under `prefix` (e.g. "vocoder." for
    the vocoder inside its normalising wrapper): fp16 parametrised weights come back under
    their plain names. Initialisers outside the prefix (the wrapper's own) are left out."""
    out: dict[str, torch.Tensor] = {}
    for name, array in read_initializers(path).items():
        if not name.startswith(prefix):
            continue
        name = name[len(prefix):]
        if _PARAMETRISED in name:  # "a.b.parametrizations.weight.original" → "a.b.weight"
            module, rest = name.split(_PARAMETRISED, 1)
            name = f"{module}.{rest.split('.')[0]}"
        tensor = torch.from_numpy(array)
        out[name] = tensor.float() if tensor.is_floating_point() else tensor
    return out
