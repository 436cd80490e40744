"""ember.save / ember.load: torch's checkpoint formats and safetensors, read without running code.

``ember.save(obj, path)`` writes torch.save's zip format (what ``torch.load(path, weights_only=True)``
reads) for every path except ``*.safetensors``, which gets the safetensors layout (as does
``format="safetensors"``). Saving to a path is atomic: the bytes go to a temporary file in the same
folder, are flushed and fsync'ed, and only then replace the old file, so a full disk, an exception
or Ctrl-C mid-write leaves the previous checkpoint as it was.

``ember.load`` tells the formats apart by their first bytes (torch's zip, torch's legacy pickle
format, safetensors). torch's pickles are read by a restricted interpreter (_unpickler) that knows
only data types: a file naming any other global (``os.system``) raises ``pickle.UnpicklingError``
before anything runs, whatever ``weights_only`` says. Any other problem with a file raises
``RuntimeError`` saying what is wrong.
"""
import contextlib
import io
import os
import pickle
import secrets
import stat
import struct
import zipfile
import zlib

from . import _safetensors, _torch_format
from ._safe_globals import (add_safe_globals, clear_safe_globals, get_safe_globals,
                            get_unsafe_globals_in_checkpoint, safe_globals)

__all__ = ["add_safe_globals", "clear_safe_globals", "get_safe_globals", "get_unsafe_globals_in_checkpoint", "load",
           "safe_globals", "save"]

_FORMATS = ("torch", "safetensors")


# -- save ------------------------------------------------------------------------------------
def _format_for(f, format):
    if format is not None:
        if format not in _FORMATS:
            raise ValueError(f"ember.save: format must be one of {', '.join(_FORMATS)}, not {format!r}")
        return format
    if isinstance(f, (str, os.PathLike)) and os.fspath(f).lower().endswith(".safetensors"):
        return "safetensors"
    return "torch"


def _atomic_write(path, write):
    """Write through `write(file)` to a temporary file beside `path`, fsync it, then os.replace."""
    path = os.path.realpath(os.fspath(path))  # through a symlink to its target, as open() would
    folder, name = os.path.split(path)
    while True:
        temporary = os.path.join(folder, f".{name}.{secrets.token_hex(4)}.tmp")
        try:  # mode 0o666 less the umask, as open() creates files
            descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
            break
        except FileExistsError:
            continue
    try:
        with os.fdopen(descriptor, "wb") as file:
            write(file)
            file.flush()
            os.fsync(file.fileno())
        with contextlib.suppress(OSError):  # a checkpoint saved over keeps its permissions
            os.chmod(temporary, stat.S_IMODE(os.stat(path).st_mode))
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    with contextlib.suppress(OSError, AttributeError):  # the rename itself survives a power cut
        folder_descriptor = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(folder_descriptor)
        finally:
            os.close(folder_descriptor)


def save(obj, f, pickle_module=None, pickle_protocol=2, _use_new_zipfile_serialization=True,
         _disable_byteorder_record=False, *, format=None):
    """Write `obj` (tensors in nested dicts, lists, tuples; numbers, strings, dtypes) to a path or a
    binary file object. torch's zip format unless the path ends in .safetensors or format says so;
    ``_use_new_zipfile_serialization=False`` writes torch's legacy format. pickle_module and
    pickle_protocol are accepted and unused (ember writes torch's protocol 2 itself)."""
    chosen = _format_for(f, format)
    if chosen == "safetensors":
        data = _safetensors.encode(obj)

        def write(file):
            file.write(data)
    elif _use_new_zipfile_serialization:
        def write(file):
            _torch_format.write_zip(obj, file)
    else:
        def write(file):
            _torch_format.write_legacy(obj, file)
    if isinstance(f, (str, os.PathLike)):
        _atomic_write(f, write)
    else:
        write(f)


# -- load ------------------------------------------------------------------------------------
_OTHER_FORMATS = (
    (b"\x93NUMPY", "a NumPy .npy file (read it with numpy.load)"),
    (b"\x89HDF\r\n\x1a\n", "an HDF5 file (Keras/h5py weights; read it with h5py)"),
    (b"\x1f\x8b", "a gzip-compressed file (decompress it first)"),
    (b"GGUF", "a GGUF file (llama.cpp's format)"),
    (b"\xfd7zXZ", "an xz-compressed file (decompress it first)"),
)


