"""docs/model.md's deployment snippets parse (issue 14, finding 6: the `create_model` call did not)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from concert_tools.model.reporting import DEPLOYING

ROOT = Path(__file__).resolve().parents[3]
BLOCK = re.compile(r"```python\n(.*?)```", re.DOTALL)


@pytest.mark.parametrize("source", ["docs/model.md", "reporting.DEPLOYING"])
def test_every_python_snippet_parses(source):
    text = (ROOT / source).read_text() if source.endswith(".md") else DEPLOYING
    blocks = BLOCK.findall(text)
    assert any("create_model(" in block for block in blocks)
    for block in blocks:
        ast.parse(block)  # raises SyntaxError naming the line
