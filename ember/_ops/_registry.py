"""defop(): one table row -> a public op function and a Node subclass named after torch's grad_fn.

A row is ``defop(name, grad_fn_name, forward, backward, ...)``:
  forward(*arrays, **attributes)              NumPy in, NumPy out
  backward                                    one formula per input, as derivatives.yaml has
                                              one line per input: a tuple of functions
                                              (None for an input that has no gradient), or a
                                              single function when the op has one input
  formula(grad, *inputs, [result], **attrs)   that input's gradient, written with ember ops

The generated function accepts Tensors (records a node when grad mode is on and an input
requires grad) and also raw arrays, on which it only runs `forward`. That second door is
what lets one formula serve two paths: the engine's fast path feeds formulas raw arrays,
and create_graph=True feeds them Tensors, so gradients become graphs themselves.

Only the formulas of inputs that require grad run, and only what those formulas read is
saved for backward (derivatives.yaml's rule): ``x * w`` with a constant ``w`` saves ``w`` and
not ``x``. The parameters each formula loads are found once, here, from its bytecode.
"""
import dis
import inspect

from .._backend import as_array as asarray
from .._backend import ndarray, on_device, xp
from .._dtype import get_default_dtype, result_type
from .._errstate import enter as quiet_enter
from .._errstate import leave as quiet_leave
from .._grad_state import state as grad_state
from .._tensor import Tensor, make_tensor, shared_counter
from ..autograd.graph import Node, saved_tensors_hooks_stack
from ._errors import complex_autograd_error, device_mismatch, not_a_tensor, shape_error

GRAD_FNS = {}  # grad_fn name -> Node subclass, for tests and tools
_new = object.__new__
NoneType = type(None)


# -- dtype rules: the NumPy dtype an op computes in (None: leave it to NumPy) ---------------
# A tensor of these kinds keeps its dtype next to a Python number of this type (torch's
# "wrapped numbers" only lift the category: int tensor * 2.5 is float, float tensor * 2 is not).
_KINDS_KEPT_BESIDE = {float: "fc", int: "iufc", bool: "biufc"}


def promote(*inputs, **_attributes):
    """Binary arithmetic: torch's result_type over tensors and Python numbers."""
    if len(inputs) == 2:  # the common cases first, without the general rule's bookkeeping
        a, b = inputs
        if isinstance(a, Tensor):
            a_dtype = a._data.dtype
            if isinstance(b, Tensor):
                if a_dtype is b._data.dtype:
                    return a_dtype
            elif a_dtype.kind in _KINDS_KEPT_BESIDE.get(type(b), ""):
                return a_dtype
    elif len(inputs) == 1:
        return inputs[0]._data.dtype
    return result_type(*inputs).numpy


def promote_to_float(*inputs, **_attributes):
    """Division and transcendental functions: integers and bools compute in the default float."""
    common = promote(*inputs)
    return common if common.kind in "fc" else get_default_dtype().numpy


# A rule's commonest answers, which the unrolled ops below give without calling it: `keeps`
# maps the type of the other operand (a Python number's type; Tensor for a tensor of the same
# dtype; NoneType for no other operand) to the kinds of tensor dtype the rule leaves as they
# are. `other` names the attribute that holds the other operand of a one-tensor row (x ** 2).
promote.keeps = {**_KINDS_KEPT_BESIDE, Tensor: "biufc", NoneType: "biufc"}
promote_to_float.keeps = {float: "fc", int: "fc", bool: "fc", Tensor: "fc", NoneType: "fc"}


def _parameters_read(function):
    """Names of the parameters a function's code actually loads (so only those get saved)."""
    code = function.__code__
    read = set(code.co_cellvars)  # used inside a nested lambda or comprehension
    for instruction in dis.get_instructions(code):
        if instruction.opname.startswith("LOAD_FAST") or instruction.opname == "LOAD_DEREF":
            value = instruction.argval
            read.update(value if isinstance(value, tuple) else (value,))
    return read


def _inputs_read(formula):
    """(positions of the inputs a formula reads, whether it reads `result`)."""
    if formula is None:
        return (frozenset(), False)
    parameters = inspect.signature(formula).parameters
    inputs = [p.name for p in parameters.values()
              if p.kind is p.POSITIONAL_OR_KEYWORD and p.name not in ("grad", "result")]
    read = _parameters_read(formula)
    if any(p.kind is p.VAR_POSITIONAL for p in parameters.values()):
        return (frozenset(), False)  # takes *inputs without naming them: reads none
    return (frozenset(i for i, name in enumerate(inputs) if name in read), "result" in read)


