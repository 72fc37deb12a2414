"""One plotting style for the book and a few helpers that several lectures share."""
from __future__ import annotations

import matplotlib

import matplotlib.pyplot as plt
import numpy as np

COLORS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000"]


def style() -> None:
    """Apply the book's matplotlib style (colour-blind-safe cycle, readable sizes, light grid).

    In a notebook, figures are drawn as SVG (vector: sharp at any zoom, text kept as glyph
    outlines so that it looks the same everywhere) with no date stamp, so an unchanged notebook
    gives the same figure files. A figure at most 7 inches wide keeps its 11-point text at least
    as large as the page's small print in the book's column.
    """
    plt.rcParams.update({
        "figure.figsize": (6.4, 4.0),
        "figure.dpi": 100,
        "savefig.dpi": 150,
        "svg.fonttype": "path",
        "svg.hashsalt": "dlt-book",
        "axes.grid": True,
        "grid.alpha": 0.3,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.prop_cycle": matplotlib.cycler(color=COLORS),
        "font.size": 11,
        "legend.frameon": False,
    })
    try:  # inside IPython with the inline backend: SVG output without a date
        from matplotlib_inline.backend_inline import set_matplotlib_formats

        set_matplotlib_formats("svg", metadata={"Date": None})
    except Exception:  # pragma: no cover - no IPython, or another backend
        pass


def loglog(ax, x, y, fit: dict | None = None, label: str | None = None, **kw):
    """Scatter ``y`` against ``x`` on log-log axes, with the fitted power law when ``fit`` is given."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    line = ax.loglog(x, y, "o", label=label, **kw)[0]
    if fit is not None:
        xs = np.geomspace(x.min(), x.max(), 50)
        ax.loglog(xs, np.exp(fit["intercept"]) * xs ** fit["slope"], "--", color=line.get_color(),
                  label=f"fit: slope {fit['slope']:.2f}")
    return ax


def history(hist: dict, keys=("train_loss", "val_loss"), ax=None, logy: bool = False):
    """Plot curves of a :func:`utils.fit` history against the epoch."""
    if ax is None:
        _, ax = plt.subplots()
    for k in keys:
        if k in hist:
            ax.plot(hist["epoch"], hist[k], label=k.replace("_", " "))
    ax.set_xlabel("epoch")
    ax.set_ylabel(", ".join(k.split("_")[-1] for k in keys if k in hist) or "value")
    if logy:
        ax.set_yscale("log")
    ax.legend()
    return ax


def images(imgs, labels=None, ncols: int = 10, cmap: str = "gray_r", size: float = 1.0):
    """Show a grid of images (an array ``(n, h, w)`` or ``(n, h*w)`` with square images)."""
    imgs = np.asarray(imgs)
    if imgs.ndim == 2:
        side = int(round(np.sqrt(imgs.shape[1])))
        imgs = imgs.reshape(len(imgs), side, side)
    n = len(imgs)
    nrows = int(np.ceil(n / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, size * nrows), squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i < n:
            ax.imshow(imgs[i], cmap=cmap)
            if labels is not None:
                ax.set_title(str(labels[i]), fontsize=9)
    return fig
