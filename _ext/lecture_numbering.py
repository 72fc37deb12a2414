"""Number theorems, exercises, figures and tables by lecture: "Theorem 30.2", "Exercise 1.3".

Without a numbered table of contents Sphinx numbers every enumerable item (sphinx-proof
theorems, sphinx-exercise exercises, figures) consecutively through the whole book, so the
first theorem of lecture 30 would be "Theorem 14" and the exercises page and the solutions page
of one lecture would number the same exercises differently. This extension renumbers each page
of lectures/, exercises/ and solutions/ after Sphinx has assigned its numbers: items keep their
order within the page and get the lecture number NN of the page's name NN_slug as a prefix.
"""
import re

PAGE = re.compile(r"^(?:lectures|exercises|solutions)/(\d+)_")


def renumber(app, env):
    for docname, by_type in env.toc_fignumbers.items():
        m = PAGE.match(docname)
        if not m:
            continue
        lecture = int(m.group(1))
        for figtype, numbers in by_type.items():
            ordered = sorted(numbers.items(), key=lambda item: item[1])
            by_type[figtype] = {node_id: (lecture, i) for i, (node_id, _) in enumerate(ordered, 1)}
    return []


def setup(app):
    # after TocTreeCollector.assign_figure_numbers, which also listens to env-get-updated
    app.connect("env-get-updated", renumber, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1.0"}