def _takes_result(formula):
    return formula is not None and "result" in inspect.signature(formula).parameters


def _save_result(node, result):
    """node.save_result, written out for the common case (no saved-tensor hooks)."""
    if saved_tensors_hooks_stack:
        node.save_result(result)
    else:
        counter = result._version_counter
        if counter is None:
            counter = result._version_counter = [0]
        node._result_entry = (result._data, counter, counter[0])


_RAW = (ndarray, xp.generic)  # what formulas pass on the fast path: arrays and NumPy scalars


def defop(name, grad_fn_name, forward, backward, *, dtype_rule=None, view=False, bool_output=False,
          saves_extra=False):
    """Build the op function and the Node subclass for one row of the table.

    dtype_rule  promote / promote_to_float / a function of the inputs, or None to keep
                whatever NumPy returns (shape ops, neg, abs, reductions ...)
    view        the output shares memory (and so the version counter) with input 0
    bool_output comparison: the dtype rule picks the inputs' common type, the output is bool
    backward    None for ops that have no gradient (their outputs never require grad)
    saves_extra (one-input rows) forward returns (out, extra): an intermediate array the backward
                would otherwise recompute (log_softmax's softmax, an exp). A recorded node keeps it
                as the attribute `extra`, which formulas take as a keyword (None when not recorded)
    """
    node_class = None
    if backward is not None:
        formulas = backward if isinstance(backward, tuple) else (backward,)
        node_class = type(grad_fn_name, (Node,), {
            "__slots__": (), "__module__": "ember.autograd.graph", "formulas": formulas,
            "takes_result": tuple(_takes_result(formula) for formula in formulas),
            "reads": tuple(_inputs_read(formula) for formula in formulas), "_save_plans": {},
        })
        if len(formulas) == 1:
            node_class.__init__, node_class.apply = Node._init_unary, Node._apply_unary
        elif len(formulas) == 2:
            node_class.__init__, node_class.apply = Node._init_binary, Node._apply_binary
        elif len(formulas) == 3:
            node_class.__init__ = Node._init_ternary
        if grad_fn_name == "NotImplemented":  # torch's generic node for ops without a derivative
            node_class.name = lambda self: "torch::autograd::NotImplemented"
        GRAD_FNS[grad_fn_name] = node_class
    differentiable = node_class is not None

    keeps = getattr(dtype_rule, "keeps", {})  # see promote.keeps
    forward_with_extra = forward
    if saves_extra:  # the raw-array door and in-place updates want the output alone
        def forward(*arrays, **attributes):
            return forward_with_extra(*arrays, **attributes)[0]
    other_name = getattr(dtype_rule, "other", None)

    def finish(out, inputs, attributes, target, requires_grad):
        """Wrap NumPy's answer as a Tensor and, when autograd is watching, record the node."""
        if type(out) is not ndarray:  # NumPy answers 0-d arithmetic with scalars; keep arrays
            out = asarray(out)
        if target is not None and not bool_output and out.dtype is not target:
            out = out.astype(target)
        if requires_grad and differentiable and grad_state.enabled and out.dtype.kind in "fc":
            if out.dtype.kind == "c":
                raise complex_autograd_error(name, grad_fn_name)
            node = node_class(inputs, attributes, out)
            result = make_tensor(out, node, True)
            if node._result_entry is not None:  # the node asked for its output: keep it now
                node.save_result(result)
        else:
            result = make_tensor(out)
        if view:
            source = inputs[0]
            result._version_counter = shared_counter(source)
            result._base = source._base if source._base is not None else source
        return result

    def op(*inputs, **attributes):
        if not isinstance(inputs[0], Tensor) and not any(isinstance(x, Tensor) for x in inputs):
            return forward(*inputs, **attributes)  # raw arrays: a formula on the fast path
        target = None if dtype_rule is None else dtype_rule(*inputs, **attributes)
        arrays, requires_grad = [], False
        for x in inputs:
            if isinstance(x, Tensor):
                requires_grad = requires_grad or x._requires_grad
                x = x._data if target is None or x._data.dtype is target else x._data.astype(target)
            arrays.append(x)
        quiet = quiet_enter()  # torch's silent inf and nan (see _errstate)
        try:
            out = forward(*arrays, **attributes)
        except ValueError as error:
            raise shape_error(error, inputs) from None
        except TypeError as error:
            raise device_mismatch(error, inputs) from None
        finally:
            quiet_leave(quiet)
        return finish(out, inputs, attributes, target, requires_grad)

    # unary_op and binary_op are op and finish unrolled for one and two inputs, nearly every
    # call: on small tensors each Python call is a visible share of the op, so the common
    # dtype answers, make_tensor and the node's bookkeeping are written out here.
    def unary_op(x, **attributes):
        if not isinstance(x, Tensor):
            if not isinstance(x, _RAW) and not on_device(x):
                raise not_a_tensor(name, x)
            return forward(x, **attributes)
        data = x._data
        target = None
        if dtype_rule is not None:  # an arithmetic row
            target = data.dtype
            if target.kind not in keeps.get(type(attributes[other_name]) if other_name else NoneType, ""):
                target = dtype_rule(x, **attributes)
                if data.dtype is not target:
                    data = data.astype(target)
            if not data.ndim:
                data = data[()]  # NumPy scalars compute several times faster than 0-d arrays
        quiet = quiet_enter()
        try:
            if saves_extra:
                out, extra = forward_with_extra(data, **attributes)
            else:
                out = forward(data, **attributes) if attributes else forward(data)
        finally:
            quiet_leave(quiet)
        if type(out) is not ndarray:
            out = asarray(out)
        dtype = out.dtype
        if dtype is not target and target is not None and not bool_output:
            out = out.astype(target)
            dtype = target
        result = _new(Tensor)
        result._data = out
        result._version_counter = None
        if view:  # shares memory, and so the version counter, with its input
            result._version_counter = shared_counter(x)
            result._base = x._base if x._base is not None else x
        if x._requires_grad and differentiable and grad_state.enabled and dtype.kind in "fc":
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

    def binary_op(a, b, **attributes):
        a_is_tensor = isinstance(a, Tensor)
        if a_is_tensor:
            tensor, other = a, b
        elif isinstance(b, Tensor):
            tensor, other = b, a
        else:  # raw arrays: a formula on the fast path
            if not isinstance(a, _RAW) and not isinstance(b, _RAW) and not on_device(a) and not on_device(b):
                raise not_a_tensor(name, a)
            return forward(a, b, **attributes)
        target = tensor._data.dtype
        if dtype_rule is None:
            target = None
        elif (target.kind not in keeps.get(type(other), "")
              or (type(other) is Tensor and other._data.dtype is not target)):
            target = dtype_rule(a, b, **attributes)
        requires_grad = tensor._requires_grad
        a_data, b_data = a, b
        if a_is_tensor:
            a_data = a._data
            if target is not None:
                if a_data.dtype is not target:
                    a_data = a_data.astype(target)
                if not a_data.ndim:
                    a_data = a_data[()]  # as in unary_op
        if isinstance(b, Tensor):
            requires_grad = requires_grad or b._requires_grad
            b_data = b._data
            if target is not None:
                if b_data.dtype is not target:
                    b_data = b_data.astype(target)
                if not b_data.ndim:
                    b_data = b_data[()]
        quiet = quiet_enter()
        try:
            out = forward(a_data, b_data, **attributes) if attributes else forward(a_data, b_data)
        except ValueError as error:
            raise shape_error(error, (a, b)) from None
        except TypeError as error:  # CuPy refuses NumPy arrays: tensors on two devices
            raise device_mismatch(error, (a, b)) from None
        finally:
            quiet_leave(quiet)
        if type(out) is not ndarray:
            out = asarray(out)
        dtype = out.dtype
        if dtype is not target and target is not None and not bool_output:
            out = out.astype(target)
            dtype = target
        result = _new(Tensor)
        result._data = out
        result._version_counter = None
        if view:  # shares memory, and so the version counter, with its input
            result._version_counter = shared_counter(a)
            result._base = a._base if a._base is not None else a
        if requires_grad and differentiable and grad_state.enabled and dtype.kind in "fc":
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

    arity = len(node_class.formulas) if differentiable else getattr(forward, "nin", None)  # ufuncs know theirs
    assert arity == 1 or not saves_extra, "saves_extra is implemented for one-input rows"
    op = {1: unary_op, 2: binary_op}.get(arity, op)
    op.__name__ = op.__qualname__ = name
    op.grad_fn_name = grad_fn_name
    op.node_class = node_class
    op.forward, op.keeps = forward, keeps  # for in-place updates that skip the result tensor (inplace.py)
    return op
