"""torch.save's file formats, read and written without torch.

The zip format (torch >= 1.6): a zip archive, every record stored uncompressed, under one folder:
``data.pkl`` (the pickled object; tensors refer to storages by key), ``data/<key>`` (each storage's
raw little-endian bytes, 64-byte aligned), ``byteorder``, ``version``. The legacy format: pickles one
after another (a magic number, a protocol version, system information, the object, the list of
storage keys), then each storage as an 8-byte element count and its bytes.
"""
import io
import struct
import sys
import zipfile

import numpy as np

from ._pickler import TorchPickler
from ._torch_names import Storage, StorageType, ember_dtype, storage_name, torch_globals
from ._unpickler import RestrictedUnpickler, plain_globals

LEGACY_MAGIC = 0x1950A86A20F9469CFC6C
LEGACY_PROTOCOL = 1001
ALIGNMENT = 64


def _corrupt(what):
    return RuntimeError(f"ember.load: not a valid torch checkpoint: {what}")


# -- where storages go -----------------------------------------------------------------------
def _place(location, map_location, storage):
    """The device a storage saved at `location` loads to, after map_location (torch's rules)."""
    if callable(map_location):
        result = map_location(storage, location)
        if isinstance(result, Storage) and result is not storage:  # storage.cuda(): that GPU
            return result.location
        if result is not None and result is not storage:
            raise RuntimeError("ember.load: a map_location function may return its storage argument (or None) "
                               "to keep it on the CPU, or storage.cuda(); ember has no other storage objects")
        return "cpu"
    if isinstance(map_location, dict):
        target = map_location.get(location, location)
    else:
        target = location if map_location is None else map_location
    target = str(target)
    if target.split(":")[0] != "cpu":
        from .. import cuda
        if target.startswith("cuda") and not cuda.is_available():
            raise RuntimeError("Attempting to deserialize object on a CUDA device but ember.cuda.is_available() is "
                               "False. If you are running on a CPU-only machine, please use ember.load with "
                               "map_location=ember.device('cpu') to map your storages to the CPU.")
        index = cuda._index(target) if target.startswith("cuda") else 0
        if index >= cuda.device_count() > 0:
            raise RuntimeError(f"Attempting to deserialize object on CUDA device {index} but "
                               f"ember.cuda.device_count() is {cuda.device_count()}. Please use ember.load with "
                               "map_location to map your storages to an existing device.")
    return target


def _storage_itemsize(storage_type):
    return 1 if storage_type.dtype_name is None else ember_dtype(storage_type.dtype_name).itemsize


def _check_pid(pid, length):
    if len(pid) != length:
        raise _corrupt(f"a storage reference has {len(pid)} fields, not {length}")
    _, storage_type, key, location, numel = pid[:5]
    if not isinstance(storage_type, StorageType) or not isinstance(key, str) or not isinstance(location, str) \
            or type(numel) is not int or numel < 0:
        raise _corrupt("a storage reference is not (storage class, key, location, size)")
    return storage_type, key, location, numel


# -- reading the zip format ------------------------------------------------------------------
def _record(archive, info, mapped, limit):
    """A record's bytes as a uint8 array: a slice of the memory map when there is one, else read
    straight into a fresh array (one copy, from the file)."""
    if info.file_size > limit * (1 if info.compress_type == zipfile.ZIP_STORED else 1032):
        raise _corrupt(f"record {info.filename} claims {info.file_size} bytes, more than the file can hold")
    if mapped is not None and info.compress_type == zipfile.ZIP_STORED:
        header = bytes(mapped[info.header_offset:info.header_offset + 30])
        if len(header) < 30 or header[:4] != b"PK\x03\x04":
            raise _corrupt(f"record {info.filename} has no local header where the directory says")
        start = info.header_offset + 30 + sum(struct.unpack("<HH", header[26:30]))
        if start + info.file_size > mapped.size:
            raise _corrupt(f"record {info.filename} runs past the end of the file (truncated?)")
        return mapped[start:start + info.file_size]
    array = np.empty(info.file_size, np.uint8)
    with archive.open(info) as record:
        if record.readinto(memoryview(array)) != info.file_size:
            raise _corrupt(f"record {info.filename} is shorter than its directory entry says (truncated?)")
    return array


