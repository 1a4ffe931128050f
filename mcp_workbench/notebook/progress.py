"""A progress bar for a running call: ipywidgets in a notebook, nothing elsewhere."""

from __future__ import annotations

from typing import Any

__all__ = ["ProgressBar", "in_notebook"]


def in_notebook() -> bool:
    """True inside a Jupyter kernel (where widgets display)."""
    try:
        from IPython import get_ipython  # noqa: PLC0415 - only where IPython runs
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and hasattr(shell, "kernel")


class ProgressBar:
    """Shown on the first progress notification, updated by the next ones."""

    def __init__(self, title: str) -> None:
        self.title = title
        self.widget: Any = None
        self.updates = 0

    def update(self, progress: float, total: float | None, message: str | None) -> None:
        """Show ``progress`` of ``total`` (of an unknown total: the count so far)."""
        import ipywidgets  # noqa: PLC0415 - widgets on demand
        from IPython.display import display  # noqa: PLC0415

        self.updates += 1
        if self.widget is None:
            self.bar = ipywidgets.FloatProgress(min=0.0, max=1.0, description=self.title)
            self.label = ipywidgets.Label()
            self.widget = ipywidgets.HBox([self.bar, self.label])
            display(self.widget)  # type: ignore[no-untyped-call]
        if total:
            self.bar.max = float(total)
            self.bar.value = min(float(progress), float(total))
        else:
            self.bar.max = max(float(progress), 1.0)
            self.bar.value = float(progress)
        shown = f"{progress:g}/{total:g}" if total else f"{progress:g}"
        self.label.value = f"{shown} {message}" if message else shown
