"""Fit sin(x) with a Legendre polynomial P3, whose derivative we supply ourselves.

P3(t) = (5 t^3 - 3 t) / 2 is written as an autograd.Function: forward computes it, backward
multiplies the incoming gradient by its derivative 1.5 (5 t^2 - 1). y = a + b * P3(c + d x).
"""
import math

import ember as torch


class LegendrePolynomial3(torch.autograd.Function):
    @staticmethod
    def forward(ctx, input):
        ctx.save_for_backward(input)
        return 0.5 * (5 * input ** 3 - 3 * input)

    @staticmethod
    def backward(ctx, grad_output):
        (input,) = ctx.saved_tensors
        return grad_output * 1.5 * (5 * input ** 2 - 1)


def main(steps=2000, learning_rate=5e-6, verbose=True):
    dtype = torch.float32
    x = torch.linspace(-math.pi, math.pi, 2000, dtype=dtype)
    y = torch.sin(x)

    # Start close enough to a solution for plain gradient descent to converge.
    a = torch.full((), 0.0, dtype=dtype, requires_grad=True)
    b = torch.full((), -1.0, dtype=dtype, requires_grad=True)
    c = torch.full((), 0.0, dtype=dtype, requires_grad=True)
    d = torch.full((), 0.3, dtype=dtype, requires_grad=True)
    P3 = LegendrePolynomial3.apply
    for step in range(steps):
        y_pred = a + b * P3(c + d * x)
        loss = (y_pred - y).pow(2).sum()
        if verbose and step % 500 == 499:
            print(step, round(loss.item(), 2))
        loss.backward()
        with torch.no_grad():
            for coefficient in (a, b, c, d):
                coefficient -= learning_rate * coefficient.grad
                coefficient.grad = None
    if verbose:
        print(f"Result: y = {a.item():.4f} + {b.item():.4f} * P3({c.item():.4f} + {d.item():.4f} x)")
    return loss.item()


if __name__ == "__main__":
    print(f"final loss: {main():.6g}")
