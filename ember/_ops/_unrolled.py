"""Optimisations, and nothing else: the general path unrolled for one- and two-input rows.

"These first two cases are just optimizations" (HIPS autograd's backward_pass). The general path,
which these forms must equal, is ``op``/``finish`` in _registry.defop and ``Node.__init__``/
``Node.apply`` in autograd/graph.py; defop installs the forms below for the rows they fit. Nearly
every op a learner runs has one or two inputs, and on small tensors each Python call and loop is a
visible share of an op, so here the common dtype answers, make_tensor, the edges, the saving and
the formula calls are written out.

EMBER_GENERIC_PATHS=1 in the environment makes defop install only the general path; the test
suite runs the gradient and op-case suites that way too (tests/test_generic_paths.py), so every
line here is proven equal to the reference it shortcuts.
"""
from .._backend import as_array, crosses_devices, ndarray, on_device, xp
from .._errstate import enter as quiet_enter
from .._errstate import leave as quiet_leave
from .._grad_state import state as grad_state
from .._tensor import Tensor, shared_counter
from ..autograd import graph
from ..autograd.graph import (
    RESULT_AWAITED,
    ZERO_NRS_1,
    ZERO_NRS_2,
    Packed,
    attributes_named,
    fit_to_input,
    grad_accumulator,
    raise_if_released,
    save_tensor,
    saved_pair,
    saved_tensors_hooks_stack,
    unpack_input,
)
from . import _devices
from ._errors import allocation_error, complex_autograd_error, not_a_tensor
from ._kernels import BFLOAT16, FLOAT32, cast, in_float32, rounded_to_bfloat16, wrapped_int

_new = object.__new__
_asarray = as_array  # keeps CuPy arrays; NumPy scalars become 0-d arrays
NoneType = type(None)
_generic, _scalar_to_array = xp.generic, xp.asarray  # as_array's answer for NumPy scalars, without its checks
RAW = (ndarray, xp.generic)  # what formulas pass on the fast path: arrays and NumPy scalars


# -- recording a node: Node.__init__ for one and two inputs -----------------------------------
# `out` is the output array: inputs shaped like it need no _input_meta (one object fewer).
def init_unary(self, inputs, attributes, out):
    (x,) = inputs
    producer = x.grad_fn  # next_node(x), inline; a node is only made when its one input requires grad
    if producer is None:  # a leaf: its AccumulateGrad, alive while a graph uses it (grad_accumulator, inline)
        reference = x._accumulator
        producer = reference() if reference is not None else None
        if producer is None:
            producer = grad_accumulator(x)
    self._next_nodes = (producer,)
    output_nr = x.output_nr
    self._next_nrs = ZERO_NRS_1 if output_nr == 0 else (output_nr,)
    data = x._data
    same = data.shape == out.shape and data.dtype is out.dtype
    if same:
        self._input_meta = None
    else:
        if data.dtype.kind == "c" and not self.complex_aware:  # complex in, real out (complex out: see unary_op)
            raise graph.complex_input_error(self)
        self._input_meta = (data.shape, data.dtype)
    saved_inputs, saves_result = self._save_plans.get(1) or self._plan_saving(1)
    if not saved_inputs:
        self._saved = None
    elif x._inference or saved_tensors_hooks_stack:
        self._saved = save_tensor(x)
    else:  # save_tensor(x), inline
        counter = x._version_counter
        self._saved = (x, 0 if counter is None else counter[0])
    self._result_entry = RESULT_AWAITED if saves_result else None
    self._attributes = attributes
    self._extras = None
    self._sequence_nr = next(graph.node_numbers)  # looked up each time: anomaly mode swaps it


