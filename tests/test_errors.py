"""The errors a learner hits: torch's exception class, torch's key phrase, and a hint.

One row per mistake. Each row records, as literals taken from torch 2.13, the exception class
torch raises and the phrase(s) its message contains; ember must raise the same class with a
message containing the same phrases. Where torch's own message does not say how to fix the
mistake, ember's must add a hint. ``test_recorded_rows_match_live_torch`` re-checks the
literals against torch itself when torch is installed.
"""
import builtins
import copy
import warnings
from dataclasses import dataclass

import pytest

import ember


@dataclass(frozen=True)
class Mistake:
    id: str
    action: object          # action(lib) makes the mistake with `lib` (ember or torch)
    error: str              # the exception class torch raises
    phrases: tuple          # what torch's message says (all must appear in ember's)
    torch_hints: bool = False  # torch's phrase already tells the learner what to do


def _leaf(lib, values=(1.0, 2.0, 3.0)):
    return lib.tensor(list(values), requires_grad=True)


def _second_backward(lib):
    out = (_leaf(lib) ** 2).sum()
    out.backward()
    out.backward()


def _saved_input_modified(lib):
    hidden = _leaf(lib) * 2
    out = hidden * hidden
    hidden.add_(1)
    out.sum().backward()


def _saved_output_modified(lib):
    out = _leaf(lib).exp()
    out.mul_(2)
    out.sum().backward()


def _setattr(target, name, value):
    setattr(target, name, value)


def _inference_tensor_in_graph(lib):
    with lib.inference_mode():
        made = lib.ones(3)
    (_leaf(lib) * made).sum().backward()


def _setattr_item(tensor, index, value):
    tensor[index] = value


def _iadd(tensor, value):
    tensor += value


def _itruediv(tensor, value):
    tensor /= value


DIMENSION_OUT_OF_RANGE = "Dimension out of range (expected to be in range of [-2, 1], but got {})"
LEAF_INPLACE = "a leaf Variable that requires grad is being used in an in-place operation."
VIEW_OF_LEAF_INPLACE = "a view of a leaf Variable that requires grad is being used in an in-place operation."
INPLACE_MODIFIED = "one of the variables needed for gradient computation has been modified by an inplace operation"
BATCH2_SIZES = "Expected size for first two dimensions of batch2 tensor to be: [2, 3] but got: [2, 4]."
ONLY_FLOAT = "Only Tensors of floating point and complex dtype can require gradients"

