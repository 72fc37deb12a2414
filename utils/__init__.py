"""The thin shared package of *Deep Learning: Theory and Practice*.

Profiles and devices (:mod:`utils.core`), offline data (:mod:`utils.data`), a small training
loop (:mod:`utils.train`), plotting (:mod:`utils.plot`), exercise checks (:mod:`utils.check`) and
the lectures' claim checks (:mod:`utils.claim`).
Algorithms that a lecture teaches live in that lecture, not here.
"""
from . import check, claim, data, plot
from .claim import glue
from .core import (PROFILES, current_seed, device, in_colab, pick, profile, seed_everything, set_profile,
                   setup)
from .train import accuracy, batches, evaluate, fit, fit_loglog

__all__ = [
    "PROFILES", "accuracy", "batches", "check", "claim", "current_seed", "data", "device", "evaluate",
    "fit", "fit_loglog", "glue", "in_colab", "pick", "plot", "profile", "seed_everything", "set_profile", "setup",
]
