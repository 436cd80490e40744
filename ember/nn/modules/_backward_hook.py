"""Full backward hooks of nn.Module: identity nodes (BackwardHookFunctionBackward) around its
inputs and outputs, whose gradients are collected and handed to the module's hooks."""
import functools
import itertools
from collections import OrderedDict

from ..._tensor import Tensor

_global_backward_hooks = OrderedDict()  # nn.modules.module.register_module_full_backward_hook fills it


class _BackwardHook:
    """Full backward hooks: identity nodes (torch's BackwardHookFunctionBackward) on the module's
    tensor inputs and outputs catch grad_output on the way in and grad_input on the way out."""

    def __init__(self, module):
        self.module = module
        self.n_inputs = 0
        self.input_grads = None
        self.pending_inputs = 0
        self.output_grads = None
        self.pending_outputs = 0

    def _wrap(self, values, on_grad):
        from ..._ops.activation import backward_hook_identity
        wrapped, positions = [], []
        for value in values:
            if isinstance(value, Tensor) and value._requires_grad:
                index = len(positions)
                value = backward_hook_identity(value)
                value.register_hook(functools.partial(on_grad, index))
                positions.append(index)
            wrapped.append(value)
        return wrapped, len(positions)

    def setup_input_hook(self, args):
        wrapped, self.n_inputs = self._wrap(args, self._on_input_grad)
        self.input_grads = [None] * self.n_inputs
        self.pending_inputs = self.n_inputs
        return tuple(wrapped)

    def setup_output_hook(self, output):
        single = isinstance(output, Tensor)
        outputs = (output,) if single else output
        if not isinstance(outputs, (tuple, list)):
            return output
        wrapped, count = self._wrap(outputs, self._on_output_grad)
        self.output_grads = [None] * count
        self.pending_outputs = count
        if count == 0:
            return output
        return wrapped[0] if single else type(outputs)(wrapped)

    def _on_output_grad(self, index, grad):
        self.output_grads[index] = grad
        self.pending_outputs -= 1
        if self.pending_outputs == 0:
            grad_output = tuple(self.output_grads)
            for hook in list(self.module._backward_pre_hooks.values()):
                result = hook(self.module, grad_output)
                if result is not None:
                    grad_output = tuple(result)
                    self.output_grads = list(grad_output)
            if self.n_inputs == 0:  # nothing flows further: torch calls the hooks with grad_input (None,)
                import warnings
                warnings.warn("Full backward hook is firing when gradients are computed with respect to module "
                              "outputs since no inputs require gradients. See https://docs.pytorch.org/docs/main/"
                              "generated/torch.nn.Module.html#torch.nn.Module.register_full_backward_hook for more "
                              "details.", stacklevel=5)
                self._run_hooks((None,))
            if len(grad_output) == 1 and grad_output[0] is not grad:
                return grad_output[0]
        return None

    def _on_input_grad(self, index, grad):
        self.input_grads[index] = grad
        self.pending_inputs -= 1
        if self.pending_inputs == 0:
            result = self._run_hooks(tuple(self.input_grads))
            if result is not None:
                return result[index]
        return None

    def _run_hooks(self, grad_input):
        replaced = None
        grad_output = tuple(self.output_grads or ())
        for hook in itertools.chain(_global_backward_hooks.values(), self.module._backward_hooks.values()):
            result = hook(self.module, grad_input, grad_output)
            if result is not None:
                if len(result) != len(grad_input):
                    raise RuntimeError(f"Backward hook returned an invalid number of grad_input, got "
                                       f"{len(result)}, but expected {len(grad_input)}")
                grad_input = replaced = tuple(result)
        return replaced