# fmt: off
MISTAKES = [
    # -- backward -------------------------------------------------------------------------------
    Mistake("backward_on_non_scalar", lambda lib: (_leaf(lib) * 2).backward(),
            "RuntimeError", ("grad can be implicitly created only for scalar outputs",)),
    Mistake("second_backward_through_freed_graph", _second_backward,
            "RuntimeError", ("Trying to backward through the graph a second time",
                             "Specify retain_graph=True"), torch_hints=True),
    Mistake("backward_on_tensor_without_grad", lambda lib: lib.ones(3).sum().backward(),
            "RuntimeError", ("element 0 of tensors does not require grad and does not have a grad_fn",)),
    Mistake("backward_with_wrong_shape_gradient", lambda lib: (_leaf(lib) * 2).backward(lib.ones(2)),
            "RuntimeError", ("Mismatch in shape: grad_output[0] has a shape of",
                             "Size([2]) and output[0] has a shape of", "Size([3])")),
    Mistake("grad_of_unused_input", lambda lib: lib.autograd.grad((_leaf(lib) * 2).sum(), [_leaf(lib), _leaf(lib)]),
            "RuntimeError", ("appears to not have been used in the graph",
                             "Set allow_unused=True if this is the desired behavior."), torch_hints=True),
    Mistake("grad_of_input_without_grad", lambda lib: lib.autograd.grad((_leaf(lib) * 2).sum(), [lib.ones(3)]),
            "RuntimeError", ("One of the differentiated Tensors does not require grad",)),
    # -- requires_grad --------------------------------------------------------------------------
    Mistake("requires_grad_on_int_tensor", lambda lib: lib.tensor([1, 2], requires_grad=True),
            "RuntimeError", (ONLY_FLOAT,)),
    Mistake("requires_grad_on_int_zeros", lambda lib: lib.zeros(2, dtype=lib.int64, requires_grad=True),
            "RuntimeError", (ONLY_FLOAT,)),
    Mistake("requires_grad_on_int_arange", lambda lib: lib.arange(3, requires_grad=True),
            "RuntimeError", (ONLY_FLOAT,)),
    Mistake("requires_grad_on_bool_tensor", lambda lib: lib.tensor([True], requires_grad=True),
            "RuntimeError", (ONLY_FLOAT,)),
    Mistake("requires_grad_method_on_int", lambda lib: lib.tensor([1, 2]).requires_grad_(),
            "RuntimeError", ("only Tensors of floating point dtype can require gradients",)),
    Mistake("requires_grad_setter_on_int", lambda lib: _setattr(lib.tensor([1, 2]), "requires_grad", True),
            "RuntimeError", ("only Tensors of floating point and complex dtype can require gradients",)),
    Mistake("requires_grad_false_on_non_leaf", lambda lib: _setattr(_leaf(lib) * 2, "requires_grad", False),
            "RuntimeError", ("you can only change requires_grad flags of leaf variables.",
                             "use var_no_grad = var.detach()"), torch_hints=True),
    Mistake("requires_grad_true_on_non_leaf", lambda lib: _setattr(_leaf(lib) * 2, "requires_grad", True),
            "RuntimeError", ("you can only change requires_grad flags of leaf variables.",)),
    Mistake("retain_grad_without_grad", lambda lib: lib.ones(3).retain_grad(),
            "RuntimeError", ("can't retain_grad on Tensor that has requires_grad=False",)),
    Mistake("hook_on_tensor_without_grad", lambda lib: lib.ones(3).register_hook(lambda grad: grad),
            "RuntimeError", ("cannot register a hook on a tensor that doesn't require gradient",)),
    Mistake("post_accumulate_hook_on_non_leaf",
            lambda lib: (_leaf(lib) * 2).register_post_accumulate_grad_hook(lambda tensor: None),
            "RuntimeError", ("post accumulate grad hooks cannot be registered on non-leaf tensors",)),
    Mistake("assign_grad_of_wrong_shape", lambda lib: _setattr(_leaf(lib), "grad", lib.ones(2)),
            "RuntimeError", ("attempting to assign a gradient of size '[2]' to a tensor of size '[3]'",
                             "Please ensure that the gradient and the tensor are the same size"), torch_hints=True),
    Mistake("detach_in_place_on_view", lambda lib: (_leaf(lib) * 2)[0:2].detach_(),
            "RuntimeError", ("Can't detach views in-place. Use detach() instead.",), torch_hints=True),
    # -- in-place -------------------------------------------------------------------------------
    Mistake("inplace_add_on_leaf", lambda lib: _leaf(lib).add_(1), "RuntimeError", (LEAF_INPLACE,)),
    Mistake("inplace_iadd_on_leaf", lambda lib: _iadd(_leaf(lib), 1), "RuntimeError", (LEAF_INPLACE,)),
    Mistake("inplace_zero_on_leaf", lambda lib: _leaf(lib).zero_(), "RuntimeError", (LEAF_INPLACE,)),
    Mistake("inplace_on_view_of_leaf", lambda lib: _leaf(lib)[0:2].mul_(2), "RuntimeError", (VIEW_OF_LEAF_INPLACE,)),
    Mistake("index_assignment_on_leaf", lambda lib: _setattr_item(_leaf(lib), 0, 2.0),
            "RuntimeError", (VIEW_OF_LEAF_INPLACE,)),
    Mistake("saved_input_modified_in_place", _saved_input_modified, "RuntimeError", (INPLACE_MODIFIED,)),
    Mistake("saved_output_modified_in_place", _saved_output_modified, "RuntimeError", (INPLACE_MODIFIED,)),
    Mistake("inplace_result_cannot_be_cast", lambda lib: lib.tensor([1, 2, 3]).add_(1.5),
            "RuntimeError", ("result type Float can't be cast to the desired output type Long",)),
    Mistake("inplace_iadd_float_into_int", lambda lib: _iadd(lib.tensor([1, 2, 3]), 1.5),
            "RuntimeError", ("result type Float can't be cast to the desired output type Long",)),
    Mistake("inplace_true_divide_of_int", lambda lib: _itruediv(lib.tensor([1, 2, 3]), 2),
            "RuntimeError", ("result type Float can't be cast to the desired output type Long",)),
    Mistake("inplace_output_shape_too_small", lambda lib: lib.ones(3).add_(lib.ones(2, 3)),
            "RuntimeError", ("output with shape [3] doesn't match the broadcast shape [2, 3]",)),
    Mistake("inference_tensor_saved_for_backward", _inference_tensor_in_graph,
            "RuntimeError", ("Inference tensors cannot be saved for backward.",)),
    # -- conversions ----------------------------------------------------------------------------
    Mistake("numpy_on_tensor_requiring_grad", lambda lib: _leaf(lib).numpy(),
            "RuntimeError", ("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.",),
            torch_hints=True),
    Mistake("item_on_many_elements", lambda lib: lib.ones(3).item(),
            "RuntimeError", ("a Tensor with 3 elements cannot be converted to Scalar",)),
    Mistake("float_of_many_elements", lambda lib: float(lib.ones(3)),
            "ValueError", ("only one element tensors can be converted to Python scalars",)),
    Mistake("int_of_many_elements", lambda lib: int(lib.ones(3)),
            "ValueError", ("only one element tensors can be converted to Python scalars",)),
    Mistake("bool_of_many_elements", lambda lib: bool(lib.ones(3)),
            "RuntimeError", ("Boolean value of Tensor with more than one value is ambiguous",)),
    Mistake("bool_of_empty_tensor", lambda lib: bool(lib.ones(0)),
            "RuntimeError", ("Boolean value of Tensor with no values is ambiguous",)),
    Mistake("len_of_0d_tensor", lambda lib: len(lib.tensor(1.0)), "TypeError", ("len() of a 0-d tensor",)),
    Mistake("iterating_a_0d_tensor", lambda lib: iter(lib.tensor(1.0)), "TypeError", ("iteration over a 0-d tensor",)),
    Mistake("format_spec_on_a_vector", lambda lib: format(lib.ones(2), ".2f"),
            "TypeError", ("unsupported format string passed to Tensor.__format__",)),
    Mistake("deepcopy_of_non_leaf", lambda lib: copy.deepcopy(_leaf(lib) * 2),
            "RuntimeError", ("Only Tensors created explicitly by the user (graph leaves) support the deepcopy "
                             "protocol at the moment",)),
    # -- creation -------------------------------------------------------------------------------
    Mistake("ragged_nested_list", lambda lib: lib.tensor([[1, 2], [3]]),
            "ValueError", ("expected sequence of length 2 at dim 1 (got 1)",)),
    Mistake("ragged_list_deeper", lambda lib: lib.tensor([[[1, 2], [3, 4]], [[1, 2], [3]]]),
            "ValueError", ("expected sequence of length 2 at dim 2 (got 1)",)),
    Mistake("number_where_a_row_should_be", lambda lib: lib.tensor([[1, 2], 3]), "TypeError", ("not a sequence",)),
    Mistake("none_in_data", lambda lib: lib.tensor([1, None]), "RuntimeError", ("Could not infer dtype of NoneType",)),
    Mistake("string_as_data", lambda lib: lib.tensor("abc"), "TypeError", ("new(): invalid data type 'str'",)),
    Mistake("arange_step_goes_the_wrong_way", lambda lib: lib.arange(0, 10, -1),
            "RuntimeError", ("upper bound and lower bound inconsistent with step sign",)),
    Mistake("arange_zero_step", lambda lib: lib.arange(0, 10, 0), "RuntimeError", ("step must be nonzero",)),
    Mistake("randint_empty_range", lambda lib: lib.randint(5, 3, (2,)),
            "RuntimeError", ("random_ expects 'from' to be less than 'to', but got from=5 >= to=3",)),
    Mistake("eye_negative_size", lambda lib: lib.eye(-1), "RuntimeError", ("n must be greater or equal to 0, got -1",)),
    Mistake("negative_size", lambda lib: lib.ones(2, -1),
            "RuntimeError", ("Trying to create tensor with negative dimension -1: [2, -1]",)),
    Mistake("integer_default_dtype", lambda lib: lib.set_default_dtype(lib.int64),
            "TypeError", ("only floating-point types are supported as the default type",)),
    # -- arithmetic and dtypes ------------------------------------------------------------------
    Mistake("broadcast_mismatch", lambda lib: lib.ones(2, 3) + lib.ones(4),
            "RuntimeError", ("The size of tensor a (3) must match the size of tensor b (4) at non-singleton "
                             "dimension 1",)),
    Mistake("broadcast_mismatch_3d", lambda lib: lib.ones(2, 3, 4) * lib.ones(3, 5),
            "RuntimeError", ("The size of tensor a (4) must match the size of tensor b (5) at non-singleton "
                             "dimension 2",)),
    Mistake("mean_of_int_tensor", lambda lib: lib.tensor([1, 2, 3]).mean(),
            "RuntimeError", ("mean(): could not infer output dtype. Input dtype must be either a floating point or "
                             "complex dtype. Got: Long",)),
    Mistake("int_to_negative_int_power", lambda lib: lib.tensor([1, 2, 3]) ** -1,
            "RuntimeError", ("Integers to negative integer powers are not allowed.",)),
    Mistake("int_pow_method_negative", lambda lib: lib.tensor([1, 2, 3]).pow(-2),
            "RuntimeError", ("Integers to negative integer powers are not allowed.",)),
    Mistake("subtracting_bool_tensors", lambda lib: lib.tensor([True]) - lib.tensor([False]),
            "RuntimeError", ("Subtraction, the `-` operator, with two bool tensors is not supported. "
                             "Use the `^` or `logical_xor()` operator instead.",), torch_hints=True),
    # -- matrix products ------------------------------------------------------------------------
    Mistake("matmul_inner_sizes_differ", lambda lib: lib.ones(2, 3) @ lib.ones(4, 5),
            "RuntimeError", ("mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5)",)),
    Mistake("matmul_vectors_differ", lambda lib: lib.ones(3) @ lib.ones(4),
            "RuntimeError", ("inconsistent tensor size, expected tensor [3] and src [4] to have the same number of "
                             "elements, but got 3 and 4 elements respectively",)),
    Mistake("matmul_matrix_vector", lambda lib: lib.ones(2, 3) @ lib.ones(4),
            "RuntimeError", ("size mismatch, got input (2), mat (2x3), vec (4)",)),
    Mistake("matmul_vector_matrix", lambda lib: lib.ones(3) @ lib.ones(4, 5),
            "RuntimeError", ("mat1 and mat2 shapes cannot be multiplied (1x3 and 4x5)",)),
    Mistake("matmul_batched", lambda lib: lib.ones(2, 2, 3) @ lib.ones(2, 4, 5),
            "RuntimeError", (BATCH2_SIZES,)),
    Mistake("matmul_0d", lambda lib: lib.tensor(1.0) @ lib.ones(3),
            "RuntimeError", ("both arguments to matmul need to be at least 1D, but they are 0D and 1D",)),
    Mistake("mm_inner_sizes_differ", lambda lib: lib.mm(lib.ones(2, 3), lib.ones(4, 5)),
            "RuntimeError", ("mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5)",)),
    Mistake("mm_of_a_vector", lambda lib: lib.mm(lib.ones(3), lib.ones(3, 5)),
            "RuntimeError", ("self must be a matrix",)),
    Mistake("mv_sizes_differ", lambda lib: lib.mv(lib.ones(2, 3), lib.ones(4)),
            "RuntimeError", ("size mismatch, got input (2), mat (2x3), vec (4)",)),
    Mistake("dot_sizes_differ", lambda lib: lib.dot(lib.ones(3), lib.ones(4)),
            "RuntimeError", ("inconsistent tensor size, expected tensor [3] and src [4] to have the same number of "
                             "elements, but got 3 and 4 elements respectively",)),
    Mistake("dot_of_a_matrix", lambda lib: lib.dot(lib.ones(3, 1), lib.ones(3)),
            "RuntimeError", ("1D tensors expected, but got 2D and 1D tensors",)),
    Mistake("bmm_sizes_differ", lambda lib: lib.bmm(lib.ones(2, 2, 3), lib.ones(2, 4, 5)),
            "RuntimeError", (BATCH2_SIZES,)),
    Mistake("bmm_of_matrices", lambda lib: lib.bmm(lib.ones(2, 3), lib.ones(3, 5)),
            "RuntimeError", ("batch1 must be a 3D tensor",)),
    # -- shapes and indexing --------------------------------------------------------------------
    Mistake("view_to_wrong_size", lambda lib: lib.ones(2, 3).view(4),
            "RuntimeError", ("shape '[4]' is invalid for input of size 6",)),
    Mistake("reshape_to_wrong_size", lambda lib: lib.ones(2, 3).reshape(4),
            "RuntimeError", ("shape '[4]' is invalid for input of size 6",)),
    Mistake("view_of_non_contiguous", lambda lib: lib.ones(2, 3).t().view(6),
            "RuntimeError", ("view size is not compatible with input tensor's size and stride",
                             "Use .reshape(...) instead."), torch_hints=True),
    Mistake("view_two_inferred_sizes", lambda lib: lib.ones(6).view(-1, -1),
            "RuntimeError", ("only one dimension can be inferred",)),
    Mistake("expand_to_incompatible_size", lambda lib: lib.ones(2, 3).expand(4, 3),
            "RuntimeError", ("The expanded size of the tensor (4) must match the existing size (2) at non-singleton "
                             "dimension 0.", "Target sizes: [4, 3].  Tensor sizes: [2, 3]")),
    Mistake("sum_dim_out_of_range", lambda lib: lib.ones(2, 3).sum(2),
            "IndexError", (DIMENSION_OUT_OF_RANGE.format(2),)),
    Mistake("sum_negative_dim_out_of_range", lambda lib: lib.ones(2, 3).sum(-3),
            "IndexError", (DIMENSION_OUT_OF_RANGE.format(-3),)),
    Mistake("mean_dim_out_of_range", lambda lib: lib.ones(2, 3).mean(5),
            "IndexError", (DIMENSION_OUT_OF_RANGE.format(5),)),
    Mistake("squeeze_dim_out_of_range", lambda lib: lib.ones(2, 3).squeeze(3),
            "IndexError", (DIMENSION_OUT_OF_RANGE.format(3),)),
    Mistake("transpose_dim_out_of_range", lambda lib: lib.ones(2, 3).transpose(0, 2),
            "IndexError", (DIMENSION_OUT_OF_RANGE.format(2),)),
    Mistake("unsqueeze_dim_out_of_range", lambda lib: lib.ones(2, 3).unsqueeze(3),
            "IndexError", ("Dimension out of range (expected to be in range of [-3, 2], but got 3)",)),
    Mistake("size_dim_out_of_range", lambda lib: lib.ones(2, 3).size(2),
            "IndexError", (DIMENSION_OUT_OF_RANGE.format(2),)),
    Mistake("index_out_of_bounds", lambda lib: lib.ones(3)[3],
            "IndexError", ("index 3 is out of bounds for dimension 0 with size 3",)),
    Mistake("negative_index_out_of_bounds", lambda lib: lib.ones(3)[-4],
            "IndexError", ("index -4 is out of bounds for dimension 0 with size 3",)),
    Mistake("index_out_of_bounds_in_second_dim", lambda lib: lib.ones(2, 3)[0, 5],
            "IndexError", ("index 5 is out of bounds for dimension 1 with size 3",)),
    Mistake("too_many_indices", lambda lib: lib.ones(3)[0, 0],
            "IndexError", ("too many indices for tensor of dimension 1",)),
    Mistake("float_index", lambda lib: lib.ones(3)[1.5],
            "IndexError", ("only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are valid "
                           "indices (got float)",)),
]
# fmt: on


