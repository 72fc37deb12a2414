"""Claim checks: one way to state a lecture's claims, check them, show them and record them.

Every experiment of a lecture ends in a claim check::

    utils.claim.close("er-ls-slope", slope, -1.0, tol=0.15,
                      what="slope of log excess risk against log n")
    utils.claim.at_most("er-hoeffding", exceed, delta, what="fraction beyond Hoeffding's epsilon")
    utils.claim.ordered("rs-sigma", [acc_012, acc_025, acc_05], what="...", labels=[...])

Each call checks the claim, shows one line that a reader recognises (the claim, measured against
expected, the tolerance, and whether it holds), records it for the book's claims ledger (the
output's metadata carries a machine-readable copy that the build collects into the Claims page), glues the
measured value under the claim's name (``{glue:text}`er-ls-slope:.3f``` in the prose), and raises
:class:`ClaimFailed` when the claim does not hold. Names are unique in the whole book: prefix them
with the lecture's label prefix, like labels.
"""
from __future__ import annotations

import html
import math

import numpy as np

META = "dlt_claim"  # the output metadata key that carries the record (scripts/pipeline.py reads it)
GLUE_PREFIX = "application/papermill.record/"


class ClaimFailed(AssertionError):
    """A claim check that did not hold; the message says what was measured and expected."""


def _num(x):
    """A plain float (or list of floats) from numbers, numpy scalars, arrays or tensors."""
    if hasattr(x, "detach"):
        x = x.detach().cpu().numpy()
    arr = np.asarray(x, dtype=float)
    return float(arr) if arr.ndim == 0 else [float(v) for v in arr.ravel()]


def _fmt(x) -> str:
    if isinstance(x, (list, tuple)):
        return "[" + ", ".join(_fmt(v) for v in x) + "]"
    if isinstance(x, str):
        return x
    if x is None:
        return "-"
    x = float(x)
    if x == 0 or math.isinf(x) or math.isnan(x):
        return f"{x:g}"
    return f"{x:.4g}" if 1e-3 <= abs(x) < 1e5 else f"{x:.3e}"


def glue(name: str, value) -> None:
    """Make ``value`` available to the page's prose as ``{glue:text}`name``` (myst-nb's glue).

    Written without importing myst-nb, so notebooks also run where it is not installed (Colab).
    Numbers are glued as plain floats so that a format spec (``:.3f``) applies.
    """
    from IPython import get_ipython

    if get_ipython() is None:
        return
    from IPython.display import display

    if isinstance(value, (np.floating, np.integer)) or hasattr(value, "item") and np.ndim(value) == 0:
        value = value.item()
    text = repr(value) if not isinstance(value, str) else value
    display({GLUE_PREFIX + "text/plain": text}, raw=True,
            metadata={"scrapbook": {"name": name, "mime_prefix": GLUE_PREFIX}})


def _profile_and_seed():
    from . import core

    try:
        profile = core.profile()
    except ValueError:
        profile = None
    return profile, core.current_seed()


def _record(name, kind, what, measured, expected, tolerance, passed, relation):
    profile, seed = _profile_and_seed()
    rec = {"name": name, "kind": kind, "statement": what, "measured": measured, "expected": expected,
           "tolerance": tolerance, "relation": relation, "passed": bool(passed), "profile": profile,
           "seed": seed}
    verdict = "holds" if passed else "FAILS"
    text = (f"Claim {name}: {what}\n"
            f"  measured {_fmt(measured)}   {relation}   [{verdict}]")
    _show(rec, text)
    if isinstance(measured, (int, float)):
        glue(name, measured)
    if not passed:
        raise ClaimFailed(f"claim {name} does not hold: {what}: measured {_fmt(measured)}, "
                          f"{relation}")
    return measured