def init_binary(self, inputs, attributes, out):
    a, b = inputs
    out_shape, out_dtype = out.shape, out.dtype
    same = True  # every input that needs a gradient is shaped like the output
    if isinstance(a, Tensor) and a._requires_grad:
        node_a, nr_a, needs_grad = a.grad_fn, a.output_nr, 1
        if node_a is None:  # next_node(a), inline, as in init_unary
            reference = a._accumulator
            node_a = reference() if reference is not None else None
            if node_a is None:
                node_a = grad_accumulator(a)
        shape_a, dtype_a = a._data.shape, a._data.dtype
        same = shape_a == out_shape and dtype_a is out_dtype
    else:
        node_a = shape_a = dtype_a = None
        nr_a = needs_grad = 0
    if isinstance(b, Tensor) and b._requires_grad:
        node_b, nr_b, needs_grad = b.grad_fn, b.output_nr, needs_grad | 2
        if node_b is None:  # next_node(b), inline, as in init_unary
            reference = b._accumulator
            node_b = reference() if reference is not None else None
            if node_b is None:
                node_b = grad_accumulator(b)
        shape_b, dtype_b = b._data.shape, b._data.dtype
        same = same and shape_b == out_shape and dtype_b is out_dtype
    else:
        node_b = shape_b = dtype_b = None
        nr_b = 0
    self._next_nodes = (node_a, node_b)
    self._next_nrs = ZERO_NRS_2 if nr_a == nr_b == 0 else (nr_a, nr_b)
    if same:
        self._input_meta = None
    else:
        if "c" in (dtype_a and dtype_a.kind, dtype_b and dtype_b.kind) and not self.complex_aware:  # see init_unary
            raise graph.complex_input_error(self)
        self._input_meta = (shape_a, dtype_a, shape_b, dtype_b)
    saved_inputs, saves_result = self._save_plans.get(needs_grad) or self._plan_saving(needs_grad)
    if saved_inputs:
        value_a, version_a = saved_pair(a) if 0 in saved_inputs else (None, None)
        value_b, version_b = saved_pair(b) if 1 in saved_inputs else (None, None)
        self._saved = (value_a, version_a, value_b, version_b)
    else:
        self._saved = None
    self._result_entry = RESULT_AWAITED if saves_result else None
    self._attributes = attributes
    self._extras = None
    self._sequence_nr = next(graph.node_numbers)  # looked up each time: anomaly mode swaps it


# -- running the formulas: Node.apply for one and two inputs ----------------------------------
def apply_unary(self, grads, create_graph):
    formula = self.formulas[0]
    if formula is None or self._next_nodes[0] is None:
        return (None,)
    saved, x = self._saved, None
    if saved is not None:
        if type(saved) is not tuple:  # the marker of saved state released by an earlier backward
            raise_if_released(saved)
        x = unpack_input(saved[0], saved[1], create_graph)
    attributes = self._attributes
    if attributes:  # attributes_named, inline
        names = self.attribute_names[0]
        if names is not None and not attributes.keys() <= names:
            attributes = attributes_named(names, attributes)
    if self.takes_result[0]:
        result = None if self._result_entry is None else self._unpack_result(create_graph)
        input_grad = formula(grads[0], x, result=result, **attributes)
    else:
        input_grad = formula(grads[0], x, **attributes)
    meta = self._input_meta
    if (meta is not None and input_grad is not None
            and (input_grad.shape != meta[0] or input_grad.dtype is not meta[1])):
        input_grad = fit_to_input(input_grad, meta[0], meta[1])
    return (input_grad,)


def apply_binary(self, grads, create_graph):
    grad, saved, a, b = grads[0], self._saved, None, None
    if saved is not None:
        if type(saved) is not tuple:  # the marker of saved state released by an earlier backward
            raise_if_released(saved)
        a, version_a, b, version_b = saved
        if version_a is not None or type(a) is Packed:  # else nothing saved, or a number kept as it is
            a = unpack_input(a, version_a, create_graph)
        if version_b is not None or type(b) is Packed:
            b = unpack_input(b, version_b, create_graph)
    result = None if self._result_entry is None else self._unpack_result(create_graph)
    meta, (formula_a, formula_b) = self._input_meta, self.formulas
    grad_a = grad_b = None
    if formula_a is not None and self._next_nodes[0] is not None:
        attributes = self._attributes
        if attributes:  # attributes_named, inline
            names = self.attribute_names[0]
            if names is not None and not attributes.keys() <= names:
                attributes = attributes_named(names, attributes)
        if self.takes_result[0]:
            grad_a = formula_a(grad, a, b, result=result, **attributes)
        else:
            grad_a = formula_a(grad, a, b, **attributes)
        if meta is not None and grad_a is not None and (grad_a.shape != meta[0] or grad_a.dtype is not meta[1]):
            grad_a = fit_to_input(grad_a, meta[0], meta[1])
    if formula_b is not None and self._next_nodes[1] is not None:
        attributes = self._attributes
        if attributes:  # attributes_named, inline
            names = self.attribute_names[1]
            if names is not None and not attributes.keys() <= names:
                attributes = attributes_named(names, attributes)
        if self.takes_result[1]:
            grad_b = formula_b(grad, a, b, result=result, **attributes)
        else:
            grad_b = formula_b(grad, a, b, **attributes)
        if meta is not None and grad_b is not None and (grad_b.shape != meta[2] or grad_b.dtype is not meta[3]):
            grad_b = fit_to_input(grad_b, meta[2], meta[3])
    return (grad_a, grad_b)


