"""defop_multi(): a row of the derivative table whose op returns several tensors.

torch gives every output of such an op the same grad_fn (``sign, logabsdet = slogdet(A)``: both
LinalgSlogdetBackward0, as outputs 0 and 1 of it). The formulas then see one gradient per output,
zeros where none arrived (torch's undefined gradients), and every output of the forward:

  forward(*arrays, **attributes) -> tuple of arrays
  formula(grads, *inputs, results, **attributes) -> that input's gradient

These rows are for linear algebra and paired statistics (std_mean), where the arithmetic of the
formula dwarfs the bookkeeping, so a node simply saves every input and output.
"""
import numpy as np

from .._backend import as_array
from .._errstate import quiet
from .._grad_state import state as grad_state
from .._tensor import Tensor, make_tensor, shared_counter
from ..autograd.graph import Node, attributes_named, fit_to_input, modified_error, raise_if_released
from ._registry import GRAD_FNS, _attribute_names


class MultiOutputNode(Node):
    __slots__ = ()

    def save_results(self, results):
        entries = []
        for result in results:
            counter = shared_counter(result)
            entries.append((result._data, counter, counter[0]))
        self._result_entry = tuple(entries)

    def _unpack_results(self, as_tensors):
        entries = self._result_entry
        raise_if_released(entries)
        results = []
        for output_nr, (array, counter, version) in enumerate(entries):
            if counter[0] != version:
                raise modified_error(array, self, version, counter[0])
            if as_tensors:
                array = make_tensor(array, grad_fn=self, requires_grad=True)
                array.output_nr = output_nr
                array._version_counter = counter
            results.append(array)
        return results

    def apply(self, grads, create_graph):
        inputs = self._unpack_inputs(create_graph)
        results = self._unpack_results(create_graph)
        grads = [(make_tensor(np.zeros_like(result._data)) if create_graph else np.zeros_like(result))
                 if grad is None else grad for grad, result in zip(grads, results)]
        meta, input_grads = self._input_meta, []
        for index, formula in enumerate(self.formulas):
            if self._next_nodes[index] is None or formula is None:
                input_grads.append(None)
                continue
            attributes = attributes_named(self.attribute_names[index], self._attributes)
            input_grad = formula(grads, *inputs, results=results, **attributes)
            shape, dtype = meta[2 * index], meta[2 * index + 1]
            if input_grad.shape != shape or input_grad.dtype is not dtype:
                input_grad = fit_to_input(input_grad, shape, dtype)
            input_grads.append(input_grad)
        return input_grads


def defop_multi(name, grad_fn_name, forward, backward, num_outputs):
    """The op function for a row with `num_outputs` outputs; it returns a tuple of tensors."""
    formulas = backward if isinstance(backward, tuple) else (backward,)
    every_input = frozenset(range(len(formulas)))
    node_class = type(grad_fn_name, (MultiOutputNode,), {
        "__slots__": (), "__module__": "ember.autograd.graph", "formulas": formulas,
        "num_outputs": num_outputs, "_save_plans": {},
        "reads": tuple((every_input, False) for _ in formulas),
        "attribute_names": tuple(_attribute_names(formula) for formula in formulas),
    })
    GRAD_FNS[grad_fn_name] = node_class

    def op(*inputs, **attributes):
        if not any(isinstance(x, Tensor) for x in inputs):
            return forward(*inputs, **attributes)  # raw arrays: inside a formula on the fast path
        if grad_state.profiler is not None:  # a profile is recording: it times this call
            return grad_state.profiler.op(name, op, inputs, attributes)
        arrays = [x._data if isinstance(x, Tensor) else x for x in inputs]
        with quiet():
            outs = forward(*arrays, **attributes)
        requires_grad = grad_state.enabled and any(isinstance(x, Tensor) and x._requires_grad for x in inputs)
        if not requires_grad:
            return tuple(make_tensor(as_array(out)) for out in outs)
        node = node_class(inputs, attributes)
        results = []
        for output_nr, out in enumerate(outs):
            result = make_tensor(as_array(out), node, True)
            if output_nr:
                result.output_nr = output_nr
            results.append(result)
        node.save_results(results)
        return tuple(results)

    op.__name__ = op.__qualname__ = name
    op.grad_fn_name = grad_fn_name
    op.node_class = node_class
    return op