def _show(rec: dict, text: str) -> None:
    """Display the claim: plain text anywhere, a styled block on the site, JSON for the ledger."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover
        get_ipython = lambda: None  # noqa: E731
    if get_ipython() is None:
        print(text)
        return
    from IPython.display import display

    state = "pass" if rec["passed"] else "fail"
    body = (f'<div class="dlt-claim dlt-claim-{state}" id="claim-{html.escape(rec["name"])}">'
            f'<span class="dlt-claim-label">Claim check</span> '
            f'<span class="dlt-claim-verdict">{"holds" if rec["passed"] else "FAILS"}</span> '
            f'<span class="dlt-claim-what">{html.escape(rec["statement"])}</span><br>'
            f'<span class="dlt-claim-numbers">measured <b>{html.escape(_fmt(rec["measured"]))}</b>, '
            f'{html.escape(rec["relation"])}</span></div>')
    display({"text/plain": text, "text/html": body}, raw=True, metadata={META: rec})


def _check_name(name):
    if not isinstance(name, str) or not name or any(c.isspace() for c in name):
        raise ValueError(f"a claim needs a name without spaces, unique in the book (e.g. 'er-ls-slope'); got {name!r}")


def close(name: str, measured, expected, tol: float, *, what: str, rel: bool = False):
    """``measured`` is within ``tol`` of ``expected`` (``tol`` relative to ``|expected|`` if ``rel``).

    Use it for an estimate with a standard error or a bound from theory: the tolerance must come
    from there, never from one run.
    """
    _check_name(name)
    m, e = _num(measured), _num(expected)
    if tol < 0:
        raise ValueError(f"claim {name}: the tolerance must be >= 0, got {tol}")
    if isinstance(m, list) or isinstance(e, list):
        m_arr, e_arr = np.asarray(m, float), np.asarray(e, float)
        if m_arr.shape != e_arr.shape and e_arr.size != 1:
            raise ValueError(f"claim {name}: measured has shape {m_arr.shape}, expected {e_arr.shape}")
        allowed = tol * (np.abs(e_arr) if rel else 1.0)
        dev = np.abs(m_arr - e_arr)
        passed = bool(np.all(np.isfinite(m_arr)) and np.all(dev <= allowed))
        relation = (f"expected {_fmt(e)} ± {_fmt(tol)}{' (relative)' if rel else ''} "
                    f"elementwise; largest deviation {_fmt(float(np.max(dev)))}")
    else:
        scale = abs(e) if rel else 1.0
        passed = math.isfinite(m) and abs(m - e) <= tol * scale
        relation = f"expected {_fmt(e)} ± {_fmt(tol * scale)}" + (f" ({_fmt(tol)} relative)" if rel else "")
    return _record(name, "close", what, m, e, tol, passed, relation)


def at_most(name: str, measured, bound, *, what: str, strict: bool = False):
    """``measured <= bound`` (``<`` with ``strict``): a one-sided bound, e.g. a theorem's inequality."""
    _check_name(name)
    m, b = _num(measured), _num(bound)
    m_arr, b_arr = np.asarray(m, float), np.asarray(b, float)
    ok = (m_arr < b_arr) if strict else (m_arr <= b_arr)
    passed = bool(np.all(np.isfinite(m_arr)) and np.all(ok))
    return _record(name, "at_most", what, m, b, None, passed, f"expected {'<' if strict else '≤'} {_fmt(b)}")


def at_least(name: str, measured, bound, *, what: str, strict: bool = False):
    """``measured >= bound`` (``>`` with ``strict``)."""
    _check_name(name)
    m, b = _num(measured), _num(bound)
    m_arr, b_arr = np.asarray(m, float), np.asarray(b, float)
    ok = (m_arr > b_arr) if strict else (m_arr >= b_arr)
    passed = bool(np.all(np.isfinite(m_arr)) and np.all(ok))
    return _record(name, "at_least", what, m, b, None, passed, f"expected {'>' if strict else '≥'} {_fmt(b)}")


def within(name: str, measured, low, high, *, what: str):
    """``low <= measured <= high``: a two-sided interval, e.g. an exponent's admissible range."""
    _check_name(name)
    m = _num(measured)
    m_arr = np.asarray(m, float)
    passed = bool(np.all(np.isfinite(m_arr)) and np.all((m_arr >= low) & (m_arr <= high)))
    return _record(name, "within", what, m, [float(low), float(high)], None, passed,
                   f"expected in [{_fmt(low)}, {_fmt(high)}]")


def ordered(name: str, values, *, what: str, labels=None, increasing: bool = True, margin=0.0):
    """``values`` increase (or decrease) along the list, each step by more than ``margin``.

    ``margin`` may be one number or one per step (e.g. a few standard errors of each difference).
    """
    _check_name(name)
    v = np.asarray(_num(values), float).ravel()
    if v.size < 2:
        raise ValueError(f"claim {name}: an ordering needs at least two values")
    steps = np.diff(v) if increasing else -np.diff(v)
    margins = np.broadcast_to(np.asarray(margin, float), steps.shape)
    passed = bool(np.all(np.isfinite(v)) and np.all(steps > margins))
    names = list(labels) if labels is not None else [str(i) for i in range(v.size)]
    sign = " < " if increasing else " > "
    relation = "expected " + sign.join(names)
    if np.any(margins > 0):
        relation += f" (each step by more than {_fmt(margins.tolist() if margins.size > 1 else float(margins[0]))})"
    return _record(name, "ordered", what, v.tolist(), "increasing" if increasing else "decreasing",
                   margins.tolist(), passed, relation)


def holds(name: str, condition: bool, *, what: str, measured=None, expected: str = "true"):
    """A claim that is a yes/no fact (e.g. an exact round trip); show ``measured`` beside it."""
    _check_name(name)
    shown = _num(measured) if isinstance(measured, (int, float, np.number)) or hasattr(measured, "detach") else measured
    return _record(name, "holds", what, shown, expected, None, bool(condition), f"expected {expected}")
