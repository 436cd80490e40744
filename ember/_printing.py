"""Tensor ``repr`` that reproduces PyTorch's output exactly, computed on NumPy arrays.

The layout rules (column widths, integer/fixed/scientific choice, summarisation
with ``...``, line wrapping, trailing ``key=value`` items) follow the behaviour of
``torch/_tensor_str.py``, including its quirks, because ``import ember as torch``
must print what torch prints.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

_PROFILES: dict[str, dict[str, Any]] = {
    "default": {"precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": 80},
    "short": {"precision": 2, "threshold": 1000, "edgeitems": 2, "linewidth": 80},
    "full": {"precision": 4, "threshold": math.inf, "edgeitems": 3, "linewidth": 80},
}

# Key order matches torch._tensor_str.get_printoptions().
_options: dict[str, Any] = {**_PROFILES["default"], "sci_mode": None}


def set_printoptions(
    precision: int | None = None,
    threshold: float | None = None,
    edgeitems: int | None = None,
    linewidth: int | None = None,
    profile: str | None = None,
    sci_mode: bool | None = None,
) -> None:
    """Set print options like ``torch.set_printoptions``.

    A profile ("default", "short", "full") is applied first and explicit options
    override it. As in torch, an unknown profile is ignored and ``sci_mode`` is
    always overwritten, so omitting it resets it to automatic (None).
    """
    _options.update(_PROFILES.get(profile, {}))
    explicit = {"precision": precision, "threshold": threshold,
                "edgeitems": edgeitems, "linewidth": linewidth}
    _options.update({key: value for key, value in explicit.items() if value is not None})
    _options["sci_mode"] = sci_mode


def get_printoptions() -> dict[str, Any]:
    """Current options, usable as ``set_printoptions(**get_printoptions())``."""
    return dict(_options)


@contextlib.contextmanager
def printoptions(**kwargs: Any) -> Iterator[None]:
    """Temporarily change print options (same arguments as ``set_printoptions``)."""
    saved = get_printoptions()
    set_printoptions(**kwargs)
    try:
        yield
    finally:
        set_printoptions(**saved)


class _Formatter:
    """Formats the elements of one non-complex array to a common, right-aligned width."""

    def __init__(self, values: np.ndarray) -> None:
        self.is_float = values.dtype.kind == "f"
        self.precision = _options["precision"]
        self.int_mode = True  # floats that are all whole numbers print as "3."
        self.sci_mode = False
        self.width = 1
        if not self.is_float:
            # str() of an int/bool is longest at an extreme (False sorts first).
            if values.size:
                self.width = max(len(str(values.min().item())), len(str(values.max().item())))
            return

        nonzero_finite = values[np.isfinite(values) & (values != 0)]
        if nonzero_finite.size == 0:
            return  # zeros, nan and inf alone keep width 1, even with sci_mode forced
        # Python floats, so a float16 ratio such as 6e4 / 1e-5 cannot overflow.
        magnitudes = np.abs(nonzero_finite)
        smallest, largest = float(magnitudes.min()), float(magnitudes.max())
        self.int_mode = bool(np.all(nonzero_finite == np.ceil(nonzero_finite)))
        if _options["sci_mode"] is None:
            self.sci_mode = largest / smallest > 1000.0 or largest > 1.0e8 or smallest < 1.0e-4
        else:
            self.sci_mode = bool(_options["sci_mode"])

        # Only nonzero finite values size the columns, so "nan" or "-0." may be wider.
        # Python floats (via tolist) give torch's digits; integer mode appends a ".".
        trailing_dot = 1 if self.int_mode and not self.sci_mode else 0
        self.width = max(len(self._digits(v)) for v in nonzero_finite.tolist()) + trailing_dot

    def _digits(self, value: float) -> str:
        if self.sci_mode:
            return f"{value:.{self.precision}e}"
        if self.int_mode:
            return f"{value:.0f}"
        return f"{value:.{self.precision}f}"

    def format(self, value: Any) -> str:
        if not self.is_float:
            text = str(value)
        else:
            text = self._digits(value)
            if self.int_mode and not self.sci_mode and math.isfinite(value):
                text += "."
        return text.rjust(self.width)


def _shown_elements(data: np.ndarray, edgeitems: int) -> np.ndarray:
    """The elements a summarised print shows: the first and last ``edgeitems`` of long axes.

    Column widths are computed from these only, as torch does.
    """
    for axis, length in enumerate(data.shape):
        if length > 2 * edgeitems:
            data = data.take(np.r_[0:edgeitems, length - edgeitems:length], axis=axis)
    return data


def _row_str(row: np.ndarray, indent: int, summarize: bool,
             format_element: Callable[[Any], str], element_width: int) -> str:
    edgeitems, linewidth = _options["edgeitems"], _options["linewidth"]
    if summarize and not edgeitems:
        items = ["..."]
    elif summarize and len(row) > 2 * edgeitems:
        # The leading space makes torch's ",  ..." double space.
        items = ([format_element(v) for v in row[:edgeitems].tolist()] + [" ..."]
                 + [format_element(v) for v in row[-edgeitems:].tolist()])
    else:
        items = [format_element(v) for v in row.tolist()]
    # element_width counts the ", " separator; at least one element per line.
    per_line = max(1, math.floor((linewidth - indent) / element_width))
    lines = [", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _nested_str(data: np.ndarray, indent: int, summarize: bool,
                format_element: Callable[[Any], str], element_width: int) -> str:
    if data.ndim == 0:
        return format_element(data.item())
    if data.ndim == 1:
        return _row_str(data, indent, summarize, format_element, element_width)

    def block(index: int) -> str:
        return _nested_str(data[index], indent + 1, summarize, format_element, element_width)

    edgeitems, length = _options["edgeitems"], len(data)
    if summarize and length > 2 * edgeitems:
        blocks = ([block(i) for i in range(edgeitems)] + ["..."]
                  + [block(i) for i in range(length - edgeitems, length)])
    else:
        blocks = [block(i) for i in range(length)]
    # d - 1 newlines between sub-blocks: one blank line per level above a matrix.
    separator = "," + "\n" * (data.ndim - 1) + " " * (indent + 1)
    return "[" + separator.join(blocks) + "]"


def _body_str(data: np.ndarray, indent: int) -> str:
    summarize = data.size > _options["threshold"]
    shown = _shown_elements(data, _options["edgeitems"]) if summarize else data
    if data.dtype.kind == "c":
        real, imag = _Formatter(shown.real), _Formatter(shown.imag)

        def format_complex(value: complex) -> str:
            imag_text = (imag.format(value.imag) + "j").lstrip()
            sign = "" if imag_text.startswith("-") else "+"
            return real.format(value.real) + sign + imag_text

        # ", " plus the "j" after the imaginary part.
        return _nested_str(data, indent, summarize, format_complex, real.width + imag.width + 3)
    formatter = _Formatter(shown)
    return _nested_str(data, indent, summarize, formatter.format, formatter.width + 2)


def _close(text: str, trailing: Sequence[str], indent: int) -> str:
    """Append ``, item`` for each trailing item, wrapping past the line width, then ``)``."""
    linewidth = _options["linewidth"]
    # torch's arithmetic over-counts the last line by two characters; kept so wrapping matches.
    line_length = len(text) - text.rfind("\n") + 1
    parts = [text]
    for item in trailing:
        if line_length + len(item) + 2 > linewidth:
            parts.append(",\n" + " " * indent + item)
            line_length = indent + len(item)
        else:
            parts.append(", " + item)
            line_length += len(item) + 2
    return "".join(parts) + ")"


def format_tensor(data: np.ndarray, *, dtype_suffix: str | None = None,
                  suffixes: Sequence[str] = (), prefix: str = "tensor(", device: str | None = None) -> str:
    """The repr torch would print for a CPU tensor holding ``data``.

    ``dtype_suffix`` is the printed dtype name (e.g. "ember.float64"), or None to omit
    it. The caller applies torch's rule: omit for the default float dtype, its complex
    counterpart, int64 and bool, except that an empty tensor omits it only for the
    default float dtype. ``suffixes`` (e.g. "grad_fn=<PowBackward0>") follow it in order.
    Continuation lines are indented by ``len(prefix)``.
    """
    data = np.asarray(data)
    if data.dtype.kind == "V":  # bfloat16 (ml_dtypes): float32 holds each value exactly
        data = data.astype(np.float32)
    indent = len(prefix)
    trailing = []
    if data.size == 0:
        if data.ndim != 1:
            trailing.append(f"size={tuple(data.shape)}")
        body = "[]"
    else:
        if not _options["edgeitems"]:
            # torch states the shape whenever edgeitems is 0, even if nothing is elided.
            trailing.append(f"size={tuple(data.shape)}")
        body = _body_str(data, indent)
    if device is not None:  # torch names a device other than the default one first
        trailing.insert(0, f"device='{device}'")
    if dtype_suffix is not None:
        trailing.append(f"dtype={dtype_suffix}")
    trailing.extend(suffixes)
    return _close(prefix + body, trailing, indent)
