# Custom autograd Functions, following the ideas of PyTorch's "Extending torch.autograd" notes,
# rewritten in our own words. Runs unchanged with real PyTorch: change the import to `import torch`
# (tests/test_autograd_examples.py runs both and compares what they print).
import ember as torch
from ember.autograd import Function


# 1. A linear layer written by hand: forward and backward are static methods, and ctx carries
#    what backward needs. needs_input_grad lets backward skip gradients nobody asked for.
class LinearFunction(Function):
    @staticmethod
    def forward(ctx, input, weight, bias=None):
        ctx.save_for_backward(input, weight, bias)
        output = input.mm(weight.t())
        if bias is not None:
            output = output + bias.unsqueeze(0).expand_as(output)
        return output

    @staticmethod
    def backward(ctx, grad_output):
        input, weight, bias = ctx.saved_tensors
        grad_input = grad_weight = grad_bias = None
        if ctx.needs_input_grad[0]:
            grad_input = grad_output.mm(weight)
        if ctx.needs_input_grad[1]:
            grad_weight = grad_output.t().mm(input)
        if bias is not None and ctx.needs_input_grad[2]:
            grad_bias = grad_output.sum(0)
        return grad_input, grad_weight, grad_bias


linear = LinearFunction.apply
x = torch.linspace(-1.0, 1.0, 6, dtype=torch.float64).reshape(2, 3).requires_grad_()
w = torch.linspace(0.5, 2.0, 12, dtype=torch.float64).reshape(4, 3).requires_grad_()
b = torch.linspace(-0.3, 0.3, 4, dtype=torch.float64).requires_grad_()
out = linear(x, w, b)
print("linear output:", out)
out.sum().backward()
print("grad of input:", x.grad)
print("grad of weight:", w.grad)
print("grad of bias:", b.grad)
print("gradcheck(linear):", torch.autograd.gradcheck(linear, (x, w, b), eps=1e-6, atol=1e-4))


# 2. A non-tensor argument: backward returns None for it.
class MulConstant(Function):
    @staticmethod
    def forward(ctx, tensor, constant):
        ctx.constant = constant
        return tensor * constant

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output * ctx.constant, None


y = MulConstant.apply(x, 2.5)
print("MulConstant grad_fn:", type(y.grad_fn).__name__)
(gx,) = torch.autograd.grad(y.sum(), x)
print("d/dx sum(2.5 x):", gx)


# 3. The newer style: forward without ctx, and setup_context to fill ctx from inputs and output.
class Cube(Function):
    @staticmethod
    def forward(x):
        return x ** 3, 3 * x ** 2

    @staticmethod
    def setup_context(ctx, inputs, output):
        (x,) = inputs
        _, slope = output
        ctx.save_for_backward(x, slope)

    @staticmethod
    def backward(ctx, grad_output, grad_slope):
        x, slope = ctx.saved_tensors
        return grad_output * slope + grad_slope * 6 * x


value, slope = Cube.apply(x)
(value.sum() + slope.sum()).backward()
print("Cube outputs:", value, slope)
print("grad through both outputs:", x.grad)


# 4. Outputs that carry no gradient, and gradients that are not materialized.
class SplitSign(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.set_materialize_grads(False)
        positive = x > 0
        ctx.mark_non_differentiable(positive)
        ctx.save_for_backward(positive)
        return x * 2, positive

    @staticmethod
    def backward(ctx, grad_output, grad_positive):
        print("  backward sees grad_positive =", grad_positive)
        return None if grad_output is None else grad_output * 2


doubled, positive = SplitSign.apply(x)
print("mask requires grad:", positive.requires_grad, "doubled requires grad:", doubled.requires_grad)
doubled.sum().backward()


# 5. The checks torch makes on what backward returns.
class WrongCount(Function):
    @staticmethod
    def forward(ctx, a, b):
        return a * b

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output


try:
    WrongCount.apply(x, x).sum().backward()
except RuntimeError as error:
    print("RuntimeError:", error.args[0].split(". ")[0].split(" (")[0])