def read_zip(file, map_location, mmap_path=None, size=None):
    try:
        archive = zipfile.ZipFile(file)
        names = archive.namelist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, struct.error) as error:
        raise _corrupt(f"it starts like a zip archive (torch.save's format) but cannot be read as one: {error} "
                       "(truncated or corrupt?)") from None
    pickles = [name for name in names if name.endswith("data.pkl") and name.count("/") <= 1
               and name.rpartition("/")[2] == "data.pkl"]
    if len(pickles) != 1:
        raise RuntimeError("ember.load: this zip archive is not a torch checkpoint: it holds "
                           f"{len(names)} files and {'no' if not pickles else 'several'} data.pkl "
                           f"({', '.join(names[:5])}{', ...' if len(names) > 5 else ''})")
    prefix = pickles[0][:-len("data.pkl")]
    limit = size if size is not None else max((info.header_offset + info.compress_size for info in archive.infolist()),
                                             default=0)
    byteorder = "little"
    if prefix + "byteorder" in names:
        byteorder = archive.read(prefix + "byteorder").decode("ascii", "replace").strip()
        if byteorder not in ("little", "big"):
            raise _corrupt(f"its byteorder record says {byteorder[:20]!r}")
    mapped = np.memmap(mmap_path, mode="c") if mmap_path is not None else None  # copy on write, as torch
    storages = {}

    def persistent_load(pid):
        storage_type, key, location, numel = _check_pid(pid, 5)
        if key not in storages:
            name = f"{prefix}data/{key}"
            if name not in names:
                raise _corrupt(f"a tensor uses storage {key!r}, but the archive has no record {name}")
            info = archive.getinfo(name)
            if info.file_size != numel * _storage_itemsize(storage_type):
                raise _corrupt(f"storage {key!r} should hold {numel} elements of {_storage_itemsize(storage_type)} "
                               f"bytes but its record has {info.file_size} bytes")
            raw = _record(archive, info, mapped, limit)
            if byteorder != sys.byteorder and storage_type.dtype_name is not None:
                dtype = ember_dtype(storage_type.dtype_name)  # complex numbers swap each half
                word = dtype.itemsize // (2 if dtype.is_complex else 1)
                raw = raw.view(f"u{word}").byteswap().view(np.uint8)
            storages[key] = Storage(raw, storage_type.dtype_name, location)
            storages[key].location = _place(location, map_location, storages[key])
        stored = storages[key]
        if stored.dtype_name == storage_type.dtype_name:
            return stored
        return Storage(stored.raw, storage_type.dtype_name, stored.location)

    try:
        with archive.open(pickles[0]) as record:
            text = record.read()
    except (zipfile.BadZipFile, OSError, EOFError) as error:
        raise _corrupt(f"its data.pkl cannot be read ({error})") from None
    try:
        return RestrictedUnpickler(io.BytesIO(text), torch_globals(), persistent_load).load()
    except zipfile.BadZipFile as error:
        raise _corrupt(f"a storage record is damaged ({error})") from None


# -- reading the legacy format -----------------------------------------------------------------
def read_legacy(file, map_location, size=None):
    def plain():
        return RestrictedUnpickler(file, plain_globals()).load()

    magic = plain()  # a pickle naming os.system raises UnpicklingError here already, as in torch
    if magic != LEGACY_MAGIC:
        raise RuntimeError("ember.load: this file is a Python pickle but not a torch checkpoint (it does not start "
                           "with torch's magic number). ember does not unpickle arbitrary pickles: they can run "
                           "code. Save the data with ember.save or torch.save instead.")
    if plain() != LEGACY_PROTOCOL:
        raise _corrupt("its legacy protocol version is not 1001")
    system = plain()
    if not isinstance(system, dict) or system.get("little_endian", True) is not (sys.byteorder == "little"):
        raise _corrupt("it was written on a machine of the other byte order, which ember does not read")
    storages = {}

    def persistent_load(pid):
        storage_type, key, location, numel = _check_pid(pid, 6)
        if pid[5] is not None:
            raise _corrupt("it uses the pre-1.0 storage views, which ember does not read")
        if key not in storages:
            nbytes = numel * _storage_itemsize(storage_type)
            if size is not None and nbytes > size:
                raise _corrupt(f"storage {key!r} claims {nbytes} bytes, more than the file holds")
            storages[key] = Storage(np.zeros(nbytes, np.uint8), storage_type.dtype_name, location)
            storages[key].location = _place(location, map_location, storages[key])
        stored = storages[key]
        return stored if stored.dtype_name == storage_type.dtype_name else \
            Storage(stored.raw, storage_type.dtype_name, stored.location)

    result = RestrictedUnpickler(file, torch_globals(), persistent_load).load()
    keys = plain()
    if not isinstance(keys, list) or set(keys) != set(storages):
        raise _corrupt("its list of storage keys does not match the storages its tensors use")
    for key in keys:
        raw = storages[key].raw
        count = file.read(8)
        if len(count) < 8:
            raise _corrupt(f"it ends before storage {key!r} (truncated?)")
        itemsize = _storage_itemsize(StorageType(storages[key].dtype_name))
        if int.from_bytes(count, "little") * itemsize != raw.nbytes:
            raise _corrupt(f"storage {key!r} holds {int.from_bytes(count, 'little')} elements, not "
                           f"{raw.nbytes // itemsize}")
        if file.readinto(memoryview(raw)) != raw.nbytes:
            raise _corrupt(f"it ends inside storage {key!r} (truncated?)")
    return result