def _message(mistake, lib):
    error_class = getattr(builtins, mistake.error)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(error_class) as info:
            mistake.action(lib)
    assert type(info.value).__name__ == mistake.error, f"{type(info.value).__name__} is a subclass of {mistake.error}"
    return str(info.value)


IDS = [mistake.id for mistake in MISTAKES]


def test_mistake_ids_are_unique():
    assert len(set(IDS)) == len(IDS)


@pytest.mark.parametrize("mistake", MISTAKES, ids=IDS)
def test_ember_raises_torchs_class_and_phrase(mistake):
    message = _message(mistake, ember)
    for phrase in mistake.phrases:
        assert phrase in message, f"torch's phrase {phrase!r} is missing from ember's message {message!r}"


@pytest.mark.parametrize("mistake", [mistake for mistake in MISTAKES if not mistake.torch_hints],
                         ids=[mistake.id for mistake in MISTAKES if not mistake.torch_hints])
def test_ember_adds_a_hint_where_torch_gives_none(mistake):
    message = _message(mistake, ember)
    rest = message
    for phrase in mistake.phrases:
        rest = rest.replace(phrase, "")
    words = [word for word in (token.strip(".,;:()[]`'\"") for token in rest.split())
             if len(word) > 1 and word.replace("-", "").replace("'", "").isalpha()]
    assert len(words) >= 5, f"ember's message adds no hint to torch's phrase: {message!r}"


