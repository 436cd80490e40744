"""The safetensors layout, which ember.save writes for ``.safetensors`` paths (or format="safetensors").

A file is 8 bytes (little-endian header length), a JSON header that gives each tensor's dtype, shape
and byte range, then the raw little-endian bytes. The Python structure around the tensors (nested
dicts, lists, tuples, numbers, strings, None; int keys such as an optimizer's ``state``) is JSON too,
kept as a string in the header's ``__metadata__``. Nothing is unpickled, so loading a hostile file
can at worst raise an error. Each tensor is named by where it sits ('fc.weight'); a name taken
already gets the first free ``#<n>`` suffix, so no two tensors can share a name whatever the keys.

Every problem with a file (truncated, corrupt JSON, a bad dtype, shape or byte range, an oversized
header) raises ``RuntimeError`` with a message that says what is wrong; the header length is checked
against the file size before anything is read, so a file cannot make ember allocate more memory
than its own size. Objects ember cannot store raise ``TypeError`` at save.
"""
import json
import math
import os
from collections import OrderedDict

from .. import _creation, _dtype
from .._backend import to_host, xp
from .._tensor import Tensor
from ._torch_names import usable

_CODES = {_dtype.float16: "F16", _dtype.float32: "F32", _dtype.float64: "F64", _dtype.complex64: "C64",
          _dtype.complex128: "C128", _dtype.uint8: "U8", _dtype.int8: "I8", _dtype.int16: "I16",
          _dtype.int32: "I32", _dtype.int64: "I64", _dtype.bool: "BOOL"}
if usable(_dtype.bfloat16):  # once ember has bfloat16 (through ml_dtypes)
    _CODES[_dtype.bfloat16] = "BF16"
_DTYPES = {code: dtype for dtype, code in _CODES.items()}
_MAX_HEADER = 100 * 1024 * 1024  # the safetensors package's own limit
_STRUCTURE_KEY = "ember_structure"


# -- save ------------------------------------------------------------------------------------
class _Packer:
    """Turns an object into JSON-able structure, collecting its tensors (each object once)."""

    def __init__(self):
        self.arrays, self.names = {}, {}

    def pack(self, obj, path=""):
        """`path` names where a tensor sits ('fc.weight', 'state.0.exp_avg'), so safetensors
        readers see a model's own parameter names."""
        if isinstance(obj, Tensor):
            name = self.names.get(id(obj))
            if name is None:
                name, suffix = path or "tensor", 0
                while name in self.arrays or name == "__metadata__":  # the first free name: never a collision
                    suffix += 1
                    name = f"{path or 'tensor'}#{suffix}"
                self.names[id(obj)] = name
                self.arrays[name] = obj
            packed = {"__tensor__": name}
            if obj.requires_grad:
                packed["requires_grad"] = True
            return packed
        if obj is None or isinstance(obj, (bool, int, str)):
            return obj
        if isinstance(obj, float):
            return obj if math.isfinite(obj) else {"__float__": repr(obj)}
        if isinstance(obj, dict):
            return {"__dict__": [[self.pack(k), self.pack(v, _join(path, k))] for k, v in obj.items()],
                    "ordered": isinstance(obj, OrderedDict)}
        if isinstance(obj, tuple):
            return {"__tuple__": [self.pack(item, _join(path, i)) for i, item in enumerate(obj)]}
        if isinstance(obj, list):
            return [self.pack(item, _join(path, i)) for i, item in enumerate(obj)]
        if isinstance(obj, _dtype.dtype):
            return {"__dtype__": obj.name}
        raise TypeError(f"ember.save cannot store an object of type {type(obj).__name__}: it stores tensors, numbers, "
                        "strings, None and (nested) dicts, lists and tuples of them. Save a model's "
                        "model.state_dict() rather than the model itself.")


def _join(path, key):
    return f"{path}.{key}" if path else str(key)