# -- writing ------------------------------------------------------------------------------
def _storage_view(array):
    """(root, offset, stride) when `array` is an aligned strided view of a contiguous root array
    (its storage, in torch's terms), else None."""
    itemsize = array.itemsize
    root = array
    while isinstance(root.base, np.ndarray):
        root = root.base
    if array.size == 0 or not root.flags.c_contiguous or root.nbytes % itemsize:
        return None
    delta = array.ctypes.data - root.ctypes.data
    if delta < 0 or delta % itemsize or any(s < 0 or s % itemsize for s in array.strides):
        return None
    if delta + sum((n - 1) * s for n, s in zip(array.shape, array.strides)) + itemsize > root.nbytes:
        return None
    return root, delta // itemsize, tuple(s // itemsize for s in array.strides)


class _Storages:
    """The storages a save writes: tensors that are views of one array share one storage."""

    def __init__(self):
        self.by_root, self.records = {}, []

    def __call__(self, tensor):
        from .._backend import to_host
        array, dtype = to_host(tensor._data), tensor.dtype  # a GPU tensor is written from a host copy
        view = _storage_view(array)
        if view is None:
            root = np.ascontiguousarray(array).reshape(-1)
            view = root, 0, tuple(int(np.prod(array.shape[i + 1:])) for i in range(array.ndim))
        root, offset, stride = view
        record = self.by_root.get((id(root), dtype))
        if record is None:
            record = self.by_root[(id(root), dtype)] = (str(len(self.records)), root, dtype.itemsize)
            self.records.append(record)
        return record[0], storage_name(dtype), root.nbytes // dtype.itemsize, offset, stride


def _bytes_of(root):
    return memoryview(np.ascontiguousarray(root).reshape(-1).view(np.uint8))


def _write_record(archive, name, data):
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_STORED
    header_end = archive.start_dir + 30 + len(name.encode()) + 4
    padding = -header_end % ALIGNMENT  # torch's extra field "FB": the data starts 64-byte aligned
    info.extra = b"FB" + struct.pack("<H", padding) + b"Z" * padding
    info.file_size = len(data)
    with archive.open(info, "w") as out:
        out.write(data)


def write_zip(obj, file):
    storages = _Storages()
    pickled = TorchPickler(storages).dumps(obj)
    with zipfile.ZipFile(file, "w", zipfile.ZIP_STORED, allowZip64=True) as archive:
        _write_record(archive, "archive/data.pkl", pickled)
        _write_record(archive, "archive/.format_version", b"1")
        _write_record(archive, "archive/.storage_alignment", str(ALIGNMENT).encode())
        _write_record(archive, "archive/byteorder", sys.byteorder.encode())
        for key, root, _ in storages.records:
            _write_record(archive, f"archive/data/{key}", _bytes_of(root))
        _write_record(archive, "archive/version", b"3\n")


def write_legacy(obj, file):
    storages = _Storages()
    def plain(value):
        return TorchPickler(None).dumps(value)

    file.write(plain(LEGACY_MAGIC) + plain(LEGACY_PROTOCOL) +
               plain({"protocol_version": LEGACY_PROTOCOL, "little_endian": sys.byteorder == "little",
                      "type_sizes": {"short": 2, "int": 4, "long": 4}}))
    file.write(TorchPickler(storages, legacy=True).dumps(obj))
    records = sorted(storages.records)  # torch writes the keys sorted as strings
    file.write(plain([key for key, _, _ in records]))
    for key, root, itemsize in records:
        file.write(struct.pack("<q", root.nbytes // itemsize) + _bytes_of(root))