@pytest.mark.parametrize("mistake", MISTAKES, ids=IDS)
def test_recorded_rows_match_live_torch(mistake):
    torch = pytest.importorskip("torch")
    message = _message(mistake, torch)
    for phrase in mistake.phrases:
        assert phrase in message, f"torch now says {message!r}"


# -- the non-leaf .grad warning ------------------------------------------------------------
NON_LEAF_GRAD_WARNING = "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed"


def _non_leaf_grad(lib):
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    y.sum().backward()
    return y.grad


def test_reading_grad_of_a_non_leaf_warns_and_gives_none():
    with pytest.warns(UserWarning, match=NON_LEAF_GRAD_WARNING) as record:
        assert _non_leaf_grad(ember) is None
    assert "retain_grad()" in str(record[0].message)  # the hint torch gives too


def test_reading_grad_of_a_non_leaf_warns_like_live_torch():
    torch = pytest.importorskip("torch")
    with pytest.warns(UserWarning, match=NON_LEAF_GRAD_WARNING):
        assert _non_leaf_grad(torch) is None


def test_reading_grad_of_a_leaf_or_retained_non_leaf_does_not_warn():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    y.retain_grad()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert x.grad is None and y.grad is None
        y.sum().backward()
        assert x.grad.tolist() == [2.0, 2.0] and y.grad.tolist() == [1.0, 1.0]


