"""default_collate / default_convert: a list of samples becomes one batch, as torch's."""
import collections.abc
import numbers

from ... import _creation, _dtype, _ops
from ..._tensor import Tensor


def _stack(tensors):
    first = tensors[0]
    if any(tensor.shape != first.shape for tensor in tensors):
        raise RuntimeError(f"stack expects each tensor to be equal size, but got {list(first.shape)} at entry 0 and "
                           f"{next(list(t.shape) for t in tensors if t.shape != first.shape)} at another entry; give "
                           "every sample the same shape, or pass a collate_fn that pads them")
    return _ops.stack(tensors)


def _is_numpy(obj, kinds=None):
    module = type(obj).__module__
    return module == "numpy" and hasattr(obj, "dtype") and (kinds is None or obj.dtype.kind in kinds)


def default_convert(data):
    """Without batching: NumPy arrays become tensors, containers are converted element by element."""
    if isinstance(data, Tensor):
        return data
    if _is_numpy(data) and type(data).__name__ != "str_":
        if type(data).__name__ == "ndarray" and data.dtype.kind in "SaUO":
            return data
        return _creation.as_tensor(data)
    if isinstance(data, collections.abc.Mapping):
        return type(data)({key: default_convert(data[key]) for key in data}) if not isinstance(data, dict) else \
            {key: default_convert(data[key]) for key in data}
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        return [default_convert(d) for d in data]
    return data


def default_collate(batch):
    """Stack tensors, arrays and numbers along a new first dimension; recurse into dicts and sequences."""
    elem = batch[0]
    if isinstance(elem, Tensor):
        return _stack(batch)
    if _is_numpy(elem) and type(elem).__name__ == "ndarray":
        if elem.dtype.kind in "SaUO":
            raise TypeError(f"default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; "
                            f"found {elem.dtype}")
        return _stack([_creation.as_tensor(b) for b in batch])
    if _is_numpy(elem):  # NumPy scalars
        return _creation.tensor([b.item() for b in batch], dtype=_dtype.from_numpy_dtype(elem.dtype))
    if isinstance(elem, bool):
        return _creation.tensor(batch)
    if isinstance(elem, float):
        return _creation.tensor(batch, dtype=_dtype.float64)
    if isinstance(elem, int):
        return _creation.tensor(batch)
    if isinstance(elem, numbers.Number):
        return _creation.tensor(batch)
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, collections.abc.Mapping):
        return {key: default_collate([d[key] for d in batch]) for key in elem}
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # namedtuple
        return type(elem)(*(default_collate(samples) for samples in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        if any(len(sample) != len(elem) for sample in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        transposed = list(zip(*batch))
        if isinstance(elem, tuple):
            return [default_collate(samples) for samples in transposed]  # a list, as torch returns
        try:
            return type(elem)([default_collate(samples) for samples in transposed])
        except TypeError:
            return [default_collate(samples) for samples in transposed]
    raise TypeError(f"default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found "
                    f"{type(elem)}")
