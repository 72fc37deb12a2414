"""The generator that turns a solutions page into the student's exercises page."""
import sys
from pathlib import Path

import jupytext

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
import book  # noqa: E402

SOLUTION = '''---
jupytext:
  formats: md:myst,ipynb
  text_representation:
    extension: .md
    format_name: myst
    format_version: 0.13
kernelspec:
  display_name: Python 3
  language: python
  name: python3
---

# Solutions: A lecture

```{exercise-start} Derive
:label: t-ex-derive
```
Derive a bound like {eq}`t-eq-bound`, see {prf:ref}`the exercise <t-ex-derive>`.

$$ a \le b $$ (t-eq-bound)
```{exercise-end}
```

```{solution-start} t-ex-derive
:class: dropdown
```
<!-- BEGIN SOLUTION -->
The secret derivation.
<!-- END SOLUTION -->
```{solution-end}
```

```{exercise-start} Code
:label: t-ex-code
```
Write `f`.
```{exercise-end}
```

```{code-cell} ipython3
data = [1, 2, 3]
```

```{solution-start} t-ex-code
:class: dropdown
```

```{code-cell} ipython3
def f(x):
    # BEGIN SOLUTION
    return secret_formula(x)
    # END SOLUTION
```

```{solution-end}
```

```{code-cell} ipython3
check(f(data))
```

```{exercise-start} Top level
:label: t-ex-top
```
Compute `v`.
```{exercise-end}
```

```{code-cell} ipython3
# BEGIN SOLUTION
v = secret_value
# END SOLUTION
```

```{code-cell} ipython3
check(v)
```
'''


def _student():
    return book.student_notebook(SOLUTION, "t.md")


def test_solutions_never_leak():
    text = jupytext.writes(_student(), fmt="md:myst")
    for secret in ("secret", "BEGIN SOLUTION", "solution-start", "solution-end"):
        assert secret not in text
    assert "# Exercises: A lecture" in text and "Do not edit" in text
    assert book.STUB_PROSE in text and text.count(book.STUB_CODE) == 2


def test_labels_are_renamed_so_pages_can_coexist():
    text = jupytext.writes(_student(), fmt="md:myst")
    assert ":label: t-ex-code-student" in text and ":label: t-ex-code\n" not in text
    assert "$$ (t-eq-bound-student)" in text and "{eq}`t-eq-bound-student`" in text
    assert "{prf:ref}`the exercise <t-ex-derive-student>`" in text


def test_cells_that_depend_on_stubs_must_raise():
    code = [c for c in _student().cells if c.cell_type == "code"]
    tagged = [("raises-exception" in c.metadata.get("tags", [])) for c in code]
    # data cell (before the stub): runs; def f stub: defines fine; check(f): raises;
    # top-level stub: raises; check(v): raises
    assert tagged == [False, False, True, True, True]


def test_unbalanced_markers_are_reported():
    import pytest

    bad = SOLUTION.replace("    # END SOLUTION\n", "", 1)
    with pytest.raises(ValueError, match="unbalanced"):
        book.student_notebook(bad, "t.md")


def test_pairs_are_deterministic():
    assert book.pair_text(SOLUTION) == book.pair_text(SOLUTION)
