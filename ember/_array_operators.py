"""Python's operators for an array class that computes through NumPy's ufuncs.

Two classes in ember wrap a NumPy array and let NumPy's ufunc protocol (``__array_ufunc__``) do the
work: the CuPy stand-in's device array (ember/_cupy_standin.py) and ember.compile's recording array
(ember/_compile/traced.py). Their operators are the same thirty lines, so they are written once here.
"""
import numpy

_ARITHMETIC = [("add", numpy.add), ("sub", numpy.subtract), ("mul", numpy.multiply),
               ("truediv", numpy.true_divide), ("floordiv", numpy.floor_divide), ("mod", numpy.remainder),
               ("pow", numpy.power), ("matmul", numpy.matmul), ("and", numpy.bitwise_and),
               ("or", numpy.bitwise_or), ("xor", numpy.bitwise_xor), ("lshift", numpy.left_shift),
               ("rshift", numpy.right_shift)]
_COMPARISONS = [("eq", numpy.equal), ("ne", numpy.not_equal), ("lt", numpy.less), ("le", numpy.less_equal),
                ("gt", numpy.greater), ("ge", numpy.greater_equal)]
_UNARY = [("neg", numpy.negative), ("pos", numpy.positive), ("abs", numpy.absolute), ("invert", numpy.invert)]


def _binary(ufunc, operands, reflected=False):
    def apply(self, other):
        if not isinstance(other, operands):  # let the other operand's class answer
            return NotImplemented
        return ufunc(other, self) if reflected else ufunc(self, other)
    return apply


def _inplace(ufunc):
    def apply(self, other):
        ufunc(self, other, out=(self,))
        return self
    return apply


def _unary(ufunc):
    def apply(self):
        return ufunc(self)
    return apply


def install_operators(cls):
    """Give `cls` the arithmetic (plain, reflected, in-place), comparison and unary operators, each one
    ufunc call; an operand other than `cls`, a NumPy array or a scalar answers NotImplemented."""
    operands = (cls, numpy.ndarray, numpy.generic, int, float, complex, bool)
    for name, ufunc in _ARITHMETIC:
        setattr(cls, f"__{name}__", _binary(ufunc, operands))
        setattr(cls, f"__r{name}__", _binary(ufunc, operands, reflected=True))
        setattr(cls, f"__i{name}__", _inplace(ufunc))
    for name, ufunc in _COMPARISONS:
        setattr(cls, f"__{name}__", _binary(ufunc, operands))
    for name, ufunc in _UNARY:
        setattr(cls, f"__{name}__", _unary(ufunc))