def _save_result(node, result):
    """node.save_result, written out for the common case (no saved-tensor hooks)."""
    if saved_tensors_hooks_stack:
        node.save_result(result)
    else:
        counter = result._version_counter
        if counter is None:
            counter = result._version_counter = [0]
        node._result_entry = (result._data, counter, counter[0])


# -- the op functions: defop's `op` and `finish` for one and two inputs -----------------------
def unary_op_for(name, grad_fn_name, forward, forward_with_extra, dtype_rule, view, bool_output, saves_extra,
                 node_class, widens):
    """The op function of a one-input row (see defop for the parameters)."""
    differentiable = node_class is not None
    compute_dtype = None if dtype_rule is None else dtype_rule.compute
    keeps = {} if dtype_rule is None else dtype_rule.keeps
    other_name = None if dtype_rule is None else dtype_rule.other

    def unary_op(x, **attributes):
        if not isinstance(x, Tensor):
            if not isinstance(x, RAW) and not on_device(x):
                raise not_a_tensor(name, x)
            if x.dtype is BFLOAT16 and widens:
                return in_float32(forward, (x,), attributes)
            return forward(x, **attributes)
        if grad_state.profiler is not None:  # a profile is recording: it times this call
            return grad_state.profiler.op(name, unary_op, (x,), attributes)
        data = x._data
        target = widened = None
        if compute_dtype is not None:  # an arithmetic row
            target = data.dtype
            if target.kind not in keeps.get(type(attributes[other_name]) if other_name else NoneType, ""):
                target = compute_dtype(x, **attributes)
                if data.dtype is not target:
                    data = cast(data, target)
                if target is BFLOAT16 and widens:  # computed in float32, rounded once below (_kernels.in_float32)
                    data = data.astype(FLOAT32)
            if not data.ndim:
                data = data[()]  # NumPy scalars compute several times faster than 0-d arrays
        elif data.dtype is BFLOAT16 and widens and attributes.get("dtype") is None:
            data = widened = data.astype(FLOAT32)
        quiet = quiet_enter()  # torch's silent inf and nan (see _errstate)
        try:
            if saves_extra:
                out, extra = forward_with_extra(data, **attributes)
            else:
                out = forward(data, **attributes) if attributes else forward(data)
        except OverflowError:  # a Python int out of the integer dtype's range: torch wraps it
            attributes = {key: wrapped_int(value, data.dtype) for key, value in attributes.items()}
            out = forward(data, **attributes)
        except ValueError as error:
            if _devices.another_gpus_arrays(error):
                return _devices.retried(unary_op, name, (x,), attributes, error)
            too_big = allocation_error(error)  # NumPy's "array is too big", as torch's RuntimeError
            if too_big is None:
                raise
            raise too_big from None
        except MemoryError as error:  # torch's RuntimeError, with the byte count
            raise allocation_error(error) from None
        finally:
            quiet_leave(quiet)
        if widened is not None:
            out = rounded_to_bfloat16(out)
        if type(out) is not ndarray:  # a NumPy scalar (0-d inputs compute as scalars), or a CuPy array
            out = _scalar_to_array(out) if isinstance(out, _generic) else _asarray(out)
        dtype = out.dtype
        if dtype is not target and target is not None and not bool_output:
            out = cast(out, target) if target is BFLOAT16 else out.astype(target)
            dtype = target
        result = _new(Tensor)
        result._data = out
        result._version_counter = None
        if view:  # shares memory, and so the version counter, with its input
            result._version_counter = shared_counter(x)
            result._base = x._base if x._base is not None else x
        if x._requires_grad and differentiable and grad_state.enabled and dtype.kind in "fcV":  # V: bfloat16
            if dtype.kind == "c":
                raise complex_autograd_error(name, grad_fn_name)
            if saves_extra:
                attributes["extra"] = extra  # a fresh dict per call: the node's own
            node = result.grad_fn = node_class((x,), attributes, out)
            result._requires_grad = True
            if node._result_entry is not None:  # the node reads its output: save it (see graph.py)
                _save_result(node, result)
        else:
            result.grad_fn = None
            result._requires_grad = False
        if grad_state.inference:
            result._inference = True
        return result

    return unary_op


