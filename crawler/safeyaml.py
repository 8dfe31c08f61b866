"""A YAML loader for ``config.yaml`` that no file can hang or crash.

PyYAML's ``SafeLoader`` builds only plain types, but three inputs still hurt it:

* **alias bombs** ("billion laughs"): ``a: &a [x, x]``, ``b: &b [*a, *a]``, … load as a small
  graph of shared lists, and every later walk over it (``${ENV}`` interpolation, pydantic)
  expands it exponentially. :func:`load_config_yaml` measures the expanded size of the
  loaded document in linear time (shared nodes counted once per reference, memoised) and
  refuses more than :data:`MAX_NODES` nodes; it also refuses more than :data:`MAX_ALIASES`
  alias references in one file;
* **deep nesting** (``[[[[…]]]]`` 20,000 levels): PyYAML's composer recurses once per level
  (``RecursionError``). :class:`BoundedSafeLoader` stops at :data:`MAX_DEPTH` levels;
* **impossible dates** (``since: 2025-02-30``): PyYAML's timestamp constructor raises a bare
  ``ValueError``. Here such a scalar stays a string, so pydantic names the key.

Errors are :class:`yaml.YAMLError` subclasses (:class:`LimitError`) carrying the mark of the node.
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.composer import ComposerError
from yaml.constructor import SafeConstructor
from yaml.events import AliasEvent

#: Deepest nesting of mappings/sequences accepted (a real config needs about 6).
MAX_DEPTH = 100
#: Alias references (``*name``) accepted in one file.
MAX_ALIASES = 1000
#: Nodes of the document with every alias expanded (a 136-source config has about 3,000).
MAX_NODES = 200_000


class LimitError(ComposerError):
    """The YAML document exceeds :data:`MAX_DEPTH`, :data:`MAX_ALIASES` or :data:`MAX_NODES`."""


class BoundedSafeLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` with a nesting limit, an alias count limit and lenient timestamps."""

    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        self._depth = 0
        self._aliases = 0

    def compose_node(self, parent: Any, index: Any) -> Any:  # noqa: D102 - PyYAML hook
        if self.check_event(AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                ev = self.peek_event()
                raise LimitError(None, None, f"more than {MAX_ALIASES} aliases (*name) in one file", ev.start_mark)
            return super().compose_node(parent, index)
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                ev = self.peek_event()
                raise LimitError(None, None, f"nesting deeper than {MAX_DEPTH} levels", ev.start_mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_yaml_timestamp(self, node: Any) -> Any:  # noqa: D102 - PyYAML hook
        try:
            return SafeConstructor.construct_yaml_timestamp(self, node)
        except (ValueError, OverflowError):
            return self.construct_scalar(node)  # e.g. 2025-02-30: validation names the key


BoundedSafeLoader.add_constructor("tag:yaml.org,2002:timestamp", BoundedSafeLoader.construct_yaml_timestamp)


def expanded_size(doc: Any, limit: int = MAX_NODES) -> int:
    """Nodes in ``doc`` counting every shared (aliased) list/dict once per reference.

    Linear in the number of distinct containers (sizes are memoised by ``id``); stops
    counting past ``limit`` (returns a value above it).
    """
    memo: dict[int, int] = {}
    # Iterative post-order walk: no recursion however the graph is shaped.
    stack: list[tuple[Any, bool]] = [(doc, False)]
    while stack:
        node, children_done = stack.pop()
        if not isinstance(node, (list, dict)) or (id(node) in memo and not children_done):
            continue
        kids = list(node.values()) + list(node.keys()) if isinstance(node, dict) else node
        if children_done:
            total = 1
            for k in kids:
                total += memo.get(id(k), 1) if isinstance(k, (list, dict)) else 1
                if total > limit:
                    break
            memo[id(node)] = min(total, limit + 1)
            continue
        memo[id(node)] = limit + 1  # provisional: a cycle counts as too big
        stack.append((node, True))
        for k in kids:
            if isinstance(k, (list, dict)) and id(k) not in memo:
                stack.append((k, False))
    return memo.get(id(doc), 1)


def load_config_yaml(text: str) -> Any:
    """Parse ``text`` like ``yaml.safe_load`` within the limits above.

    Raises:
        yaml.YAMLError: syntax errors, or :class:`LimitError` for a document over a limit.
    """
    loader = BoundedSafeLoader(text)
    try:
        doc = loader.get_single_data()
    finally:
        loader.dispose()
    if expanded_size(doc) > MAX_NODES:
        raise LimitError(None, None, f"aliases expand to more than {MAX_NODES} values (an alias bomb?)", None)
    return doc
