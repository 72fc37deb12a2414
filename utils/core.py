"""Execution profiles, device selection and seeding.

Every notebook runs one code path at three sizes. The profile comes from, in order:
an explicit :func:`set_profile` (what :func:`setup` does with the notebook's ``SCALE``
parameter), the ``DLT_SCALE`` environment variable, and finally ``full`` when CUDA is
available and ``book`` otherwise.
"""
from __future__ import annotations

import os
import random
import sys
import warnings

import numpy as np

PROFILES = ("smoke", "book", "full")
_override: str | None = None
_seed: int | None = None


def _validate(name, source):
    if not isinstance(name, str) or name.strip().lower() not in PROFILES:
        raise ValueError(
            f"Unknown execution profile {name!r} (from {source}). "
            f"Valid profiles: {', '.join(PROFILES)}. "
            "Set e.g. DLT_SCALE=smoke, or pass -p SCALE book to papermill."
        )
    return name.strip().lower()


def _cuda_available():
    try:
        import torch

        return torch.cuda.is_available()
    except ImportError:  # pragma: no cover - torch is a hard dependency
        return False


def set_profile(name: str | None) -> str | None:
    """Force the profile for this process; ``None`` clears the override (and returns ``None``)."""
    global _override
    _override = None if name is None else _validate(name, "set_profile")
    return _override


def profile() -> str:
    """The active profile: ``'smoke'``, ``'book'`` or ``'full'``."""
    if _override is not None:
        return _override
    env = os.environ.get("DLT_SCALE")
    if env:
        return _validate(env, "the DLT_SCALE environment variable")
    return "full" if _cuda_available() else "book"


def pick(*, smoke, book, full):
    """Return the value for the active profile, e.g. ``n = pick(smoke=256, book=4096, full=60000)``."""
    return {"smoke": smoke, "book": book, "full": full}[profile()]


def device(kind: str | None = None):
    """The ``torch.device`` to compute on.

    ``kind`` (or the ``DLT_DEVICE`` environment variable) may be ``'cpu'``, ``'cuda'`` or
    ``'auto'`` (default: CUDA when present). Asking for CUDA on a machine without it raises a
    clear error instead of failing later inside torch.
    """
    import torch

    kind = (kind or os.environ.get("DLT_DEVICE") or "auto").lower()
    if kind not in ("auto", "cpu", "cuda"):
        raise ValueError(f"Unknown device {kind!r}: use 'auto', 'cpu' or 'cuda' (DLT_DEVICE).")
    if kind == "cuda" and not torch.cuda.is_available():
        raise RuntimeError(
            "CUDA was requested (DLT_DEVICE=cuda) but no CUDA GPU is visible to torch. "
            "In Colab choose Runtime > Change runtime type > GPU; locally unset DLT_DEVICE "
            "or set DLT_DEVICE=cpu to run on the CPU."
        )
    if kind == "auto":
        kind = "cuda" if torch.cuda.is_available() else "cpu"
    return torch.device(kind)


def seed_everything(seed: int = 0) -> int:
    """Seed Python, NumPy and torch (CPU and CUDA) so that reruns give the same numbers."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"seed must be an integer, got {seed!r} of type {type(seed).__name__}.")
    seed = int(seed)
    global _seed
    _seed = seed
    random.seed(seed)
    np.random.seed(seed % 2**32)
    os.environ["PYTHONHASHSEED"] = str(seed)
    import torch

    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)
    return seed


def current_seed() -> int | None:
    """The seed of the last :func:`seed_everything` (what :func:`setup` was given), or ``None``."""
    return _seed


def in_colab() -> bool:
    """True inside Google Colab."""
    return "google.colab" in sys.modules


def setup(scale: str | None = None, seed: int = 0, device_kind: str | None = None, quiet: bool = False):
    """One call at the top of every notebook: profile, seed, device and plot style.

    ``scale`` and ``seed`` are the notebook's papermill parameters; ``scale=None`` keeps the
    profile chosen by ``DLT_SCALE`` or the hardware. Returns the ``torch.device`` to use.
    """
    if scale is not None:
        if not isinstance(scale, str):
            raise TypeError(
                f"SCALE must be one of {', '.join(PROFILES)} (a string) or None, got {scale!r} "
                f"of type {type(scale).__name__}. With papermill use -p SCALE smoke."
            )
        set_profile(_validate(scale, "the notebook parameter SCALE"))
    else:
        profile()  # validate DLT_SCALE early, with a clear message
    seed_everything(seed)
    # torch.func's Hessians and torchdiffeq compile helpers with torch.jit.script, which torch
    # flags as deprecated at every call: a warning about torch, not the page, printed as one
    # line far wider than the column
    warnings.filterwarnings("ignore", message=r".*torch\.jit\.script.*", category=FutureWarning)
    dev = device(device_kind)
    from . import plot

    plot.style()
    if not quiet:
        print(f"profile={profile()}  device={dev}  seed={seed}")
    return dev