def binary_op_for(name, grad_fn_name, forward, dtype_rule, view, bool_output, node_class, widens):
    """The op function of a two-input row (see defop for the parameters)."""
    differentiable = node_class is not None
    compute_dtype = None if dtype_rule is None else dtype_rule.compute
    keeps = {} if dtype_rule is None else dtype_rule.keeps

    def binary_op(a, b, **attributes):
        a_is_tensor = isinstance(a, Tensor)
        if a_is_tensor:
            tensor, other = a, b
        elif isinstance(b, Tensor):
            tensor, other = b, a
        else:  # raw arrays: a formula on the fast path
            if not isinstance(a, RAW) and not isinstance(b, RAW) and not on_device(a) and not on_device(b):
                raise not_a_tensor(name, a)
            if widens and (getattr(a, "dtype", None) is BFLOAT16 or getattr(b, "dtype", None) is BFLOAT16):
                return in_float32(forward, (a, b), attributes)
            return forward(a, b, **attributes)
        if grad_state.profiler is not None:  # as in unary_op
            return grad_state.profiler.op(name, binary_op, (a, b), attributes)
        target = tensor._data.dtype
        if compute_dtype is None:
            target = None
        elif (target.kind not in keeps.get(type(other), "")
              or (type(other) is Tensor and other._data.dtype is not target)):
            target = compute_dtype(a, b, **attributes)
        requires_grad = tensor._requires_grad
        a_data, b_data = a, b
        if a_is_tensor:
            a_data = a._data
            if target is not None:
                if a_data.dtype is not target:
                    a_data = cast(a_data, target)
                if target is BFLOAT16 and widens:  # as in unary_op
                    a_data = a_data.astype(FLOAT32)
                if not a_data.ndim:
                    if (isinstance(b, Tensor) and type(b._data) is not type(a_data)
                            and crosses_devices(b._data, a_data)):  # read as a number, CuPy would take it
                        # from another device: settle the devices first (see _devices)
                        return _devices.after_type_error(binary_op, name, (a, b), attributes, None)
                    a_data = a_data[()]  # as in unary_op
        if isinstance(b, Tensor):
            requires_grad = requires_grad or b._requires_grad
            b_data = b._data
            if target is not None:
                if b_data.dtype is not target:
                    b_data = cast(b_data, target)
                if target is BFLOAT16 and widens:
                    b_data = b_data.astype(FLOAT32)
                if not b_data.ndim:
                    if a_is_tensor and type(a._data) is not type(b_data) and crosses_devices(a._data, b_data):
                        return _devices.after_type_error(binary_op, name, (a, b), attributes, None)
                    b_data = b_data[()]
        widen = (target is None and widens and (getattr(a_data, "dtype", None) is BFLOAT16
                                                   or getattr(b_data, "dtype", None) is BFLOAT16)
                 and attributes.get("dtype") is None)
        quiet = quiet_enter()
        try:
            if widen:
                out = in_float32(forward, (a_data, b_data), attributes)
            else:
                out = forward(a_data, b_data, **attributes) if attributes else forward(a_data, b_data)
        except ValueError as error:  # a shape that does not broadcast, or another GPU's arrays
            return _devices.after_value_error(binary_op, name, (a, b), attributes, error)
        except OverflowError:  # as in unary_op
            dtype = tensor._data.dtype if target is None else target
            out = forward(wrapped_int(a_data, dtype), wrapped_int(b_data, dtype), **attributes)
        except TypeError as error:  # CuPy refuses NumPy arrays: tensors on two devices
            return _devices.after_type_error(binary_op, name, (a, b), attributes, error)
        except MemoryError as error:  # as in unary_op
            raise allocation_error(error) from None
        finally:
            quiet_leave(quiet)
        if type(out) is not ndarray:  # a NumPy scalar (0-d inputs compute as scalars), or a CuPy array
            out = _scalar_to_array(out) if isinstance(out, _generic) else _asarray(out)
        dtype = out.dtype
        if dtype is not target and target is not None and not bool_output:
            out = cast(out, target) if target is BFLOAT16 else out.astype(target)
            dtype = target
        result = _new(Tensor)
        result._data = out
        result._version_counter = None
        if view:  # shares memory, and so the version counter, with its input
            result._version_counter = shared_counter(a)
            result._base = a._base if a._base is not None else a
        if requires_grad and differentiable and grad_state.enabled and dtype.kind in "fcV":  # V: bfloat16
            if dtype.kind == "c":
                raise complex_autograd_error(name, grad_fn_name)
            node = result.grad_fn = node_class((a, b), attributes, out)
            result._requires_grad = True
            if node._result_entry is not None:
                _save_result(node, result)
        else:
            result.grad_fn = None
            result._requires_grad = False
        if grad_state.inference:
            result._inference = True
        return result

    return binary_op
