"""The registry: the live set of tools, prompts and resources one engine serves.

Items can be added and removed at run time; every change is announced to listeners (the
engine turns that into ``list_changed`` notifications). Lists are kept sorted by name so
pages and cursors are deterministic.
"""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import fnmatch
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, Generic, Literal, TypeVar

from mcp_workbench.errors import InvalidParams
from mcp_workbench.registry.items import Completer, Prompt, Tool
from mcp_workbench.registry.resources import Resource, ResourceTemplate, make_resource

__all__ = ["ChangeKind", "ItemKind", "Registry"]

ChangeKind = Literal["tools", "prompts", "resources"]
ItemKind = Literal["tool", "prompt", "resource", "template"]
"""What one registered item is (see :meth:`Registry.on_item_change`)."""
Listener = Callable[[ChangeKind], None]
F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")


_CURSOR_PREFIX = "after:"


def _encode_cursor(key: str) -> str:
    # The cursor names the last item of the page, so pages stay stable under inserts.
    return base64.urlsafe_b64encode((_CURSOR_PREFIX + key).encode()).decode("ascii")


def _decode_cursor(cursor: Any) -> str:
    if not isinstance(cursor, str):
        raise InvalidParams("Invalid cursor: must be a string")
    try:
        raw = base64.b64decode(cursor.encode("ascii"), altchars=b"-_", validate=True).decode()
    except (ValueError, UnicodeError):
        raise InvalidParams("Invalid cursor") from None
    if not raw.startswith(_CURSOR_PREFIX):
        raise InvalidParams("Invalid cursor")
    return raw[len(_CURSOR_PREFIX) :]


class _Collection(Generic[T]):
    """Items keyed and sorted by name, with a cached sorted view."""

    def __init__(self) -> None:
        self.items: dict[str, T] = {}
        self._sorted: list[tuple[str, T]] | None = None

    def put(self, key: str, item: T) -> None:
        self.items[key] = item
        self._sorted = None

    def pop(self, key: str) -> T | None:
        self._sorted = None
        return self.items.pop(key, None)

    def page(self, cursor: Any, size: int) -> tuple[list[T], str | None]:
        if self._sorted is None:
            self._sorted = sorted(self.items.items(), key=lambda kv: kv[0])
        entries = self._sorted
        start = 0
        if cursor is not None:
            after = _decode_cursor(cursor)
            start = next((i for i, (k, _) in enumerate(entries) if k > after), len(entries))
        chunk = entries[start : start + size]
        more = start + size < len(entries)
        return [v for _, v in chunk], (_encode_cursor(chunk[-1][0]) if more and chunk else None)