def encode(obj):
    packer = _Packer()
    structure = json.dumps(packer.pack(obj), allow_nan=False)
    header, chunks, offset = {"__metadata__": {"format": "pt", _STRUCTURE_KEY: structure}}, [], 0
    for name, tensor in packer.arrays.items():
        array = to_host(tensor._data)  # not .numpy(): that refuses bfloat16 (and GPU tensors)
        code = _CODES[tensor.dtype]
        raw = xp.ascontiguousarray(array, dtype=array.dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": code, "shape": list(array.shape), "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)  # the data starts 8-byte aligned, as the safetensors package writes it
    return len(text).to_bytes(8, "little") + text + b"".join(chunks)


# -- load ------------------------------------------------------------------------------------
def _corrupt(what):
    return RuntimeError(f"ember.load: not a valid ember/safetensors file: {what}")


def _read_header(read, size):
    prefix = read(8)
    if len(prefix) < 8:
        raise _corrupt(f"the file has {len(prefix)} bytes, fewer than the 8-byte header length (truncated?)")
    length = int.from_bytes(prefix, "little")
    if length > _MAX_HEADER:
        raise _corrupt(f"the header claims {length} bytes, more than the {_MAX_HEADER}-byte limit")
    if size is not None and length > size - 8:
        raise _corrupt(f"the header claims {length} bytes but the file has only {size - 8} after the length "
                       "(truncated?)")
    text = read(length)
    if len(text) < length:
        raise _corrupt(f"the header claims {length} bytes but only {len(text)} could be read (truncated?)")
    try:
        header = json.loads(text.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise _corrupt(f"the header is not valid JSON ({type(error).__name__}: {str(error)[:80]})") from None
    if not isinstance(header, dict):
        raise _corrupt("the header is not a JSON object")
    return header, length


def _check_entries(header, data_size):
    """Validate every tensor entry; returns {name: (dtype, shape, begin, end)}."""
    entries = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        if not isinstance(entry, dict) or set(entry) != {"dtype", "shape", "data_offsets"}:
            raise _corrupt(f"tensor {name!r} needs exactly 'dtype', 'shape' and 'data_offsets'")
        code, shape, offsets = entry["dtype"], entry["shape"], entry["data_offsets"]
        if not isinstance(code, str) or code not in _DTYPES:
            raise _corrupt(f"tensor {name!r} has dtype {code!r}, which ember does not have (it reads "
                           f"{', '.join(sorted(_DTYPES))})")
        if not isinstance(shape, list) or not all(type(n) is int and 0 <= n < 2 ** 63 for n in shape):
            raise _corrupt(f"tensor {name!r} has shape {shape!r:.80}; a shape is a list of non-negative integers")
        if len(shape) > 64:
            raise _corrupt(f"tensor {name!r} has {len(shape)} dimensions; tensors have at most 64")
        if math.prod(n for n in shape if n) >= 2 ** 63:
            raise _corrupt(f"tensor {name!r} has shape {shape!r:.80}, more elements than any tensor can have")
        if (not isinstance(offsets, list) or len(offsets) != 2 or not all(type(n) is int for n in offsets)
                or not 0 <= offsets[0] <= offsets[1] <= data_size):
            raise _corrupt(f"tensor {name!r} has data_offsets {offsets!r} outside the {data_size} data bytes")
        dtype = _DTYPES[code]
        if math.prod(shape) * dtype.itemsize != offsets[1] - offsets[0]:
            raise _corrupt(f"tensor {name!r} of shape {shape} and dtype {code} needs "
                           f"{math.prod(shape) * dtype.itemsize} bytes, but its data_offsets span "
                           f"{offsets[1] - offsets[0]}")
        entries[name] = (dtype, shape, offsets[0], offsets[1])
    previous_end = 0
    for name, (_, _, begin, end) in sorted(entries.items(), key=lambda item: (item[1][2], item[1][3])):
        if begin < previous_end:
            raise _corrupt(f"tensor {name!r} overlaps another tensor's bytes")
        previous_end = end
    return entries


def _unpack(obj, tensors, depth=0):
    if depth > 200:
        raise _corrupt("the structure is nested more than 200 levels deep")
    if isinstance(obj, list):
        return [_unpack(item, tensors, depth + 1) for item in obj]
    if not isinstance(obj, dict):
        return obj
    if "__tensor__" in obj:
        name = obj["__tensor__"]
        if not isinstance(name, str) or name not in tensors:
            raise _corrupt(f"the structure refers to a tensor {name!r} that the file does not hold")
        tensor = tensors[name]
        if obj.get("requires_grad") is True and not tensor.requires_grad:
            if not (tensor.is_floating_point() or tensor.is_complex()):
                raise _corrupt(f"the structure marks the {tensor.dtype} tensor {name!r} requires_grad")
            tensor.requires_grad_(True)
        return tensor
    if "__dict__" in obj:
        items = obj["__dict__"]
        if not isinstance(items, list) or not all(isinstance(item, list) and len(item) == 2 for item in items):
            raise _corrupt("a dict in the structure is not a list of [key, value] pairs")
        pairs = [(_unpack(k, tensors, depth + 1), _unpack(v, tensors, depth + 1)) for k, v in items]
        try:
            return OrderedDict(pairs) if obj.get("ordered") else dict(pairs)
        except TypeError:
            raise _corrupt("a dict in the structure has a key that cannot be a dict key") from None
    if "__tuple__" in obj:
        if not isinstance(obj["__tuple__"], list):
            raise _corrupt("a tuple in the structure is not a list of items")
        return tuple(_unpack(item, tensors, depth + 1) for item in obj["__tuple__"])
    if "__float__" in obj:
        if obj["__float__"] not in ("inf", "-inf", "nan"):
            raise _corrupt(f"unknown special float {obj['__float__']!r}")
        return float(obj["__float__"])
    if "__dtype__" in obj:
        value = getattr(_dtype, str(obj["__dtype__"]), None)
        if not isinstance(value, _dtype.dtype):
            raise _corrupt(f"unknown dtype {obj['__dtype__']!r}")
        return value
    raise _corrupt("the structure holds a JSON object ember did not write")


def _file_size(file):
    try:
        return os.fstat(file.fileno()).st_size - file.tell()
    except (AttributeError, OSError, ValueError):
        try:
            here = file.tell()
            end = file.seek(0, os.SEEK_END)
            file.seek(here)
            return end - here
        except (AttributeError, OSError, ValueError):
            return None


def _data_bytes(file, size, length, mmap_path):
    """The bytes after the header, writable: a copy-on-write memory map, or one read into a bytearray."""
    if mmap_path is not None:
        return xp.memmap(mmap_path, mode="c")[8 + length:]
    if size is None:
        return bytearray(file.read())
    data = bytearray(size - 8 - length)
    count = file.readinto(data) if hasattr(file, "readinto") else None
    if count is None:
        data = bytearray(file.read(size - 8 - length))
    elif count < len(data):
        del data[count:]
    return data


def read(file, mmap_path=None, device="cpu"):
    """The object stored in a safetensors file, its tensors on `device` ("cpu", "cuda", "cuda:1")."""
    size = _file_size(file)
    header, length = _read_header(file.read, size)
    metadata = header.get("__metadata__", {})
    if not isinstance(metadata, dict) or not all(isinstance(v, str) for v in metadata.values()):
        raise _corrupt("__metadata__ must map strings to strings")
    data = _data_bytes(file, size, length, mmap_path)
    entries = _check_entries(header, len(data))
    tensors = {}
    for name, (dtype, shape, begin, end) in entries.items():
        array = xp.frombuffer(data, dtype=dtype.numpy.newbyteorder("<"), count=math.prod(shape), offset=begin)
        if array.dtype != dtype.numpy or begin % dtype.itemsize:  # big-endian machine or unaligned: copy
            array = array.astype(dtype.numpy)
        tensors[name] = _creation.from_numpy(array.reshape(shape))  # shares the bytes read
        if device != "cpu":
            tensors[name] = tensors[name].to(device)
    structure = metadata.get(_STRUCTURE_KEY)
    if structure is None:  # a plain safetensors file: its tensors by name, in file order
        return dict(tensors)
    try:
        packed = json.loads(structure)
    except (ValueError, RecursionError) as error:
        raise _corrupt(f"the stored structure is not valid JSON ({type(error).__name__})") from None
    return _unpack(packed, tensors)

