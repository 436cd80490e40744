# Double backward through custom Functions, after PyTorch's tutorial "Double Backward with Custom
# Functions", in our own words. If backward is written with differentiable tensor operations, the
# gradient it returns is itself recorded (under create_graph=True), so it can be differentiated again.
# Runs unchanged with real PyTorch: change the import to `import torch`.
import ember as torch

x = torch.linspace(-1.5, 1.5, 9, dtype=torch.float64).reshape(3, 3).requires_grad_()


# 1. Save an input: backward uses x, which stays connected to the graph.
class Square(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 2

    @staticmethod
    def backward(ctx, grad_out):
        (x,) = ctx.saved_tensors
        return grad_out * 2 * x


print("Square gradcheck:", torch.autograd.gradcheck(Square.apply, x))
print("Square gradgradcheck:", torch.autograd.gradgradcheck(Square.apply, x))
(g,) = torch.autograd.grad(Square.apply(x).sum(), x, create_graph=True)
print("first derivative:", g)
(gg,) = torch.autograd.grad(g.sum(), x)
print("second derivative:", gg)


# 2. Save an output: the saved result carries this node as its grad_fn, so the second
#    backward goes through Exp again.
class Exp(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        result = torch.exp(x)
        ctx.save_for_backward(result)
        return result

    @staticmethod
    def backward(ctx, grad_out):
        (result,) = ctx.saved_tensors
        return result * grad_out


print("Exp gradcheck:", torch.autograd.gradcheck(Exp.apply, x))
print("Exp gradgradcheck:", torch.autograd.gradgradcheck(Exp.apply, x))


# 3. Save intermediate values by returning them as extra outputs; then backward receives their
#    gradients too and must pass them on.
class Sinh(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        expx = torch.exp(x)
        expnegx = torch.exp(-x)
        ctx.save_for_backward(expx, expnegx)
        return (expx - expnegx) / 2, expx, expnegx

    @staticmethod
    def backward(ctx, grad_out, grad_out_expx, grad_out_expnegx):
        expx, expnegx = ctx.saved_tensors
        grad_input = grad_out * (expx + expnegx) / 2
        grad_input = grad_input + grad_out_expx * expx
        grad_input = grad_input - grad_out_expnegx * expnegx
        return grad_input


def sinh(x):
    return Sinh.apply(x)[0]


print("Sinh gradcheck:", torch.autograd.gradcheck(sinh, x))
print("Sinh gradgradcheck:", torch.autograd.gradgradcheck(sinh, x))
print("sinh:", sinh(x))


# 4. A backward that is not differentiable by itself: give its derivative its own Function.
class CubeBackward(torch.autograd.Function):
    @staticmethod
    def forward(ctx, grad_out, x):
        ctx.save_for_backward(x, grad_out)
        return grad_out * 3 * x ** 2

    @staticmethod
    def backward(ctx, grad_out):
        x, grad_out_first = ctx.saved_tensors
        return grad_out * 3 * x ** 2, grad_out * grad_out_first * 6 * x


class Cube(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 3

    @staticmethod
    def backward(ctx, grad_out):
        (x,) = ctx.saved_tensors
        return CubeBackward.apply(grad_out, x)


print("Cube gradcheck:", torch.autograd.gradcheck(Cube.apply, x))
print("Cube gradgradcheck:", torch.autograd.gradgradcheck(Cube.apply, x))
(g,) = torch.autograd.grad(Cube.apply(x).sum(), x, create_graph=True)
print("first derivative grad_fn:", type(g.grad_fn).__name__)
(gg,) = torch.autograd.grad(g.sum(), x)
print("second derivative:", gg)


# 5. once_differentiable: backward runs without recording, and a second derivative raises.
class Once(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 2

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, grad_out):
        (x,) = ctx.saved_tensors
        return grad_out * 2 * x


v = torch.ones(3, 3, dtype=torch.float64, requires_grad=True)
(g,) = torch.autograd.grad(Once.apply(x), x, v, create_graph=True)
try:
    g.sum().backward()
except RuntimeError as error:
    print("RuntimeError:", str(error).split(" (")[0])
