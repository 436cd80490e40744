"""The same cubic fit, with autograd computing the gradients.

Compared with polynomial_tensors.py, the hand-written backward pass is gone: the coefficients
are leaves with requires_grad=True, loss.backward() fills their .grad, and the update runs under
no_grad so that it is not itself recorded.
"""
import math

import ember as torch


def main(steps=2000, learning_rate=1e-6, verbose=True):
    dtype = torch.float32
    x = torch.linspace(-math.pi, math.pi, 2000, dtype=dtype)
    y = torch.sin(x)

    torch.manual_seed(0)
    a, b, c, d = (torch.randn((), dtype=dtype, requires_grad=True) for _ in range(4))
    for step in range(steps):
        y_pred = a + b * x + c * x ** 2 + d * x ** 3
        loss = (y_pred - y).pow(2).sum()
        if verbose and step % 500 == 499:
            print(step, round(loss.item(), 2))
        loss.backward()
        with torch.no_grad():
            for coefficient in (a, b, c, d):
                coefficient -= learning_rate * coefficient.grad
                coefficient.grad = None
    if verbose:
        print(f"Result: y = {a.item():.4f} + {b.item():.4f} x + {c.item():.4f} x^2 + {d.item():.4f} x^3")
    return loss.item()


if __name__ == "__main__":
    print(f"final loss: {main():.6g}")
