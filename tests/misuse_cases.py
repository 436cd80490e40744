"""Misuse: every mistake a learner or a data pipeline makes, as one table (issue 8).

Each case is ``action(lib)`` with ``lib`` ember or torch. Running it under torch 2.13 either
raises (then ``error`` is torch's exception class name and ``phrase`` a key phrase of its
message, both recorded from torch), or returns something (``error`` is None): then its result,
made plain by ``observe``, must equal torch's. tests/test_misuse.py checks ember against these
literals always, and against a live torch when one is installed. This module must not import
torch.
"""
import threading
import warnings
from dataclasses import dataclass


@dataclass(frozen=True)
class Misuse:
    category: str
    id: str
    action: object
    error: str = None     # torch's exception class name, or None when torch returns normally
    phrase: str = ""      # a key phrase of torch's message (ember's must contain it too)

    def __repr__(self):
        return f"{self.category}-{self.id}"


def leaf(lib, values=(1.0, 2.0, 3.0)):
    return lib.tensor(list(values), requires_grad=True)


def _set(tensor, name, value):
    setattr(tensor, name, value)


def _setitem(tensor, index, value):
    tensor[index] = value


def _iadd(tensor, value):
    tensor += value
    return tensor


def _backward_twice(lib):
    y = (leaf(lib) ** 2).sum()
    y.backward()
    y.backward()


def _grad_twice(lib):
    x = leaf(lib)
    y = (x.exp()).sum()
    lib.autograd.grad(y, x)
    lib.autograd.grad(y, x)


def _retain_then_twice(lib):
    x = leaf(lib)
    y = (x ** 2).sum()
    y.backward(retain_graph=True)
    y.backward()
    return x.grad


def _unused_input(lib, allow_unused=False):
    x, z = leaf(lib), leaf(lib)
    return lib.autograd.grad((x * 2).sum(), (x, z), allow_unused=allow_unused)


def _saved_modified(lib, make):
    x = leaf(lib)
    out = make(lib, x)
    out.sum().backward()


def _after_no_grad_edit(lib):
    x = leaf(lib)
    y = x * x
    with lib.no_grad():
        x.mul_(2)
    y.sum().backward()


def _detach_edit(lib):
    x = leaf(lib)
    y = x.exp()
    y.detach().zero_()
    y.sum().backward()


def _data_edit(lib):
    x = leaf(lib)
    y = x.exp()
    y.data.zero_()
    y.sum().backward()
    return x.grad


def _view_of_leaf_inplace(lib):
    x = leaf(lib)
    x[0].mul_(2)


def _view_of_leaf_under_no_grad(lib):
    x = leaf(lib)
    with lib.no_grad():
        x[0] = 5.0
    return x


def _non_leaf_grad_access(lib):
    x = leaf(lib)
    y = x * 2
    y.sum().backward()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        grad = y.grad
    return grad, [str(w.category.__name__) for w in caught]


def _retain_grad_on_leaf_then_backward(lib):
    x = leaf(lib)
    x.retain_grad()
    (x * 3).sum().backward()
    return x.grad


def _retain_grad(lib):
    x = leaf(lib)
    y = x * 2
    y.retain_grad()
    (y * y).sum().backward()
    return y.grad


def _no_grad_restored_after_error(lib):
    try:
        with lib.no_grad():
            raise KeyError("boom")
    except KeyError:
        pass
    return lib.is_grad_enabled()


def _set_grad_enabled_restored(lib):
    try:
        with lib.set_grad_enabled(False):
            raise ValueError("boom")
    except ValueError:
        pass
    return lib.is_grad_enabled()


def _decorated(lib):
    @lib.no_grad()
    def inner(x):
        return x * 2
    return inner(leaf(lib)).requires_grad


def _enable_inside_no_grad(lib):
    with lib.no_grad():
        with lib.enable_grad():
            y = leaf(lib) * 2
    return y.requires_grad


def _no_grad_other_thread(lib):
    seen = []

    def worker():
        seen.append(lib.is_grad_enabled())
    with lib.no_grad():
        thread = threading.Thread(target=worker)
        thread.start()
        thread.join()
    return seen


def _inference_then_backward(lib):
    with lib.inference_mode():
        y = lib.ones(3) * 2
    x = leaf(lib)
    (x * y).sum().backward()
    return x.grad


def _inference_tensor_inplace(lib):
    with lib.inference_mode():
        y = lib.ones(3)
    y.add_(1)


def _hook_wrong_shape(lib):
    x = leaf(lib)
    x.register_hook(lambda grad: grad[:2])
    (x * 2).sum().backward()


def _hook_replaces(lib):
    x = leaf(lib)
    x.register_hook(lambda grad: grad * 10)
    (x * 2).sum().backward()
    return x.grad


def _hook_on_non_grad(lib):
    x = lib.tensor([1.0, 2.0])
    x.register_hook(lambda grad: grad)


def _removed_hook(lib):
    x = leaf(lib)
    handle = x.register_hook(lambda grad: grad * 10)
    handle.remove()
    (x * 2).sum().backward()
    return x.grad


