"""Auto-checks for exercises: they test properties and say what to look at when they fail."""
from __future__ import annotations

import numpy as np


class ExerciseCheckError(AssertionError):
    """Raised by a failed check; the message tells the student what went wrong."""


def _arr(x):
    try:
        import torch

        if isinstance(x, torch.Tensor):
            return x.detach().cpu().numpy()
    except ImportError:  # pragma: no cover
        pass
    return np.asarray(x)


def that(condition: bool, hint: str) -> None:
    """Fail with ``hint`` unless ``condition`` holds."""
    if not bool(condition):
        raise ExerciseCheckError(hint)


def close(actual, expected, *, rtol: float = 1e-5, atol: float = 1e-8, name: str = "value",
          hint: str = "") -> None:
    """Check that ``actual`` matches ``expected`` elementwise within the tolerances."""
    a, e = _arr(actual), _arr(expected)
    if a.shape != e.shape:
        raise ExerciseCheckError(f"{name}: expected shape {e.shape}, got {a.shape}. {hint}".strip())
    if not np.all(np.isfinite(a)):
        raise ExerciseCheckError(f"{name} contains NaN or inf. {hint}".strip())
    if not np.allclose(a, e, rtol=rtol, atol=atol):
        err = np.max(np.abs(a - e))
        raise ExerciseCheckError(
            f"{name}: largest deviation {err:.3g} exceeds the tolerance (rtol={rtol}, atol={atol}). "
            f"{hint}".strip()
        )


def gradient(f, grad, x, *, eps: float = 1e-6, rtol: float = 1e-4, name: str = "gradient") -> None:
    """Compare ``grad(x)`` with central finite differences of the scalar function ``f`` at ``x``."""
    x = np.array(_arr(x), dtype=float)
    g = np.asarray(_arr(grad(x)), dtype=float)
    num = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[i] = eps
        num[i] = (float(f(x + e)) - float(f(x - e))) / (2 * eps)
    scale = max(1.0, np.max(np.abs(num)))
    close(g, num, rtol=rtol, atol=rtol * scale, name=name,
          hint="Your analytic gradient disagrees with finite differences: re-derive it term by term.")


def passed(what: str = "All checks") -> None:
    """Print a short success line (so a student sees the check ran)."""
    print(f"{what} passed.")
