"""Datasets. Everything a lecture needs runs offline; the torchvision loaders are for readers
with a network, cached under one directory, and fail with a message that says what to do.
"""
from __future__ import annotations

import os
import socket
from collections import namedtuple
from pathlib import Path

import numpy as np
import torch

Split = namedtuple("Split", ["X_train", "y_train", "X_test", "y_test"])


class DatasetUnavailable(RuntimeError):
    """A dataset is neither cached on disk nor downloadable right now."""


def data_dir() -> Path:
    """The one cache directory for downloaded data: ``$DLT_DATA`` or ``~/.cache/dlt-book``."""
    return Path(os.environ.get("DLT_DATA", Path.home() / ".cache" / "dlt-book")).expanduser()


def _split(X, y, test_size, seed) -> Split:
    if not 0 < test_size < 1:
        raise ValueError(f"test_size must lie in (0, 1), got {test_size}.")
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(X))
    n_test = int(round(test_size * len(X)))
    te, tr = order[:n_test], order[n_test:]
    X = torch.as_tensor(np.asarray(X, np.float32))
    y = torch.as_tensor(np.asarray(y, np.int64))
    return Split(X[tr], y[tr], X[te], y[te])


def digits(test_size: float = 0.25, seed: int = 0) -> Split:
    """scikit-learn's bundled 8x8 digits (1797 images, 10 classes), pixels scaled to [0, 1].

    Returns ``Split(X_train, y_train, X_test, y_test)`` with ``X`` of shape ``(n, 64)``.
    """
    from sklearn.datasets import load_digits

    d = load_digits()
    return _split(d.data / 16.0, d.target, test_size, seed)


def mnist1d(n: int = 5000, test_size: float = 0.2, seed: int = 0) -> Split:
    """MNIST-1D (Greydanus 2020) generated procedurally: ``n`` signals of length 40, 10 classes.

    Generation is offline and seeded, so any number of fresh samples can be drawn.
    """
    from mnist1d.data import get_dataset_args, make_dataset

    if n < 10:
        raise ValueError(f"n must be at least 10, got {n}.")
    args = get_dataset_args()
    args.num_samples, args.seed, args.train_split = int(n), int(seed), 1.0 - test_size
    d = make_dataset(args)
    return Split(torch.as_tensor(d["x"], dtype=torch.float32), torch.as_tensor(d["y"], dtype=torch.int64),
                 torch.as_tensor(d["x_test"], dtype=torch.float32), torch.as_tensor(d["y_test"], dtype=torch.int64))


TOY2D = ("moons", "ring", "swiss_roll", "checkerboard")


def toy2d(name: str, n: int = 1000, noise: float = 0.05, seed: int = 0):
    """A 2-D toy distribution: ``(X, y)`` tensors, ``X`` of shape ``(n, 2)``.

    ``moons`` (two interleaved half circles, ``y`` the moon), ``ring`` (8 Gaussians of std
    ``noise`` on the circle of radius 2, ``y`` the mode), ``swiss_roll`` (``y`` = 0), and
    ``checkerboard`` (uniform on the black squares of a 4x4 board on [-2, 2]^2, ``y`` the square).
    """
    rng = np.random.default_rng(seed)
    if name == "moons":
        from sklearn.datasets import make_moons

        X, y = make_moons(n, noise=noise, random_state=seed)
    elif name == "ring":
        y = rng.integers(0, 8, n)
        angle = 2 * np.pi * y / 8
        X = 2.0 * np.stack([np.cos(angle), np.sin(angle)], 1) + noise * rng.standard_normal((n, 2))
    elif name == "swiss_roll":
        from sklearn.datasets import make_swiss_roll

        X3, _ = make_swiss_roll(n, noise=noise, random_state=seed)
        X, y = X3[:, [0, 2]] / 5.0, np.zeros(n, int)
    elif name == "checkerboard":
        cells = np.array([(i, j) for i in range(4) for j in range(4) if (i + j) % 2 == 0])
        y = rng.integers(0, len(cells), n)
        X = cells[y] + rng.random((n, 2)) - 2.0
    else:
        raise ValueError(f"Unknown toy distribution {name!r}; choose one of {', '.join(TOY2D)}.")
    return torch.as_tensor(X, dtype=torch.float32), torch.as_tensor(y, dtype=torch.int64)


def text_corpus(max_chars: int | None = None) -> str:
    """English prose that ships with every CPython: the pydoc help topics (about 0.5 MB).

    Deterministic (topics in sorted order), ASCII-dominated, no network needed.
    """
    from pydoc_data.topics import topics

    text = "\n\n".join(topics[k].strip() for k in sorted(topics))
    return text if max_chars is None else text[:max_chars]


_TV = {"mnist": "MNIST", "fashion_mnist": "FashionMNIST", "cifar10": "CIFAR10"}


def torchvision_dataset(name: str, train: bool = True, root=None, download: bool = True, transform=None,
                        timeout: float = 30.0):
    """MNIST, Fashion-MNIST or CIFAR-10 through torchvision, cached under :func:`data_dir`.

    The files are read from the cache when present; otherwise, with ``download=True``, they
    are fetched once. Offline and uncached, or when a server does not answer within ``timeout``
    seconds, a :class:`DatasetUnavailable` says what to do.
    """
    if name not in _TV:
        raise ValueError(f"Unknown dataset {name!r}; choose one of {', '.join(_TV)}.")
    import torchvision
    from torchvision import transforms

    cls = getattr(torchvision.datasets, _TV[name])
    root = Path(root) if root is not None else data_dir()
    transform = transform if transform is not None else transforms.ToTensor()
    try:
        return cls(str(root), train=train, download=False, transform=transform)
    except RuntimeError:
        pass  # not cached (or corrupt): fall through to download
    if not download:
        raise DatasetUnavailable(
            f"{_TV[name]} is not in {root}. Call with download=True on a machine with a network, "
            f"or copy the files there (set DLT_DATA to use another directory)."
        )
    # torchvision opens its URLs without a timeout: a server that accepts the connection and never
    # answers would hang forever. The default socket timeout bounds every read of the download.
    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(timeout)
    try:
        return cls(str(root), train=train, download=True, transform=transform)
    except Exception as err:  # network errors (a timeout too) come in many types
        raise DatasetUnavailable(
            f"{_TV[name]} is not cached in {root} and could not be downloaded ({type(err).__name__}: {err}). "
            "Connect to the internet and rerun, or copy the dataset files into that directory "
            "(set DLT_DATA to use another one). The lectures themselves need no download: they use "
            "utils.data.digits() and utils.data.mnist1d()."
        ) from None
    finally:
        socket.setdefaulttimeout(previous)