def _ragged(lib):
    return lib.tensor([[1.0, 2.0], [3.0]])


def _warn(fn):
    """Run fn, returning (result, [warning class names]) so warnings become observable."""
    def action(lib):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = fn(lib)
        return result, sorted({w.category.__name__ for w in caught})
    return action


# fmt: off
CASES = [
    # -- autograd API ---------------------------------------------------------------------------
    Misuse("autograd", "non_scalar_backward", lambda lib: (leaf(lib) * 2).backward(),
           "RuntimeError", "grad can be implicitly created only for scalar outputs"),
    Misuse("autograd", "backward_without_grad_fn", lambda lib: lib.tensor([1.0, 2.0]).sum().backward(),
           "RuntimeError", "element 0 of tensors does not require grad and does not have a grad_fn"),
    Misuse("autograd", "backward_twice", _backward_twice,
           "RuntimeError", "Trying to backward through the graph a second time"),
    Misuse("autograd", "grad_twice", _grad_twice,
           "RuntimeError", "Trying to backward through the graph a second time"),
    Misuse("autograd", "retain_graph_allows_twice", _retain_then_twice),
    Misuse("autograd", "gradient_wrong_shape", lambda lib: (leaf(lib) * 2).backward(lib.ones(2)),
           "RuntimeError", "Mismatch in shape: grad_output[0] has a shape of torch.Size([2]) and output[0] has a shape of torch.Size([3])"),
    Misuse("autograd", "gradient_right_shape", lambda lib: _grad_of(lib, lambda x: (x * 2).backward(lib.ones(3)))),
    Misuse("autograd", "unused_input", lambda lib: _unused_input(lib),
           "RuntimeError", "appears to not have been used in the graph. Set allow_unused=True if this is the desired behavior."),
    Misuse("autograd", "unused_input_allowed", lambda lib: _unused_input(lib, allow_unused=True)),
    Misuse("autograd", "grad_of_non_scalar", lambda lib: lib.autograd.grad(leaf(lib) * 2, leaf(lib)),
           "RuntimeError", "grad can be implicitly created only for scalar outputs"),
    Misuse("autograd", "grad_input_not_requiring", lambda lib: lib.autograd.grad((leaf(lib) * 2).sum(), lib.ones(3)),
           "RuntimeError", "One of the differentiated Tensors does not require grad"),
    Misuse("autograd", "grad_output_not_requiring", lambda lib: lib.autograd.grad(lib.ones(3).sum(), leaf(lib)),
           "RuntimeError", "element 0 of tensors does not require grad and does not have a grad_fn"),
    Misuse("autograd", "grad_outputs_wrong_shape", lambda lib: (lambda x: lib.autograd.grad(x * 2, x, lib.ones(4)))(leaf(lib)),
           "RuntimeError", "Mismatch in shape"),
    Misuse("autograd", "backward_inputs_empty", lambda lib: (leaf(lib) * 2).sum().backward(inputs=[]),
           "RuntimeError", "`inputs` argument to `backward()` cannot be empty."),
    Misuse("autograd", "accumulates", lambda lib: _grad_of(lib, lambda x: [(x * 2).sum().backward() for _ in range(3)])),
    Misuse("autograd", "item_of_graph", lambda lib: (leaf(lib) * 2).sum().item()),
    Misuse("autograd", "numpy_of_requires_grad", lambda lib: leaf(lib).numpy(),
           "RuntimeError", "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead."),
    Misuse("autograd", "detach_numpy", lambda lib: leaf(lib).detach().numpy().tolist()),

    # -- in-place hazards -------------------------------------------------------------------------
    Misuse("inplace", "leaf_inplace", lambda lib: leaf(lib).add_(1),
           "RuntimeError", "a leaf Variable that requires grad is being used in an in-place operation."),
    Misuse("inplace", "leaf_iadd", lambda lib: _iadd(leaf(lib), 1),
           "RuntimeError", "a leaf Variable that requires grad is being used in an in-place operation."),
    Misuse("inplace", "leaf_setitem", lambda lib: _setitem(leaf(lib), 0, 5.0),
           "RuntimeError", "a view of a leaf Variable that requires grad is being used in an in-place operation."),
    Misuse("inplace", "view_of_leaf", _view_of_leaf_inplace,
           "RuntimeError", "a view of a leaf Variable that requires grad is being used in an in-place operation."),
    Misuse("inplace", "leaf_under_no_grad", lambda lib: _in_no_grad(lib, lambda x: x.add_(1))),
    Misuse("inplace", "view_of_leaf_under_no_grad", _view_of_leaf_under_no_grad),
    Misuse("inplace", "saved_input_modified", lambda lib: _saved_modified(lib, lambda lib, x: _mul_then_edit(x)),
           "RuntimeError", "one of the variables needed for gradient computation has been modified by an inplace operation"),
    Misuse("inplace", "saved_output_modified", lambda lib: _saved_modified(lib, lambda lib, x: x.exp().mul_(2)),
           "RuntimeError", "one of the variables needed for gradient computation has been modified by an inplace operation"),
    Misuse("inplace", "sigmoid_output_modified", lambda lib: _saved_modified(lib, lambda lib, x: x.sigmoid().add_(1)),
           "RuntimeError", "one of the variables needed for gradient computation has been modified by an inplace operation"),
    Misuse("inplace", "unsaved_modified_is_fine", lambda lib: _grad_of(lib, lambda x: (x * 2).add_(1).sum().backward())),
    Misuse("inplace", "leaf_edited_under_no_grad", _after_no_grad_edit,
           "RuntimeError", "one of the variables needed for gradient computation has been modified by an inplace operation"),
    Misuse("inplace", "via_detach", _detach_edit,
           "RuntimeError", "one of the variables needed for gradient computation has been modified by an inplace operation"),
    Misuse("inplace", "via_data_silently", _data_edit),
    Misuse("inplace", "int_into_float_ok", lambda lib: lib.ones(3).add_(lib.tensor([1, 2, 3])).tolist()),
    Misuse("inplace", "float_into_int", lambda lib: lib.tensor([1, 2, 3]).add_(1.5),
           "RuntimeError", "result type Float can't be cast to the desired output type Long"),
    Misuse("inplace", "broadcast_into_smaller", lambda lib: lib.ones(3).add_(lib.ones(2, 3)),
           "RuntimeError", "output with shape [3] doesn't match the broadcast shape [2, 3]"),
    Misuse("inplace", "inference_tensor", _inference_tensor_inplace,
           "RuntimeError", "Inplace update to inference tensor outside InferenceMode is not allowed"),

    # -- requires_grad rules ----------------------------------------------------------------------
    Misuse("requires_grad", "int_tensor", lambda lib: lib.tensor([1, 2], requires_grad=True),
           "RuntimeError", "Only Tensors of floating point and complex dtype can require gradients"),
    Misuse("requires_grad", "int_requires_grad_", lambda lib: lib.tensor([1, 2]).requires_grad_(),
           "RuntimeError", "only Tensors of floating point dtype can require gradients"),
    Misuse("requires_grad", "bool_tensor", lambda lib: lib.tensor([True], requires_grad=True),
           "RuntimeError", "Only Tensors of floating point and complex dtype can require gradients"),
    Misuse("requires_grad", "arange_int", lambda lib: lib.arange(3, requires_grad=True),
           "RuntimeError", "Only Tensors of floating point and complex dtype can require gradients"),
    Misuse("requires_grad", "non_leaf_flag_off", lambda lib: _set(leaf(lib) * 2, "requires_grad", False),
           "RuntimeError", "you can only change requires_grad flags of leaf variables."),
    Misuse("requires_grad", "non_leaf_flag_on", lambda lib: _set(leaf(lib) * 2, "requires_grad", True),
           "RuntimeError", "you can only change requires_grad flags of leaf variables."),
    Misuse("requires_grad", "non_leaf_grad_warns", _non_leaf_grad_access),
    Misuse("requires_grad", "retain_grad", _retain_grad),
    Misuse("requires_grad", "retain_grad_on_leaf", _retain_grad_on_leaf_then_backward),
    Misuse("requires_grad", "retain_grad_without_grad", lambda lib: lib.ones(2).retain_grad(),
           "RuntimeError", "can't retain_grad on Tensor that has requires_grad=False"),
    Misuse("requires_grad", "grad_wrong_shape_assign", lambda lib: _set(leaf(lib), "grad", lib.ones(2)),
           "RuntimeError", "attempting to assign a gradient of size '[2]' to a tensor of size '[3]'"),
    Misuse("requires_grad", "grad_wrong_type_assign", lambda lib: _set(leaf(lib), "grad", [1.0, 2.0, 3.0]),
           "TypeError", "assigned grad expected to be a Tensor or None but got grad of type list"),
    Misuse("requires_grad", "grad_dtype_assign", lambda lib: _set(leaf(lib), "grad", lib.ones(3, dtype=lib.float64)),
           "RuntimeError", "attempting to assign a gradient with dtype 'double' to a tensor with grad_dtype 'Float'"),
    Misuse("requires_grad", "leaf_after_detach", lambda lib: ((leaf(lib) * 2).detach().is_leaf, (leaf(lib) * 2).detach().requires_grad)),
    Misuse("requires_grad", "result_of_no_grad", lambda lib: _in_no_grad(lib, lambda x: (x * 2).requires_grad)),
    Misuse("requires_grad", "integer_result", lambda lib: (leaf(lib) > 1).requires_grad),
    Misuse("requires_grad", "argmax_no_grad", lambda lib: leaf(lib).argmax().requires_grad),

    # -- grad modes -------------------------------------------------------------------------------
    Misuse("grad_mode", "restored_after_error", _no_grad_restored_after_error),
    Misuse("grad_mode", "set_grad_enabled_restored", _set_grad_enabled_restored),
    Misuse("grad_mode", "decorator", _decorated),
    Misuse("grad_mode", "enable_inside_no_grad", _enable_inside_no_grad),
    Misuse("grad_mode", "thread_local", _no_grad_other_thread),
    Misuse("grad_mode", "inference_tensor_in_graph", _inference_then_backward,
           "RuntimeError", "Inference tensors cannot be saved for backward"),
    Misuse("grad_mode", "set_grad_enabled_bad_arg", lambda lib: lib.set_grad_enabled("yes"),
           "TypeError", "set_grad_enabled(): argument 'enabled' (position 1) must be bool, not str"),
    Misuse("grad_mode", "inference_requires_grad", lambda lib: _inference_requires_grad(lib),
           "RuntimeError", "Setting requires_grad=True on inference tensor outside InferenceMode is not allowed."),

    # -- hooks --------------------------------------------------------------------------------------
    Misuse("hooks", "wrong_shape", _hook_wrong_shape, "RuntimeError", "hook '<lambda>' has changed the size of value"),
    Misuse("hooks", "replaces_grad", _hook_replaces),
    Misuse("hooks", "on_tensor_without_grad", _hook_on_non_grad,
           "RuntimeError", "cannot register a hook on a tensor that doesn't require gradient"),
    Misuse("hooks", "removed", _removed_hook),

    # -- shapes ---------------------------------------------------------------------------------------
    Misuse("shape", "broadcast", lambda lib: lib.ones(2, 3) + lib.ones(4),
           "RuntimeError", "The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 1"),
    Misuse("shape", "broadcast_ok", lambda lib: (lib.ones(2, 1) + lib.ones(3)).shape),
    Misuse("shape", "matmul", lambda lib: lib.ones(2, 3) @ lib.ones(2, 3),
           "RuntimeError", "mat1 and mat2 shapes cannot be multiplied (2x3 and 2x3)"),
    Misuse("shape", "matmul_1d", lambda lib: lib.ones(3) @ lib.ones(4),
           "RuntimeError", "inconsistent tensor size, expected tensor [3] and src [4] to have the same number of elements, but got 3 and 4 elements respectively"),
    Misuse("shape", "mv", lambda lib: lib.mv(lib.ones(2, 3), lib.ones(2)),
           "RuntimeError", "size mismatch"),
    Misuse("shape", "bmm_rank", lambda lib: lib.bmm(lib.ones(2, 3), lib.ones(3, 2)),
           "RuntimeError", "batch1 must be a 3D tensor"),
    Misuse("shape", "matmul_scalar", lambda lib: lib.tensor(2.0) @ lib.ones(2),
           "RuntimeError", "both arguments to matmul need to be at least 1D, but they are 0D and 1D"),
    Misuse("shape", "view_numel", lambda lib: lib.ones(2, 3).view(4),
           "RuntimeError", "shape '[4]' is invalid for input of size 6"),
    Misuse("shape", "view_two_minus_one", lambda lib: lib.ones(6).view(-1, -1),
           "RuntimeError", "only one dimension can be inferred"),
    Misuse("shape", "view_non_contiguous", lambda lib: lib.ones(2, 3).t().view(6),
           "RuntimeError", "view size is not compatible with input tensor's size and stride"),
    Misuse("shape", "reshape_non_contiguous_ok", lambda lib: lib.arange(6.0).view(2, 3).t().reshape(6).tolist()),
    Misuse("shape", "dim_out_of_range", lambda lib: lib.ones(2, 3).sum(dim=2),
           "IndexError", "Dimension out of range (expected to be in range of [-2, 1], but got 2)"),
    Misuse("shape", "transpose_dim", lambda lib: lib.ones(2, 3).transpose(0, 3),
           "IndexError", "Dimension out of range (expected to be in range of [-2, 1], but got 3)"),
    Misuse("shape", "unsqueeze_dim", lambda lib: lib.ones(2).unsqueeze(3),
           "IndexError", "Dimension out of range (expected to be in range of [-2, 1], but got 3)"),
    Misuse("shape", "permute_wrong_count", lambda lib: lib.ones(2, 3).permute(0),
           "RuntimeError", "number of dimensions in the tensor input does not match the length of the desired ordering of dimensions"),
    Misuse("shape", "permute_repeated", lambda lib: lib.ones(2, 3).permute(0, 0),
           "RuntimeError", "permute(): duplicate dims are not allowed."),
    Misuse("shape", "expand_wrong", lambda lib: lib.ones(2, 3).expand(4, 3),
           "RuntimeError", "The expanded size of the tensor (4) must match the existing size (2) at non-singleton dimension 0"),
    Misuse("shape", "cat_mismatch", lambda lib: lib.cat([lib.ones(2, 3), lib.ones(2, 4)]),
           "RuntimeError", "Sizes of tensors must match except in dimension 0"),
    Misuse("shape", "cat_empty_list", lambda lib: lib.cat([]),
           "ValueError", "expected a non-empty list of Tensors"),
    Misuse("shape", "stack_mismatch", lambda lib: lib.stack([lib.ones(2), lib.ones(3)]),
           "RuntimeError", "stack expects each tensor to be equal size"),
    Misuse("shape", "cat_dim", lambda lib: lib.cat([lib.ones(2), lib.ones(2)], dim=1),
           "IndexError", "Dimension out of range (expected to be in range of [-1, 0], but got 1)"),

    # -- indexing --------------------------------------------------------------------------------------
    Misuse("index", "int_out_of_bounds", lambda lib: lib.ones(3)[5],
           "IndexError", "index 5 is out of bounds for dimension 0 with size 3"),
    Misuse("index", "negative_out_of_bounds", lambda lib: lib.ones(3)[-4],
           "IndexError", "index -4 is out of bounds for dimension 0 with size 3"),
    Misuse("index", "too_many_indices", lambda lib: lib.ones(3)[0, 0],
           "IndexError", "too many indices for tensor of dimension 1"),
    Misuse("index", "tensor_index_out_of_bounds", lambda lib: lib.ones(3)[lib.tensor([0, 3])],
           "IndexError", "index 3 is out of bounds for dimension 0 with size 3"),
    Misuse("index", "float_index", lambda lib: lib.ones(3)[lib.tensor([0.0])],
           "IndexError", "tensors used as indices must be long, int, byte or bool tensors"),
    Misuse("index", "bad_mask_shape", lambda lib: lib.ones(3)[lib.tensor([True, False])],
           "IndexError", "The shape of the mask [2] at index 0 does not match the shape of the indexed tensor [3] at index 0"),
    Misuse("index", "repeated_indices_add_up", lambda lib: _grad_of(lib, lambda x: x[lib.tensor([0, 0, 2])].sum().backward())),
    Misuse("index", "mask_grad", lambda lib: _grad_of(lib, lambda x: x[x > 1.5].sum().backward())),
    Misuse("index", "setitem_out_of_bounds", lambda lib: _setitem(lib.ones(3), 3, 1.0),
           "IndexError", "index 3 is out of bounds for dimension 0 with size 3"),
    Misuse("index", "setitem_shape", lambda lib: _setitem(lib.ones(3), slice(None), lib.ones(2)),
           "RuntimeError", "The expanded size of the tensor (3) must match the existing size (2) at non-singleton dimension 0"),
    Misuse("index", "gather_dtype", lambda lib: lib.gather(lib.ones(3), 0, lib.tensor([0.0])),
           "RuntimeError", "gather(): Expected dtype int32/int64 for index"),
    Misuse("index", "index_select_out", lambda lib: lib.index_select(lib.ones(3), 0, lib.tensor([4])),
           "IndexError", "index out of range in self"),

    # -- conversions ------------------------------------------------------------------------------------
    Misuse("convert", "item_multi", lambda lib: lib.ones(3).item(),
           "RuntimeError", "a Tensor with 3 elements cannot be converted to Scalar"),
    Misuse("convert", "float_multi", lambda lib: float(lib.ones(2)),
           "ValueError", "only one element tensors can be converted to Python scalars"),
    Misuse("convert", "int_multi", lambda lib: int(lib.ones(2)),
           "ValueError", "only one element tensors can be converted to Python scalars"),
    Misuse("convert", "bool_multi", lambda lib: bool(lib.ones(2)),
           "RuntimeError", "Boolean value of Tensor with more than one value is ambiguous"),
    Misuse("convert", "bool_empty", lambda lib: bool(lib.ones(0)),
           "RuntimeError", "Boolean value of Tensor with no values is ambiguous"),
    Misuse("convert", "if_on_tensor_one", lambda lib: bool(lib.tensor([2.0]))),
    Misuse("convert", "ragged", _ragged, "ValueError", "expected sequence of length 2 at dim 1 (got 1)"),
    Misuse("convert", "string_list", lambda lib: lib.tensor(["a"]),
           "ValueError", "too many dimensions 'str'"),
    Misuse("convert", "none_data", lambda lib: lib.tensor(None),
           "RuntimeError", "Could not infer dtype of NoneType"),
    Misuse("convert", "item_0d", lambda lib: lib.tensor(2.5).item()),
    Misuse("convert", "int_of_float", lambda lib: int(lib.tensor(2.7))),
    Misuse("convert", "len_0d", lambda lib: len(lib.tensor(1.0)),
           "TypeError", "len() of a 0-d tensor"),
    Misuse("convert", "iter_0d", lambda lib: list(lib.tensor(1.0)),
           "TypeError", "iteration over a 0-d tensor"),
    Misuse("convert", "index_with_float_tensor_scalar", lambda lib: [10, 20][lib.tensor(1.0)],
           "TypeError", "only integer tensors of a single element can be converted to an index"),
    Misuse("convert", "index_with_int_tensor", lambda lib: [10, 20][lib.tensor(1)]),
    Misuse("convert", "to_bad_dtype", lambda lib: lib.ones(2).to("float33"),
           "RuntimeError", "Invalid device string: 'float33'"),
    Misuse("convert", "mixed_bool_float", lambda lib: lib.tensor([True, 2.5]).dtype),

    # -- numerics -----------------------------------------------------------------------------------------
    Misuse("numerics", "div_by_zero", lambda lib: (lib.tensor([1.0, -1.0, 0.0]) / 0).tolist()),
    Misuse("numerics", "int_true_div_by_zero", lambda lib: (lib.tensor([1, 0]) / 0).tolist()),
    Misuse("numerics", "int_floor_div_by_zero", lambda lib: lib.tensor([1]) // 0,
           "RuntimeError", "ZeroDivisionError"),
    Misuse("numerics", "int_remainder_by_zero", lambda lib: lib.tensor([1]) % 0,
           "RuntimeError", "ZeroDivisionError"),
    Misuse("numerics", "log_zero", lambda lib: lib.log(lib.tensor([0.0, -1.0])).tolist()),
    Misuse("numerics", "sqrt_negative", lambda lib: lib.sqrt(lib.tensor([-1.0])).tolist()),
    Misuse("numerics", "nan_propagates", lambda lib: (lib.tensor([float("nan"), 1.0]) * 2).sum().item()),
    Misuse("numerics", "overflow_float32", lambda lib: lib.exp(lib.tensor([100.0])).tolist()),
    Misuse("numerics", "overflow_float64", lambda lib: lib.exp(lib.tensor([100.0], dtype=lib.float64)).tolist()),
    Misuse("numerics", "int_overflow_wraps", lambda lib: (lib.tensor([2 ** 62]) * 4).tolist()),
    Misuse("numerics", "empty_sum", lambda lib: lib.ones(0).sum().item()),
    Misuse("numerics", "empty_mean", lambda lib: lib.ones(0).mean().item()),
    Misuse("numerics", "empty_max", lambda lib: lib.ones(0).max(),
           "RuntimeError", "max(): Expected reduction dim to be specified for input.numel() == 0. Specify the reduction dim with the 'dim' argument."),
    Misuse("numerics", "logsumexp_huge", lambda lib: lib.logsumexp(lib.tensor([1e4, 1e4]), dim=0).item()),
    Misuse("numerics", "softmax_huge", lambda lib: lib.softmax(lib.tensor([1e4, -1e4, 0.0]), dim=0).tolist()),
    Misuse("numerics", "sqrt_grad_at_zero", lambda lib: _grad_of(lib, lambda x: lib.sqrt(x).sum().backward(), (0.0, 1.0))),
    Misuse("numerics", "log_grad_at_zero", lambda lib: _grad_of(lib, lambda x: lib.log(x).sum().backward(), (0.0, 1.0))),
    Misuse("numerics", "pow_zero_grad", lambda lib: _grad_of(lib, lambda x: (x ** 0.5).sum().backward(), (0.0, 4.0))),

    # -- kinks and ties ------------------------------------------------------------------------------------
    Misuse("kinks", "relu_at_zero", lambda lib: _grad_of(lib, lambda x: lib.relu(x).sum().backward(), (0.0, 1.0, -1.0))),
    Misuse("kinks", "relu_grad_at_nan", lambda lib: _grad_of(lib, lambda x: lib.relu(x).sum().backward(), (float("nan"), 1.0, -1.0))),
    Misuse("kinks", "abs_at_zero", lambda lib: _grad_of(lib, lambda x: x.abs().sum().backward(), (0.0, 1.0, -1.0))),
    Misuse("kinks", "clamp_at_bounds", lambda lib: _grad_of(lib, lambda x: x.clamp(0.0, 1.0).sum().backward(), (0.0, 1.0, 0.5))),
    Misuse("kinks", "max_ties_whole", lambda lib: _grad_of(lib, lambda x: x.max().backward(), (2.0, 2.0, 1.0))),
    Misuse("kinks", "max_ties_dim", lambda lib: _grad_of(lib, lambda x: x.max(dim=0).values.backward(), (2.0, 2.0, 1.0))),
    Misuse("kinks", "amax_ties", lambda lib: _grad_of(lib, lambda x: x.amax().backward(), (2.0, 2.0, 1.0))),
    Misuse("kinks", "maximum_ties", lambda lib: _grad_of(lib, lambda x: lib.maximum(x, lib.tensor([2.0, 0.0, 3.0])).sum().backward(), (2.0, 2.0, 1.0))),
    Misuse("kinks", "norm_at_zero", lambda lib: _grad_of(lib, lambda x: x.norm().backward(), (0.0, 0.0, 0.0))),
    Misuse("kinks", "sign_grad", lambda lib: _grad_of(lib, lambda x: x.sign().sum().backward(), (0.0, 1.0, -1.0))),
    Misuse("kinks", "round_grad", lambda lib: _grad_of(lib, lambda x: x.round().sum().backward(), (0.5, 1.5, -1.2))),

    # -- dtype promotion --------------------------------------------------------------------------------------
    Misuse("dtype", "int_plus_float_scalar", lambda lib: str((lib.tensor([1, 2]) + 1.5).dtype)),
    Misuse("dtype", "float32_plus_float64_0d", lambda lib: str((lib.ones(2) + lib.tensor(1.0, dtype=lib.float64)).dtype)),
    Misuse("dtype", "float32_plus_float64", lambda lib: str((lib.ones(2) + lib.ones(2, dtype=lib.float64)).dtype)),
    Misuse("dtype", "int_div_int", lambda lib: str((lib.tensor([3]) / lib.tensor([2])).dtype)),
    Misuse("dtype", "bool_plus_bool", lambda lib: str((lib.tensor([True]) + lib.tensor([True])).dtype)),
    Misuse("dtype", "bool_sub", lambda lib: lib.tensor([True]) - lib.tensor([False]),
           "RuntimeError", "Subtraction, the `-` operator, with two bool tensors is not supported."),
    Misuse("dtype", "uint8_plus_int8", lambda lib: str((lib.tensor([1], dtype=lib.uint8) + lib.tensor([1], dtype=lib.int8)).dtype)),
    Misuse("dtype", "int_sum", lambda lib: str(lib.tensor([1, 2], dtype=lib.int32).sum().dtype)),
    Misuse("dtype", "int_mean", lambda lib: lib.tensor([1, 2]).mean(),
           "RuntimeError", "mean(): could not infer output dtype. Input dtype must be either a floating point or complex dtype. Got: Long"),
    Misuse("dtype", "matmul_mixed", lambda lib: lib.ones(2, 2) @ lib.ones(2, 2, dtype=lib.float64),
           "RuntimeError", "expected m1 and m2 to have the same dtype, but got: float != double"),
    Misuse("dtype", "float16_ops", lambda lib: str((lib.ones(2, dtype=lib.float16) * 2).dtype)),
    Misuse("dtype", "int_pow_negative", lambda lib: lib.tensor([2]) ** -1,
           "RuntimeError", "Integers to negative integer powers are not allowed."),
    Misuse("dtype", "comparison_dtype", lambda lib: str((lib.ones(2) > lib.tensor([1, 0])).dtype)),
    Misuse("dtype", "where_promotes", lambda lib: str(lib.where(lib.tensor([True, False]), lib.ones(2), lib.zeros(2, dtype=lib.float64)).dtype)),
    # -- nn, optim, data, files ------------------------------------------------------------------------
    Misuse("nn", "linear_in_features", lambda lib: lib.nn.Linear(4, 5)(lib.ones(2, 3)),
           "RuntimeError", "mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5)"),
    Misuse("nn", "cross_entropy_target_out_of_bounds", lambda lib: lib.nn.functional.cross_entropy(lib.ones(2, 3), lib.tensor([0, 5])),
           "IndexError", "Target 5 is out of bounds."),
    Misuse("nn", "cross_entropy_float_target", lambda lib: lib.nn.functional.cross_entropy(lib.ones(2, 3), lib.ones(2)),
           "RuntimeError", "expected target dtype to be Long or Byte, but got Float"),
    Misuse("nn", "nll_float_target", lambda lib: lib.nn.functional.nll_loss(lib.ones(2, 3), lib.tensor([0.0, 1.0])),
           "RuntimeError", "expected target dtype to be Long or Byte, but got Float"),
    Misuse("nn", "conv_channels", lambda lib: lib.nn.Conv2d(3, 4, 3)(lib.ones(1, 2, 5, 5)),
           "RuntimeError", "expected input[1, 2, 5, 5] to have 3 channels, but got 2 channels instead"),
    Misuse("nn", "conv_rank", lambda lib: lib.nn.Conv2d(3, 4, 3)(lib.ones(3, 5)),
           "RuntimeError", "Expected 3D (unbatched) or 4D (batched) input to conv2d, but got input of size: [3, 5]"),
    Misuse("nn", "missing_attribute", lambda lib: lib.nn.Linear(2, 2).foo,
           "AttributeError", "'Linear' object has no attribute 'foo'"),
    Misuse("nn", "buffer_name_with_dot", lambda lib: lib.nn.Module().register_buffer("a.b", lib.ones(1)),
           "KeyError", "buffer name can"),
    Misuse("nn", "tensor_as_parameter", lambda lib: setattr(lib.nn.Linear(2, 2), "weight", lib.ones(2, 2)),
           "TypeError", "as parameter 'weight' (torch.nn.Parameter or None expected)"),
    Misuse("nn", "load_state_dict_missing", lambda lib: lib.nn.Linear(2, 2).load_state_dict({"weight": lib.ones(2, 2)}),
           "RuntimeError", 'Missing key(s) in state_dict: "bias".'),
    Misuse("nn", "load_state_dict_size", lambda lib: lib.nn.Linear(2, 2).load_state_dict({"weight": lib.ones(3, 2), "bias": lib.ones(2)}),
           "RuntimeError", "size mismatch for weight: copying a param with shape torch.Size([3, 2]) from checkpoint"),
    Misuse("nn", "mse_broadcast_warns", _warn(lambda lib: lib.nn.functional.mse_loss(lib.ones(3, 1), lib.ones(3)))),
    Misuse("nn", "bce_input_out_of_range", lambda lib: lib.nn.functional.binary_cross_entropy(lib.tensor([1.5]), lib.tensor([1.0])),
           "RuntimeError", "all elements of input should be between 0 and 1"),
    Misuse("nn", "softmax_dim", lambda lib: lib.nn.functional.softmax(lib.ones(2, 3), dim=2),
           "IndexError", "Dimension out of range (expected to be in range of [-2, 1], but got 2)"),
    Misuse("nn", "embedding_out_of_range", lambda lib: lib.nn.Embedding(3, 2)(lib.tensor([3])),
           "IndexError", "index out of range in self"),
    Misuse("nn", "embedding_float_indices", lambda lib: lib.nn.Embedding(3, 2)(lib.tensor([1.0])),
           "RuntimeError", "Expected tensor for argument #1 'indices' to have one of the following scalar types: Long, Int"),
    Misuse("nn", "batchnorm_one_value", lambda lib: lib.nn.BatchNorm1d(3)(lib.ones(1, 3)),
           "ValueError", "Expected more than 1 value per channel when training"),
    Misuse("nn", "maxpool_too_small", lambda lib: lib.nn.MaxPool2d(3)(lib.ones(1, 1, 2, 2)),
           "RuntimeError", "Output size is too small"),
    Misuse("nn", "lstm_input_size", lambda lib: lib.nn.LSTM(3, 4)(lib.ones(5, 2, 2)),
           "RuntimeError", "input.size(-1) must be equal to input_size. Expected 3, got 2"),
    Misuse("nn", "sequential_index", lambda lib: lib.nn.Sequential(lib.nn.ReLU())[3],
           "IndexError", "index 3 is out of range"),
    Misuse("nn", "one_hot_negative", lambda lib: lib.nn.functional.one_hot(lib.tensor([-1])),
           "RuntimeError", "Class values must be non-negative."),
    Misuse("optim", "empty_parameters", lambda lib: lib.optim.SGD([], lr=0.1),
           "ValueError", "optimizer got an empty parameter list"),
    Misuse("optim", "negative_lr", lambda lib: lib.optim.SGD([leaf(lib)], lr=-1),
           "ValueError", "Invalid learning rate: -1"),
    Misuse("optim", "adam_beta", lambda lib: lib.optim.Adam([leaf(lib)], betas=(1.0, 0.9)),
           "ValueError", "Invalid beta parameter at index 0: 1.0"),
    Misuse("optim", "non_leaf", lambda lib: lib.optim.SGD([leaf(lib) * 2], lr=0.1),
           "ValueError", "can't optimize a non-leaf Tensor"),
    Misuse("optim", "nesterov_without_momentum", lambda lib: lib.optim.SGD([leaf(lib)], lr=0.1, nesterov=True),
           "ValueError", "Nesterov momentum requires a momentum and zero dampening"),
    Misuse("data", "batch_size_zero", lambda lib: lib.utils.data.DataLoader([1, 2], batch_size=0),
           "ValueError", "batch_size should be a positive integer value, but got batch_size=0"),
    Misuse("data", "random_split_lengths", lambda lib: lib.utils.data.random_split(range(5), [2, 2]),
           "ValueError", "Sum of input lengths does not equal the length of the input dataset!"),
    Misuse("data", "tensor_dataset_sizes", lambda lib: lib.utils.data.TensorDataset(lib.ones(3), lib.ones(4)),
           "AssertionError", "Size mismatch between tensors"),
    Misuse("files", "load_missing_file", lambda lib: lib.load("/nonexistent/dir/model.pt"),
           "FileNotFoundError", "No such file or directory"),
    Misuse("numerics", "log_softmax_huge", lambda lib: lib.nn.functional.log_softmax(lib.tensor([1e4, -1e4, 0.0]), dim=0).tolist()),
    Misuse("numerics", "cross_entropy_huge", lambda lib: lib.nn.functional.cross_entropy(lib.tensor([[1e4, -1e4]]), lib.tensor([1])).item()),
    Misuse("numerics", "bce_logits_huge", lambda lib: lib.nn.functional.binary_cross_entropy_with_logits(lib.tensor([1e4, -1e4]), lib.tensor([0.0, 1.0])).item()),
    Misuse("numerics", "logsumexp_neg_huge", lambda lib: lib.logsumexp(lib.tensor([-1e4, -1e4]), dim=0).item()),
]


def _grad_of(lib, run, values=(1.0, 2.0, 3.0)):
    x = leaf(lib, values)
    run(x)
    return x.grad


def _in_no_grad(lib, run):
    x = leaf(lib)
    with lib.no_grad():
        return run(x)


def _mul_then_edit(x):
    hidden = x * 2
    out = hidden * hidden
    hidden.add_(1)
    return out


def _inference_requires_grad(lib):
    with lib.inference_mode():
        made = lib.ones(2)
    made.requires_grad_()