def _kind(head):
    if head[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        return "zip"
    if head[8:9] == b"{" or (head[:1] != b"\x80" and head[5:8] == b"\0\0\0"):  # a JSON header or a
        # plausible length (under 2**40) before something else: the safetensors reader says what is wrong
        return "safetensors"
    if head[:1] == b"\x80" and head[1:2] in (b"\x02", b"\x03", b"\x04", b"\x05"):
        return "pickle"
    if len(head) < 9 and head[:1] != b"\x80":  # too short to say; the safetensors reader explains
        return "safetensors"
    for signature, what in _OTHER_FORMATS:
        if head.startswith(signature):
            raise RuntimeError(f"ember.load: this file is {what}, not a checkpoint ember reads (torch.save's zip "
                               "or legacy format, or safetensors)")
    raise RuntimeError(f"ember.load: this file is not a checkpoint ember reads: it starts with the bytes "
                       f"{head[:12]!r}, which begin neither a zip archive (torch.save), torch's legacy pickle format "
                       "nor a safetensors file (8-byte header length, then a JSON header)")


_CORRUPTION = (TypeError, ValueError, KeyError, IndexError, AttributeError, OverflowError, RecursionError,
               struct.error, EOFError, UnicodeDecodeError, MemoryError, zipfile.BadZipFile, zlib.error)


def _load_from(file, map_location, mmap_path):
    if not (hasattr(file, "seekable") and file.seekable()):
        file = io.BytesIO(file.read())
    start = file.tell()
    head = file.read(16)
    file.seek(start)
    kind = _kind(head)
    size = _safetensors._file_size(file)
    try:
        if kind == "zip":
            return _torch_format.read_zip(file, map_location, mmap_path, size)
        if mmap_path is not None and kind == "pickle":
            raise RuntimeError("mmap can only be used with files saved with torch.save(_use_new_zipfile_"
                               "serialization=True) or safetensors files; this one is torch's legacy format")
        if kind == "pickle":
            return _torch_format.read_legacy(file, map_location, size)
        # a safetensors file holds CPU tensors: map_location moves them, as it moves a checkpoint's "cpu" storages
        return _safetensors.read(file, mmap_path, device=_torch_format._place(
            "cpu", map_location, _torch_format.Storage(None, None, "cpu")))
    except _CORRUPTION as error:  # a hostile file reached a Python check before one of ours: still a file error
        raise RuntimeError(f"ember.load: not a valid {kind} checkpoint ({type(error).__name__}: "
                           f"{str(error)[:200]})") from None


def load(f, map_location=None, pickle_module=None, *, weights_only=None, mmap=None, **pickle_load_args):
    """Read a torch checkpoint (zip or legacy format) or a safetensors file from a path or a binary
    file object. Only data is ever read: ``weights_only`` is accepted, and False reads the same
    allow-list (ember never runs code from a file). ``mmap=True`` maps a file given by path
    copy-on-write, as torch does: tensors then read their bytes from the file as they are used.
    ``map_location`` ('cpu', a device, a dict of locations, or ``lambda storage, loc: storage``)
    decides where storages go."""
    if weights_only is not None and not isinstance(weights_only, bool):
        raise TypeError(f"weights_only must be a bool, not {type(weights_only).__name__}")
    if isinstance(f, (str, os.PathLike)):
        with open(f, "rb") as file:
            return _load_from(file, map_location, os.fspath(f) if mmap else None)
    if mmap:
        name = getattr(f, "name", None)
        if not isinstance(name, (str, os.PathLike)) or not os.path.isfile(name):
            raise ValueError("ember.load(mmap=True) needs a file path (or a file opened from one), "
                             f"not a {type(f).__name__}")
        with open(name, "rb") as file:
            return _load_from(file, map_location, os.fspath(name))
    return _load_from(f, map_location, None)


UnpicklingError = pickle.UnpicklingError
