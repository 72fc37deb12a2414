"""Unit tests for every public function of the shared `utils` package."""
import gzip
import os
import pickle
import struct
import urllib.error

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

import utils  # noqa: E402
from utils import check, data, plot  # noqa: E402


@pytest.fixture(autouse=True)
def _clean_profile(monkeypatch):
    monkeypatch.delenv("DLT_SCALE", raising=False)
    monkeypatch.delenv("DLT_DEVICE", raising=False)
    utils.set_profile(None)
    yield
    utils.set_profile(None)


# ----------------------------------------------------------------------------------- profiles
def test_profile_default_follows_hardware():
    assert utils.profile() == ("full" if torch.cuda.is_available() else "book")


def test_profile_from_env_and_override(monkeypatch):
    monkeypatch.setenv("DLT_SCALE", "SMOKE")
    assert utils.profile() == "smoke"
    assert utils.set_profile("full") == "full"
    assert utils.profile() == "full"


def test_unknown_profile_lists_valid_ones(monkeypatch):
    monkeypatch.setenv("DLT_SCALE", "huge")
    with pytest.raises(ValueError, match="smoke, book, full"):
        utils.profile()
    with pytest.raises(ValueError, match="Valid profiles"):
        utils.set_profile("tiny")


def test_pick_uses_active_profile(monkeypatch):
    for name, want in [("smoke", 1), ("book", 2), ("full", 3)]:
        monkeypatch.setenv("DLT_SCALE", name)
        assert utils.pick(smoke=1, book=2, full=3) == want
    with pytest.raises(TypeError):
        utils.pick(smoke=1, book=2)  # every profile must be given


def test_device_cpu_and_clear_cuda_error(monkeypatch):
    assert utils.device("cpu").type == "cpu"
    assert utils.device().type == ("cuda" if torch.cuda.is_available() else "cpu")
    with pytest.raises(ValueError, match="auto"):
        utils.device("tpu")
    if not torch.cuda.is_available():
        monkeypatch.setenv("DLT_DEVICE", "cuda")
        with pytest.raises(RuntimeError, match="Change runtime type"):
            utils.device()


def test_seed_everything_repeats_and_rejects_bad_seed():
    utils.seed_everything(3)
    a = (np.random.rand(), torch.rand(1).item())
    utils.seed_everything(3)
    assert (np.random.rand(), torch.rand(1).item()) == a
    with pytest.raises(TypeError, match="integer"):
        utils.seed_everything("3")


def test_setup_validates_papermill_parameters(capsys):
    dev = utils.setup("smoke", 1)
    assert dev.type in ("cpu", "cuda") and utils.profile() == "smoke"
    assert "profile=smoke" in capsys.readouterr().out
    with pytest.raises(TypeError, match="SCALE must be one of"):
        utils.setup(5)
    with pytest.raises(ValueError, match="Valid profiles"):
        utils.setup("medium")


def test_in_colab_false_here():
    assert utils.in_colab() is False


# ------------------------------------------------------------------------------------ data
def test_digits_split_shapes_and_range():
    s = data.digits(test_size=0.25, seed=0)
    assert s.X_train.shape[1] == 64 and len(s.X_train) + len(s.X_test) == 1797
    assert s.X_train.dtype == torch.float32 and s.y_train.dtype == torch.int64
    assert 0.0 <= s.X_train.min() and s.X_train.max() <= 1.0
    assert set(s.y_train.tolist()) == set(range(10))
    assert torch.equal(data.digits(seed=0).X_test, s.X_test)  # seeded
    with pytest.raises(ValueError):
        data.digits(test_size=1.5)


def test_mnist1d_offline_and_seeded():
    s = data.mnist1d(n=200, seed=1)
    assert s.X_train.shape == (160, 40) and s.X_test.shape == (40, 40)
    assert torch.equal(s.X_train, data.mnist1d(n=200, seed=1).X_train)
    assert not torch.equal(s.X_train, data.mnist1d(n=200, seed=2).X_train)


@pytest.mark.parametrize("name", data.TOY2D)
def test_toy2d(name):
    X, y = data.toy2d(name, n=300, seed=0)
    assert X.shape == (300, 2) and y.shape == (300,)
    assert torch.equal(X, data.toy2d(name, n=300, seed=0)[0])