# -- what torch allows, ember must allow too ------------------------------------------------
def _requires_grad_method_on_non_leaf(lib):
    y = _leaf(lib) * 2
    return y.requires_grad_(True).requires_grad


ALLOWED = [  # (id, action, result recorded from torch 2.13)
    ("int_tensor_to_negative_int_tensor_power",
     lambda lib: (lib.tensor([1, 2, -1, 0, 3]) ** lib.tensor([-1, -1, -1, 2, -2])).tolist(), [1, 0, -1, 0, 0]),
    ("python_int_to_int_tensor_power", lambda lib: (2 ** lib.tensor([-1, 0, 1])).tolist(), [0, 1, 2]),
    ("float_tensor_to_negative_power", lambda lib: (lib.tensor([2.0, 4.0]) ** -1).tolist(), [0.5, 0.25]),
    ("requires_grad_method_true_on_non_leaf", _requires_grad_method_on_non_leaf, True),
    ("inplace_on_leaf_under_no_grad", lambda lib: _no_grad_update(lib), [0.5, 1.5, 2.5]),
]


def _no_grad_update(lib):
    x = _leaf(lib)
    with lib.no_grad():
        x -= 0.5
    return x.tolist()


@pytest.mark.parametrize("action, expected", [case[1:] for case in ALLOWED], ids=[case[0] for case in ALLOWED])
def test_ember_allows_what_torch_allows(action, expected):
    assert action(ember) == expected


@pytest.mark.parametrize("action, expected", [case[1:] for case in ALLOWED], ids=[case[0] for case in ALLOWED])
def test_allowed_results_match_live_torch(action, expected):
    torch = pytest.importorskip("torch")
    assert action(torch) == expected