class Registry:
    """Tools, prompts, resources and templates, with namespaces and include/exclude filters.

    ``include``/``exclude`` are shell-style patterns (``kb.*``) on item names; an item that
    does not pass is not registered at all.
    """

    def __init__(
        self, *, include: Iterable[str] = (), exclude: Iterable[str] = (), page_size: int = 100
    ) -> None:
        self.include = list(include)
        self.exclude = list(exclude)
        self.page_size = page_size
        self._tools: _Collection[Tool] = _Collection()
        self._prompts: _Collection[Prompt] = _Collection()
        self._resources: _Collection[Resource] = _Collection()
        self._templates: _Collection[ResourceTemplate] = _Collection()
        self._listeners: list[Listener] = []
        self._held: set[ChangeKind] | None = None
        self._item_listeners: list[Callable[[ItemKind, str, bool], None]] = []
        self._update_listeners: list[Callable[[str], None]] = []
        self._prompt_resolvers: list[Callable[[str], Prompt | None]] = []

    # -- change notification -------------------------------------------------------------
    def on_change(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener(kind)`` after each change; returns a function that unsubscribes."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def _changed(self, kind: ChangeKind) -> None:
        if self._held is not None:
            self._held.add(kind)
            return
        for listener in list(self._listeners):
            listener(kind)

    def announce(self, kind: ChangeKind) -> None:
        """Tell listeners that the ``kind`` list changed, without changing an item here
        (a mirror whose source said so)."""
        self._changed(kind)

    @contextlib.contextmanager
    def batch(self) -> Iterator[None]:
        """Make many changes as one: listeners hear of each kind changed once, at the end
        (item listeners still hear of every item)."""
        if self._held is not None:  # already in a batch: it announces at its end
            yield
            return
        self._held = set()
        try:
            yield
        finally:
            held, self._held = self._held, None
            for kind in sorted(held):
                self._changed(kind)

    def on_item_change(self, listener: Callable[[ItemKind, str, bool], None]) -> Callable[[], None]:
        """Call ``listener(kind, key, removed)`` for each item added, replaced or removed
        (the key is a tool's or prompt's name, a resource's URI, a template's text)."""
        self._item_listeners.append(listener)
        return lambda: self._item_listeners.remove(listener)

    def _item(self, kind: ItemKind, key: str, removed: bool = False) -> None:
        for listener in list(self._item_listeners):
            listener(kind, key, removed)

    def on_resource_updated(self, listener: Callable[[str], None]) -> Callable[[], None]:
        """Call ``listener(uri)`` when a resource's content changes."""
        self._update_listeners.append(listener)
        return lambda: self._update_listeners.remove(listener)

    def resource_updated(self, uri: str) -> None:
        """Announce that the content at ``uri`` changed (subscribed clients are told)."""
        for listener in list(self._update_listeners):
            listener(uri)

    def allows(self, name: str) -> bool:
        """True when ``name`` passes the include/exclude filters."""
        if self.include and not any(fnmatch.fnmatchcase(name, p) for p in self.include):
            return False
        return not any(fnmatch.fnmatchcase(name, p) for p in self.exclude)

    # -- tools -------------------------------------------------------------------------------
    def add_tool(self, tool: Tool, *, namespace: str | None = None) -> Tool | None:
        """Register (or replace) a tool; returns it, or None when the filters keep it out."""
        if namespace:
            tool = tool.renamed(f"{namespace}.{tool.name}")
        if not self.allows(tool.name):
            return None
        self._tools.put(tool.name, tool)
        self._item("tool", tool.name)
        self._changed("tools")
        return tool

    def remove_tool(self, name: str) -> bool:
        """Unregister a tool; True if it was there."""
        if self._tools.pop(name) is None:
            return False
        self._item("tool", name, removed=True)
        self._changed("tools")
        return True

    def get_tool(self, name: str) -> Tool | None:
        """The tool called ``name``."""
        return self._tools.items.get(name)

    def tools_page(self, cursor: Any = None) -> tuple[list[Tool], str | None]:
        """One page of tools, sorted by name, and the cursor of the next page."""
        return self._tools.page(cursor, self.page_size)

    @property
    def tools(self) -> Mapping[str, Tool]:
        """All tools by name."""
        return self._tools.items

    def tool(self, name: str | None = None, **options: Any) -> Callable[[F], F]:
        """Decorator: register a function as a tool of this registry."""

        def register(fn: F) -> F:
            self.add_tool(Tool.from_function(fn, name=name, **options))
            return fn

        return register

    # -- prompts -----------------------------------------------------------------------------
    def add_prompt(self, prompt: Prompt, *, namespace: str | None = None) -> Prompt | None:
        """Register (or replace) a prompt."""
        if namespace:
            prompt = prompt.renamed(f"{namespace}.{prompt.name}")
        if not self.allows(prompt.name):
            return None
        self._prompts.put(prompt.name, prompt)
        self._item("prompt", prompt.name)
        self._changed("prompts")
        return prompt

    def remove_prompt(self, name: str) -> bool:
        """Unregister a prompt."""
        if self._prompts.pop(name) is None:
            return False
        self._item("prompt", name, removed=True)
        self._changed("prompts")
        return True

    def get_prompt(self, name: str) -> Prompt | None:
        """The prompt called ``name``, or one a resolver makes for that name."""
        found = self._prompts.items.get(name)
        if found is None:
            for resolve in self._prompt_resolvers:
                found = resolve(name)
                if found is not None:
                    break
        return found

    def add_prompt_resolver(self, resolve: Callable[[str], Prompt | None]) -> None:
        """Ask ``resolve(name)`` for prompts not registered under ``name`` (names that
        select a variant, such as ``review@production``); it returns None to pass."""
        self._prompt_resolvers.append(resolve)

    @property
    def prompts(self) -> Mapping[str, Prompt]:
        """All registered prompts by name."""
        return self._prompts.items

    @property
    def resources(self) -> Mapping[str, Resource]:
        """All concrete resources by URI."""
        return self._resources.items

    @property
    def templates(self) -> Mapping[str, ResourceTemplate]:
        """All resource templates by template text."""
        return self._templates.items

    def prompts_page(self, cursor: Any = None) -> tuple[list[Prompt], str | None]:
        """One page of prompts."""
        return self._prompts.page(cursor, self.page_size)

    def prompt(self, name: str | None = None, **options: Any) -> Callable[[F], F]:
        """Decorator: register a function as a prompt of this registry."""

        def register(fn: F) -> F:
            self.add_prompt(Prompt.from_function(fn, name=name, **options))
            return fn

        return register

    # -- resources ---------------------------------------------------------------------------
    def add_resource(
        self, item: Resource | ResourceTemplate, *, namespace: str | None = None
    ) -> Resource | ResourceTemplate | None:
        """Register (or replace) a resource or a resource template."""
        key = item.uri if isinstance(item, Resource) else item.uri_template
        if namespace:
            item = dataclasses.replace(item, name=f"{namespace}.{item.name}")
        if not self.allows(item.name):
            return None
        if isinstance(item, Resource):
            self._resources.put(key, item)
            self._item("resource", key)
        else:
            self._templates.put(key, item)
            self._item("template", key)
        self._changed("resources")
        return item

    def remove_resource(self, uri: str) -> bool:
        """Unregister a resource (by URI) or template (by template text)."""
        if self._resources.pop(uri) is not None:
            self._item("resource", uri, removed=True)
        elif self._templates.pop(uri) is not None:
            self._item("template", uri, removed=True)
        else:
            return False
        self._changed("resources")
        return True

    def resources_page(self, cursor: Any = None) -> tuple[list[Resource], str | None]:
        """One page of concrete resources, sorted by URI."""
        return self._resources.page(cursor, self.page_size)

    def templates_page(self, cursor: Any = None) -> tuple[list[ResourceTemplate], str | None]:
        """One page of resource templates."""
        return self._templates.page(cursor, self.page_size)

    def find_resource(self, uri: str) -> tuple[Resource | ResourceTemplate, dict[str, str]] | None:
        """The resource at ``uri``, or the first template matching it with its variables."""
        resource = self._resources.items.get(uri)
        if resource is not None:
            return resource, {}
        for template in self._templates.items.values():
            variables = template.template.match(uri)
            if variables is not None:
                return template, variables
        return None

    def get_template(self, uri_template: str) -> ResourceTemplate | None:
        """The template whose text is ``uri_template``."""
        return self._templates.items.get(uri_template)

    def resource(self, uri: str, **options: Any) -> Callable[[F], F]:
        """Decorator: register a function as a resource (or template, if ``uri`` has ``{}``)."""

        def register(fn: F) -> F:
            self.add_resource(make_resource(fn, uri, **options))
            return fn

        return register

    # -- completion --------------------------------------------------------------------------
    def completer(self, ref: Mapping[str, Any], argument: str) -> Completer | None:
        """The completer for ``argument`` of the prompt or template named by ``ref``.

        Raises:
            InvalidParams: the ref is malformed or names nothing registered.
        """
        kind = ref.get("type")
        if kind == "ref/prompt":
            prompt = self.get_prompt(str(ref.get("name")))
            if prompt is None:
                raise InvalidParams(f"Unknown prompt: {ref.get('name')}")
            return prompt.completers.get(argument)
        if kind == "ref/resource":
            uri = str(ref.get("uri"))
            template = self.get_template(uri)
            if template is not None:
                return template.completers.get(argument)
            if uri in self._resources.items:
                return None
            raise InvalidParams(f"Unknown resource: {uri}")
        raise InvalidParams(f"Invalid completion ref type: {kind!r}")
