"""The thin shared package of *Deep Learning: Theory and Practice*.

Profiles and devices (:mod:`utils.core`), offline data (:mod:`utils.data`), a small training
loop (:mod:`utils.train`), plotting (:mod:`utils.plot`) and exercise checks (:mod:`utils.check`).
Algorithms that a lecture teaches live in that lecture, not here.
"""
from . import check, data, plot
from .core import PROFILES, device, in_colab, pick, profile, seed_everything, set_profile, setup
from .train import accuracy, batches, evaluate, fit, fit_loglog

__all__ = [
    "PROFILES", "accuracy", "batches", "check", "data", "device", "evaluate", "fit", "fit_loglog",
    "in_colab", "pick", "plot", "profile", "seed_everything", "set_profile", "setup",
]
