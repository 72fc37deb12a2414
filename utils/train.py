"""A small, explicit training loop with a history, and evaluation helpers."""
from __future__ import annotations

import os
import sys

import numpy as np
import torch


def show_progress() -> bool:
    """Whether progress bars should be drawn.

    ``DLT_PROGRESS=1`` forces them on and ``0`` off; by default they appear in Colab and in a
    terminal, and stay silent in non-interactive builds (papermill, nbval, jupyter-book).
    """
    flag = os.environ.get("DLT_PROGRESS", "auto").lower()
    if flag in ("1", "true", "yes"):
        return True
    if flag in ("0", "false", "no"):
        return False
    return "google.colab" in sys.modules or sys.stderr.isatty()


def batches(X, y, batch_size: int, shuffle: bool = True, generator=None):
    """Yield ``(X[idx], y[idx])`` mini-batches of tensors that share their first dimension."""
    n = len(X)
    if batch_size <= 0:
        raise ValueError(f"batch_size must be positive, got {batch_size}.")
    order = torch.randperm(n, generator=generator) if shuffle else torch.arange(n)
    for start in range(0, n, batch_size):
        idx = order[start : start + batch_size]
        yield X[idx], y[idx]


def accuracy(logits: torch.Tensor, y: torch.Tensor) -> float:
    """Fraction of rows whose arg-max (or sign, for one output column) matches ``y``."""
    if logits.ndim == 1 or logits.shape[-1] == 1:
        pred = (logits.reshape(-1) > 0).long()
    else:
        pred = logits.argmax(-1)
    return (pred == y.reshape(-1).long()).float().mean().item()


@torch.no_grad()
def evaluate(model, X, y, loss_fn=None, batch_size: int = 4096) -> dict:
    """Mean loss (when ``loss_fn`` is given) and accuracy of ``model`` on ``(X, y)``."""
    was_training = model.training
    model.eval()
    outs = [model(X[i : i + batch_size]) for i in range(0, len(X), batch_size)]
    model.train(was_training)
    out = torch.cat(outs)
    res = {"acc": accuracy(out, y)} if not torch.is_floating_point(y) else {}
    if loss_fn is not None:
        res["loss"] = loss_fn(out, y).item()
    return res


def fit(model, X, y, loss_fn, *, epochs: int, lr: float = 1e-2, batch_size: int = 128,
        optimizer=None, val=None, weight_decay: float = 0.0, seed: int = 0, every: int = 1,
        callback=None) -> dict:
    """Train ``model`` on ``(X, y)`` with mini-batch SGD (or the given ``optimizer``).

    Returns a history ``{'epoch': [...], 'train_loss': [...], 'train_acc': [...],
    'val_loss': [...], 'val_acc': [...]}``, recorded every ``every`` epochs (accuracy only for
    integer targets, validation only when ``val=(X_val, y_val)``). ``callback(epoch, model)``
    runs after each epoch and may return ``True`` to stop early.
    """
    if epochs < 1:
        raise ValueError(f"epochs must be at least 1, got {epochs}.")
    if optimizer is None:
        optimizer = torch.optim.SGD(model.parameters(), lr=lr, weight_decay=weight_decay)
    gen = torch.Generator().manual_seed(seed)
    hist = {"epoch": []}
    from tqdm import tqdm

    bar = tqdm(range(1, epochs + 1), disable=not show_progress(), leave=False, desc="epochs")
    for epoch in bar:
        model.train()
        for xb, yb in batches(X, y, batch_size, shuffle=True, generator=gen):
            optimizer.zero_grad(set_to_none=True)
            loss = loss_fn(model(xb), yb)
            loss.backward()
            optimizer.step()
        if epoch % every == 0 or epoch == epochs:
            hist["epoch"].append(epoch)
            for prefix, data in (("train", (X, y)), ("val", val)):
                if data is None:
                    continue
                for k, v in evaluate(model, *data, loss_fn).items():
                    hist.setdefault(f"{prefix}_{k}", []).append(v)
            if "train_loss" in hist:
                bar.set_postfix(loss=f"{hist['train_loss'][-1]:.4f}")
        if callback is not None and callback(epoch, model):
            break
    return hist


def fit_loglog(x, y) -> dict:
    """Least-squares line through ``(log x, log y)``: returns ``slope``, ``intercept`` and ``r2``.

    The slope is the fitted exponent of a power law ``y ~ C x^slope``; lectures compare it
    with a rate predicted by theory.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        lx, ly = np.log(np.asarray(x, float)), np.log(np.asarray(y, float))
    if lx.shape != ly.shape or lx.size < 2:
        raise ValueError("fit_loglog needs two arrays of the same length >= 2.")
    if not (np.all(np.isfinite(lx)) and np.all(np.isfinite(ly))):
        raise ValueError("fit_loglog needs strictly positive, finite x and y.")
    slope, intercept = np.polyfit(lx, ly, 1)
    resid = ly - (slope * lx + intercept)
    ss = np.sum((ly - ly.mean()) ** 2)
    r2 = 1.0 - np.sum(resid**2) / ss if ss > 0 else 1.0
    return {"slope": float(slope), "intercept": float(intercept), "r2": float(r2)}
