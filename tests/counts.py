"""Counts that tests print in pytest's terminal summary (kills, fuzz cases, hostile files).

conftest.py registers the summary once for the whole run; a test calls :func:`report`.
"""

from __future__ import annotations

import pytest

LINES: list[str] = []


class _Summary:
    def pytest_terminal_summary(self, terminalreporter) -> None:
        if LINES:
            terminalreporter.section("robustness counts")
            for line in LINES:
                terminalreporter.write_line(line)


def report(line: str) -> None:
    """Print ``line`` in the terminal summary, at the end of the run."""
    LINES.append(line)


def register(config: pytest.Config) -> None:
    """Print the reported lines at the end of the run (once, however often it is called)."""
    if not config.pluginmanager.has_plugin("layerwise-counts"):
        config.pluginmanager.register(_Summary(), "layerwise-counts")
