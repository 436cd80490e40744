# torch.autograd.functional in a few steps, after the examples in PyTorch's documentation of that
# module, in our own words: whole-function derivatives without calling backward yourself.
# Runs unchanged with real PyTorch: change the import to `import torch`.
import ember as torch
from ember.autograd.functional import hessian, hvp, jacobian, jvp, vhp, vjp

x = torch.linspace(0.1, 1.2, 6, dtype=torch.float64).reshape(2, 3)
y = torch.linspace(-0.5, 0.5, 3, dtype=torch.float64)


def exp_reducer(x):
    return x.exp().sum(dim=1)


def exp_adder(x, y):
    return 2 * x.exp() + 3 * y


def pow_reducer(x):
    return x.pow(3).sum()


def pow_adder_reducer(x, y):
    return (2 * x.pow(2) + 3 * y.pow(2)).sum()


# The Jacobian has the output's shape followed by the input's shape.
J = jacobian(exp_reducer, x)
print("jacobian(exp_reducer):", J.shape)
print(J)

# Several inputs give one Jacobian per input.
a, b = torch.tensor([0.1, 0.2], dtype=torch.float64), torch.tensor([1.0, 2.0], dtype=torch.float64)
print("jacobian(exp_adder):", jacobian(exp_adder, (a, b)))

# create_graph=True keeps the result differentiable; strict=True refuses outputs that ignore an input.
J = jacobian(exp_reducer, x.clone().requires_grad_(), create_graph=True)
print("differentiable jacobian:", J.requires_grad)
try:
    jacobian(lambda x, y: x * 2, (a, b), strict=True)
except RuntimeError as error:
    print("strict:", error)
print("vectorize accepted:", jacobian(exp_reducer, x, vectorize=True).shape)

# Hessians of scalar functions: one matrix, or a tuple of tuples for several inputs.
print("hessian(pow_reducer):", hessian(pow_reducer, y))
H = hessian(pow_adder_reducer, (a, b))
print("hessian blocks:", [[block.shape for block in row] for row in H])
print(H[0][0], H[1][1])

# Products with a vector, without forming the whole matrix.
v = torch.ones(2, dtype=torch.float64)
print("vjp:", vjp(exp_reducer, x, v))
print("jvp:", jvp(exp_reducer, x, torch.ones(2, 3, dtype=torch.float64)))
print("vjp several inputs:", vjp(exp_adder, (a, b), v))
print("jvp several inputs:", jvp(exp_adder, (a, b), (v, v)))
print("hvp:", hvp(pow_reducer, y, torch.ones(3, dtype=torch.float64)))
print("vhp:", vhp(pow_adder_reducer, (a, b), (v, v)))