def test_toy2d_ring_modes_and_unknown_name():
    X, y = data.toy2d("ring", n=2000, noise=0.01)
    radius = X.norm(dim=1)
    assert torch.allclose(radius, torch.full_like(radius, 2.0), atol=0.1)
    assert set(y.tolist()) == set(range(8))
    with pytest.raises(ValueError, match="moons"):
        data.toy2d("spiral")


def test_text_corpus_is_english_and_deterministic():
    text = data.text_corpus()
    assert len(text) > 100_000 and " the " in text
    assert data.text_corpus(1000) == text[:1000]


def test_data_dir_env(monkeypatch, tmp_path):
    monkeypatch.setenv("DLT_DATA", str(tmp_path))
    assert data.data_dir() == tmp_path


def _write_idx(path, array):
    """Write `array` (uint8) in the IDX format of LeCun's MNIST files."""
    array = np.asarray(array, np.uint8)
    header = struct.pack(">HBB", 0, 0x08, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    path.write_bytes(header + array.tobytes())


@pytest.mark.parametrize("name,folder", [("mnist", "MNIST"), ("fashion_mnist", "FashionMNIST")])
def test_torchvision_idx_loader_reads_real_format(tmp_path, name, folder):
    raw = tmp_path / folder / "raw"
    raw.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for split, n in [("train", 5), ("t10k", 3)]:
        _write_idx(raw / f"{split}-images-idx3-ubyte", rng.integers(0, 256, (n, 28, 28)))
        _write_idx(raw / f"{split}-labels-idx1-ubyte", np.arange(n) % 10)
    ds = data.torchvision_dataset(name, train=False, root=tmp_path, download=False)
    assert len(ds) == 3
    img, label = ds[2]
    assert img.shape == (1, 28, 28) and label == 2 and 0.0 <= img.min() and img.max() <= 1.0


def test_torchvision_cifar_loader_reads_real_format(tmp_path, monkeypatch):
    import torchvision.datasets.cifar as cifar

    base = tmp_path / "cifar-10-batches-py"
    base.mkdir()
    rng = np.random.default_rng(0)
    for fname in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        batch = {"data": rng.integers(0, 256, (4, 3072), dtype=np.uint8), "labels": [0, 1, 2, 3]}
        with open(base / fname, "wb") as f:
            pickle.dump(batch, f)
    with open(base / "batches.meta", "wb") as f:
        pickle.dump({"label_names": [f"class{i}" for i in range(10)]}, f)
    # tiny files cannot match the md5 sums of the real archive; the format is what we test
    monkeypatch.setattr(cifar, "check_integrity", lambda fpath, md5=None: os.path.isfile(fpath))
    ds = data.torchvision_dataset("cifar10", train=True, root=tmp_path, download=False)
    assert len(ds) == 20 and ds.classes[3] == "class3"
    img, label = ds[5]
    assert img.shape == (3, 32, 32) and label == 1


def test_torchvision_download_times_out_with_the_offline_message(tmp_path, monkeypatch):
    """A server that accepts connections and never answers must not hang the download."""
    import socket
    import threading
    import time

    import torchvision

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    accepted = []
    stop = threading.Event()

    def accept():  # accept and hold every connection, never send a byte
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except OSError:
                pass

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    port = server.getsockname()[1]
    monkeypatch.setattr(torchvision.datasets.MNIST, "mirrors", [f"http://127.0.0.1:{port}/"])
    start = time.time()
    try:
        with pytest.raises(data.DatasetUnavailable, match="could not be downloaded.*Connect to the internet"):
            data.torchvision_dataset("mnist", root=tmp_path, timeout=0.5)
    finally:
        stop.set()
        thread.join(2)
        for conn in accepted:
            conn.close()
        server.close()
    assert accepted, "the download never reached the silent server"
    assert time.time() - start < 20, "the download did not time out"
    import socket as s

    assert s.getdefaulttimeout() is None, "the default socket timeout was not restored"


def test_torchvision_offline_gives_clear_message(tmp_path, monkeypatch):
    import torchvision

    def no_network(self):
        raise urllib.error.URLError("Temporary failure in name resolution")

    monkeypatch.setattr(torchvision.datasets.MNIST, "download", no_network)
    with pytest.raises(data.DatasetUnavailable, match="could not be downloaded.*Connect to the internet"):
        data.torchvision_dataset("mnist", root=tmp_path)
    with pytest.raises(data.DatasetUnavailable, match="download=True"):
        data.torchvision_dataset("mnist", root=tmp_path, download=False)
    with pytest.raises(ValueError, match="cifar10"):
        data.torchvision_dataset("imagenet")


# ----------------------------------------------------------------------------------- training
def test_batches_cover_every_row_once():
    X, y = torch.arange(10).float()[:, None], torch.arange(10)
    seen = torch.cat([yb for _, yb in utils.batches(X, y, 3, generator=torch.Generator().manual_seed(0))])
    assert sorted(seen.tolist()) == list(range(10))
    assert [len(yb) for _, yb in utils.batches(X, y, 4, shuffle=False)] == [4, 4, 2]
    with pytest.raises(ValueError):
        next(utils.batches(X, y, 0))


def test_accuracy_multiclass_and_binary():
    assert utils.accuracy(torch.tensor([[2.0, 1.0], [0.0, 3.0]]), torch.tensor([0, 0])) == 0.5
    assert utils.accuracy(torch.tensor([1.0, -1.0, 2.0]), torch.tensor([1, 0, 0])) == pytest.approx(2 / 3)


def test_fit_learns_separable_data_and_records_history():
    utils.seed_everything(0)
    X, y = data.toy2d("moons", n=400, noise=0.05)
    model = torch.nn.Sequential(torch.nn.Linear(2, 32), torch.nn.Tanh(), torch.nn.Linear(32, 2))
    hist = utils.fit(model, X, y, torch.nn.functional.cross_entropy, epochs=60, lr=0.3,
                     batch_size=64, val=(X, y), every=10)
    assert hist["epoch"] == [10, 20, 30, 40, 50, 60]
    assert hist["train_loss"][-1] < hist["train_loss"][0]
    assert hist["val_acc"][-1] > 0.95
    res = utils.evaluate(model, X, y, torch.nn.functional.cross_entropy)
    assert res["acc"] == pytest.approx(hist["train_acc"][-1])
    with pytest.raises(ValueError):
        utils.fit(model, X, y, torch.nn.functional.cross_entropy, epochs=0)


def test_fit_callback_can_stop_early():
    X, y = torch.randn(32, 3), torch.randn(32, 1)
    hist = utils.fit(torch.nn.Linear(3, 1), X, y, torch.nn.functional.mse_loss, epochs=50,
                     callback=lambda epoch, model: epoch == 3)
    assert hist["epoch"][-1] == 3 and "train_acc" not in hist


def test_progress_flag(monkeypatch):
    from utils.train import show_progress

    monkeypatch.setenv("DLT_PROGRESS", "1")
    assert show_progress()
    monkeypatch.setenv("DLT_PROGRESS", "0")
    assert not show_progress()


def test_fit_loglog_recovers_exponent():
    x = np.array([1, 2, 4, 8, 16.0])
    fit = utils.fit_loglog(x, 3 * x**-0.5)
    assert fit["slope"] == pytest.approx(-0.5) and fit["r2"] == pytest.approx(1.0)
    assert np.exp(fit["intercept"]) == pytest.approx(3.0)
    with pytest.raises(ValueError):
        utils.fit_loglog([1, 2], [1, -1])


# ----------------------------------------------------------------------------------- plotting
def test_plot_helpers_draw():
    plot.style()
    fig, ax = plt.subplots()
    x = np.array([1, 2, 4, 8.0])
    plot.loglog(ax, x, 1 / x, fit=utils.fit_loglog(x, 1 / x), label="data")
    assert len(ax.lines) == 2 and ax.get_xscale() == "log"
    ax2 = plot.history({"epoch": [1, 2], "train_loss": [1.0, 0.5]}, logy=True)
    assert ax2.get_yscale() == "log" and ax2.get_xlabel() == "epoch"
    fig = plot.images(np.zeros((3, 64)), labels=[0, 1, 2], ncols=2)
    assert len(fig.axes) == 4
    plt.close("all")


# -------------------------------------------------------------------------------------- checks
def test_check_close_and_messages():
    check.close([1.0, 2.0], np.array([1.0, 2.0]))
    with pytest.raises(check.ExerciseCheckError, match="expected shape"):
        check.close([1.0], [1.0, 2.0], name="v")
    with pytest.raises(check.ExerciseCheckError, match="NaN"):
        check.close([np.nan], [1.0])
    with pytest.raises(check.ExerciseCheckError, match="hint text"):
        check.close(torch.tensor([1.0]), [2.0], hint="hint text")


def test_check_that_and_passed(capsys):
    check.that(True, "never shown")
    with pytest.raises(AssertionError, match="look here"):
        check.that(False, "look here")
    check.passed("Exercise 1")
    assert "Exercise 1 passed." in capsys.readouterr().out


def test_check_gradient_catches_wrong_gradient():
    f = lambda x: float(np.sum(x**3))  # noqa: E731
    check.gradient(f, lambda x: 3 * x**2, np.array([0.5, -1.0, 2.0]))
    with pytest.raises(check.ExerciseCheckError, match="finite differences"):
        check.gradient(f, lambda x: 2 * x, np.array([0.5, -1.0, 2.0]))


# ------------------------------------------------------------------------------------------ claims
def test_claim_close_passes_and_fails_with_message(capsys):
    from utils import claim

    assert claim.close("t-close", 1.04, 1.0, tol=0.05, what="a value") == pytest.approx(1.04)
    out = capsys.readouterr().out
    assert "Claim t-close: a value" in out and "measured 1.04" in out and "1 ± 0.05" in out and "[holds]" in out
    with pytest.raises(claim.ClaimFailed, match=r"claim t-close2 does not hold: a value: measured 1.06"):
        claim.close("t-close2", 1.06, 1.0, tol=0.05, what="a value")
    with pytest.raises(claim.ClaimFailed):
        claim.close("t-rel", 2.3, 2.0, tol=0.1, rel=True, what="relative")
    claim.close("t-rel2", 2.15, 2.0, tol=0.1, rel=True, what="relative")
    with pytest.raises(claim.ClaimFailed):
        claim.close("t-nan", float("nan"), 1.0, tol=1.0, what="nan never passes")
    with pytest.raises(claim.ClaimFailed):
        claim.close("t-arr", [1.0, 1.2], [1.0, 1.0], tol=0.1, what="elementwise")
    # relative and elementwise: each entry's tolerance scales with its own expected value
    claim.close("t-arr-rel", [1.05, 95.0], [1.0, 100.0], tol=0.06, rel=True, what="relative")
    with pytest.raises(claim.ClaimFailed):
        claim.close("t-arr-rel2", [1.05, 90.0], [1.0, 100.0], tol=0.06, rel=True, what="relative")
    with pytest.raises(ValueError, match="name"):
        claim.close("has space", 1, 1, tol=0, what="x")


def test_claim_bounds_interval_ordering_and_holds():
    import torch

    from utils import claim

    claim.at_most("t-am", torch.tensor(0.5), 0.5, what="bound")
    with pytest.raises(claim.ClaimFailed):
        claim.at_most("t-am2", 0.5, 0.5, strict=True, what="strict bound")
    claim.at_least("t-al", np.float64(3.0), 2.0, what="lower bound")
    with pytest.raises(claim.ClaimFailed):
        claim.at_least("t-al2", [3.0, 1.0], 2.0, what="every element")
    claim.within("t-w", -0.5, -0.75, -0.4, what="interval")
    with pytest.raises(claim.ClaimFailed):
        claim.within("t-w2", -0.3, -0.75, -0.4, what="interval")
    claim.ordered("t-o", [1, 2, 3], what="increasing", labels=["a", "b", "c"])
    with pytest.raises(claim.ClaimFailed):
        claim.ordered("t-o2", [1, 2, 2.05], what="steps above margin", margin=0.1)
    claim.ordered("t-o3", [3, 2, 1], what="decreasing", increasing=False)
    claim.holds("t-h", True, what="a fact", measured=0)
    with pytest.raises(claim.ClaimFailed):
        claim.holds("t-h2", False, what="a fact")


def test_setup_silences_torchs_jit_script_deprecation_only():
    """torch.func and torchdiffeq trigger torch's own torch.jit.script FutureWarning; setup hides
    that one warning (it would print a line wider than the column) and no other."""
    import warnings

    import utils

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        utils.setup("smoke", 0, quiet=True)
        warnings.warn("`torch.jit.script` is deprecated. Please switch to `torch.compile`.", FutureWarning)
        warnings.warn("another deprecation", FutureWarning)
    assert [str(w.message) for w in caught] == ["another deprecation"]
