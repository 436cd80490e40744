"""lgamma, digamma, polygamma and the regularised incomplete gamma P(a, x) for float64 NumPy arrays
(NumPy has none, SciPy is not a dependency).

lgamma: Lanczos' approximation (g = 7, nine coefficients, ~1e-15 relative) for x >= 0.5 and the
reflection formula lgamma(x) = log(pi / |sin(pi x)|) - lgamma(1 - x) below; poles give +inf as torch.
digamma and polygamma(n >= 1): shift x up by the recurrences psi(x) = psi(x + 1) - 1/x and
psi_n(x) = psi_n(x + 1) - (-1)^n n! / x^(n+1) until x >= SHIFT_TO, then the asymptotic series
with Bernoulli numbers. digamma reflects negative x first (psi(x) = psi(1 - x) - pi / tan(pi x)).
torch's answers at the poles: digamma(0) = -inf, digamma(negative integer) = nan, polygamma(n, pole) =
(-1)^(n+1) inf (torch's polygamma(1, -k) is a huge finite number instead; ember answers inf there).
"""
import math

import numpy as np

from .._backend import as_array, errstate, namespace

_LANCZOS_G = 7.0
_LANCZOS = (0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
            -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
            1.5056327351493116e-7)
_HALF_LOG_TWO_PI = 0.5 * math.log(2 * math.pi)
SHIFT_TO = 16.0
_BERNOULLI = (1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6, -3617 / 510, 43867 / 798,
              -174611 / 330)  # B_2, B_4, ..., B_20


def _lgamma_positive(x):
    """lgamma for x >= 0.5 (Lanczos)."""
    z = x - 1.0
    total = np.full_like(z, _LANCZOS[0])
    for k, coefficient in enumerate(_LANCZOS[1:], start=1):
        total += coefficient / (z + k)
    t = z + _LANCZOS_G + 0.5
    return _HALF_LOG_TWO_PI + (z + 0.5) * np.log(t) - t + np.log(total)


def lgamma(x):
    x = as_array(x, dtype=np.float64)
    reflect = x < 0.5
    safe = np.where(reflect, 1.0 - x, x)
    value = _lgamma_positive(np.where(np.isfinite(safe), safe, 1.0))
    sin_pi_x = np.abs(np.sin(math.pi * np.where(reflect & np.isfinite(x), x, 0.5)))
    with errstate(namespace(x), divide="ignore"):
        reflected = math.log(math.pi) - np.log(sin_pi_x) - value
    out = np.where(reflect, reflected, value)
    out = np.where((x == 1.0) | (x == 2.0), 0.0, out)  # exactly, as torch (Lanczos leaves ~1e-16 there)
    pole = (x <= 0) & (x == np.floor(x))
    out = np.where(pole | np.isinf(x), np.inf, out)
    return np.where(np.isnan(x), np.nan, out)


def _shifted(x, n):
    """(x shifted up to >= SHIFT_TO, the sum of the recurrence terms taken off on the way), for order n."""
    x = x.copy()
    correction = np.zeros_like(x)
    sign_factorial = (-1.0) ** n * math.factorial(n)
    steps = int(max(0.0, math.ceil(SHIFT_TO - float(np.min(x, initial=SHIFT_TO)))))
    for _ in range(steps):
        low = x < SHIFT_TO
        term = sign_factorial / np.where(low, x, 1.0) ** (n + 1)
        correction -= np.where(low, term, 0.0)
        x = np.where(low, x + 1.0, x)
    return x, correction


def _asymptotic(x, n):
    """psi_n(x) for large x: (-1)^(n+1) [(n-1)!/x^n + n!/(2 x^(n+1)) + sum B_2k (2k+n-1)!/(2k)! / x^(2k+n)]."""
    inv = 1.0 / x  # powers of 1/x underflow quietly where powers of x would overflow
    inv2 = inv * inv
    if n == 0:
        total, power = np.log(x) - 0.5 * inv, np.ones_like(x)
        for k, b in enumerate(_BERNOULLI, start=1):
            power = power * inv2
            total -= b / (2 * k) * power
        return total
    power = inv ** n
    total = math.factorial(n - 1) * power + math.factorial(n) / 2 * power * inv
    for k, b in enumerate(_BERNOULLI, start=1):
        power = power * inv2
        total += b * math.factorial(2 * k + n - 1) / math.factorial(2 * k) * power
    return (-1.0) ** (n + 1) * total


def polygamma(n, x):
    """psi_n(x), the n-th derivative of digamma (n = 0 is digamma itself)."""
    x = as_array(x, dtype=np.float64)
    pole = (x <= 0) & (x == np.floor(x))
    finite = np.where(np.isfinite(x) & ~pole, x, 1.0)
    reflect = n == 0 and bool(np.any(finite < 0))
    base = np.where(finite < 0, 1.0 - finite, finite) if reflect else finite
    shifted, correction = _shifted(base, n)
    out = _asymptotic(shifted, n) + correction
    if reflect:
        with errstate(namespace(x), divide="ignore"):
            out = np.where(finite < 0, out - math.pi / np.tan(math.pi * finite), out)
    if n == 0:
        out = np.where(pole, np.where(x == 0, -np.inf, np.nan), out)
        out = np.where(x == np.inf, np.inf, np.where(x == -np.inf, np.nan, out))
    else:  # torch 2.13's answers at the ends: +-inf at the poles, and at +-inf as below
        signed_inf = (-1.0) ** (n + 1) * np.inf
        out = np.where(pole, signed_inf, out)
        out = np.where(x == np.inf, 0.0 if n == 1 else np.nan, np.where(x == -np.inf, np.nan if n == 1 else
                                                                          signed_inf, out))
    return np.where(np.isnan(x), np.nan, out)


def digamma(x):
    return polygamma(0, x)


_ITERATIONS = 500   # enough for both expansions to converge to float64 for a up to ~1e4


def regularized_gamma_p(a, x):
    """P(a, x) for float64 arrays a > 0, x >= 0."""
    a, x = np.broadcast_arrays(as_array(a, np.float64, like=x), as_array(x, np.float64, like=a))
    log_prefix = a * np.log(np.where(x > 0, x, 1.0)) - x - lgamma(a)
    series_side = x < a + 1
    # series: P = x^a e^-x / Gamma(a + 1) * sum_n x^n / ((a + 1) ... (a + n))
    xs, as_ = np.where(series_side, x, 0.0), np.where(series_side, a, 1.0)
    term = np.ones_like(xs) / as_
    total = term.copy()
    for n in range(1, _ITERATIONS):
        term = term * xs / (as_ + n)
        total += term
    series = np.exp(log_prefix) * total
    # continued fraction for Q = 1 - P (modified Lentz), on the other side
    xc, ac = np.where(series_side, a + 2.0, x), np.where(series_side, 1.0, a)
    tiny = 1e-300
    b = xc + 1.0 - ac
    c = np.full_like(b, 1.0 / tiny)
    d = 1.0 / b
    h = d.copy()
    for i in range(1, _ITERATIONS):
        an = -i * (i - ac)
        b = b + 2.0
        d = an * d + b
        d = np.where(np.abs(d) < tiny, tiny, d)
        c = b + an / c
        c = np.where(np.abs(c) < tiny, tiny, c)
        d = 1.0 / d
        h = h * d * c
    fraction = 1.0 - np.exp(log_prefix) * h
    return np.where(x <= 0, 0.0, np.where(series_side, series, fraction))
