"""Writes the pickle (protocol 2) that torch.save writes, without torch: tensors become
``torch._utils._rebuild_tensor_v2(storage, offset, size, stride, requires_grad, OrderedDict())`` around
a persistent id ``('storage', torch.FloatStorage, key, 'cpu', numel)``, as torch.load(weights_only=True)
expects. Only data can be written (what that allow-list reads back); anything else is a TypeError."""
import pickle
import struct
from collections import OrderedDict

from .. import _dtype
from .._tensor import Size, Tensor, device
from ._torch_names import usable


class TorchPickler:
    """`legacy` writes the storage ids of the pre-zip format. `storage_of(tensor)` returns
    (key, storage class name, numel, offset, stride) for a tensor."""

    def __init__(self, storage_of, legacy=False):
        self.storage_of, self.legacy = storage_of, legacy
        self.out, self.memo, self.open = [], {}, set()

    def dumps(self, obj):
        self.out.append(pickle.PROTO + b"\x02")
        self.save(obj)
        self.out.append(pickle.STOP)
        return b"".join(self.out)

    # -- small pieces --------------------------------------------------------------------
    def _global(self, module, name):
        self.out.append(pickle.GLOBAL + f"{module}\n{name}\n".encode())

    def _put(self, obj):
        index = len(self.memo)
        self.memo[id(obj)] = (index, obj)  # obj kept alive so its id stays unique
        self.out.append(pickle.BINPUT + bytes([index]) if index < 256
                        else pickle.LONG_BINPUT + struct.pack("<I", index))

    def _get(self, obj):
        index = self.memo[id(obj)][0]
        self.out.append(pickle.BINGET + bytes([index]) if index < 256
                        else pickle.LONG_BINGET + struct.pack("<I", index))

    def _int(self, value):
        if 0 <= value < 256:
            self.out.append(pickle.BININT1 + bytes([value]))
        elif 0 <= value < 65536:
            self.out.append(pickle.BININT2 + struct.pack("<H", value))
        elif -2 ** 31 <= value < 2 ** 31:
            self.out.append(pickle.BININT + struct.pack("<i", value))
        else:
            encoded = pickle.encode_long(value)
            self.out.append(pickle.LONG1 + bytes([len(encoded)]) + encoded)

    def _tuple(self, items):
        if not items:
            self.out.append(pickle.EMPTY_TUPLE)
            return
        if len(items) > 3:
            self.out.append(pickle.MARK)
        for item in items:
            self.save(item)
        self.out.append({1: pickle.TUPLE1, 2: pickle.TUPLE2, 3: pickle.TUPLE3}.get(len(items), pickle.TUPLE))

    def _call(self, module, name, args):
        self._global(module, name)
        self._tuple(args)
        self.out.append(pickle.REDUCE)

    def _items(self, pairs):
        """Dict items in batches of 1000 (as pickle does), each batch one SETITEMS."""
        pairs = list(pairs)
        for start in range(0, len(pairs), 1000):
            self.out.append(pickle.MARK)
            for key, value in pairs[start:start + 1000]:
                self.save(key)
                self.save(value)
            self.out.append(pickle.SETITEMS)

    # -- objects -------------------------------------------------------------------------
    def save(self, obj):
        if obj is None or obj is True or obj is False:
            self.out.append({None: pickle.NONE, True: pickle.NEWTRUE, False: pickle.NEWFALSE}[obj])
        elif type(obj) is int:
            self._int(obj)
        elif type(obj) is float:
            self.out.append(pickle.BINFLOAT + struct.pack(">d", obj))
        elif type(obj) is str:
            encoded = obj.encode("utf-8", "surrogatepass")
            self.out.append(pickle.BINUNICODE + struct.pack("<I", len(encoded)) + encoded)
        elif id(obj) in self.memo:
            self._get(obj)
        elif id(obj) in self.open:
            raise ValueError("ember.save cannot store a tuple that contains itself")
        elif isinstance(obj, Tensor):
            self._tensor(obj)
        elif type(obj) in (dict, OrderedDict):
            self._dict(obj)
        elif type(obj) is list:
            self.out.append(pickle.EMPTY_LIST)
            self._put(obj)
            for start in range(0, len(obj), 1000):
                self.out.append(pickle.MARK)
                for item in obj[start:start + 1000]:
                    self.save(item)
                self.out.append(pickle.APPENDS)
        elif type(obj) in (tuple, Size):
            self.open.add(id(obj))
            if type(obj) is Size:
                self._call("torch", "Size", (tuple(obj),))
            else:
                self._tuple(obj)
            self.open.discard(id(obj))
        elif isinstance(obj, _dtype.dtype) and usable(obj):
            self._global("torch", obj.name)
        elif isinstance(obj, device):
            self._call("torch", "device", (str(obj),))
        elif type(obj) is bytes:
            self._call("_codecs", "encode", (obj.decode("latin1"), "latin1"))
        elif type(obj) is complex:
            self._call("builtins", "complex", (obj.real, obj.imag))
        elif type(obj) in (set, frozenset):
            self._call("builtins", "set", (list(obj),))
        else:
            raise TypeError(f"ember.save cannot store an object of type {type(obj).__name__}: it stores tensors, "
                            "numbers, strings, bytes, None, dtypes, devices and (nested) dicts, lists, tuples and "
                            "sets of them, which torch.load(weights_only=True) reads. Save a model's "
                            "model.state_dict() rather than the model itself.")

    def _dict(self, obj):
        if type(obj) is OrderedDict:
            self._call("collections", "OrderedDict", ())
        else:
            self.out.append(pickle.EMPTY_DICT)
        self._put(obj)
        self._items(obj.items())
        attributes = getattr(obj, "__dict__", None)
        if attributes:  # a state_dict's _metadata, set on the OrderedDict as torch does
            self.save(dict(attributes))
            self.out.append(pickle.BUILD)

    def _tensor(self, tensor):
        is_parameter = type(tensor).__name__ == "Parameter"
        if is_parameter:
            self._global("torch._utils", "_rebuild_parameter")
            self.out.append(pickle.MARK)
        key, storage_class, numel, offset, stride = self.storage_of(tensor)
        self._global("torch._utils", "_rebuild_tensor_v2")
        self.out.append(pickle.MARK)
        self.out.append(pickle.MARK)
        self.save("storage")
        self._global("torch", storage_class)
        location = str(tensor.device)  # where torch.load puts it back: "cpu", "cuda:0", "cuda:1" ...
        for item in (key, location, numel) + ((None,) if self.legacy else ()):  # legacy: no view metadata
            self.save(item)
        self.out.append(pickle.TUPLE + pickle.BINPERSID)
        self.save(offset)
        self._tuple(tuple(tensor.shape))
        self._tuple(stride)
        self.save(False if is_parameter else bool(tensor.requires_grad))
        self._call("collections", "OrderedDict", ())
        self.out.append(pickle.TUPLE + pickle.REDUCE)
        if is_parameter:
            self.save(bool(tensor.requires_grad))
            self._call("collections", "OrderedDict", ())
            self.out.append(pickle.TUPLE + pickle.REDUCE)
        self._put(tensor)

