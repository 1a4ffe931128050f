"""The thin proxy: a local MCP server (our own engine, on stdio) whose catalog is the
mirror of one or more upstream workbench servers, and whose calls are forwarded to them.

Lists (``tools/list``, ``prompts/list``, ``resources/list``, templates) are answered from
the mirror, with the engine's paging, in whatever protocol revision the client speaks, also
while an upstream is down. ``tools/call``, ``prompts/get``, ``resources/read`` and
``completion/complete`` go to the upstream that holds the item (progress comes back,
cancellation goes up). Several upstreams are mounted under namespaces (``name.tool``).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import itertools
import logging
from collections import deque
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mcp_workbench.__about__ import __version__
from mcp_workbench.config import Settings
from mcp_workbench.engine import Engine
from mcp_workbench.engine.call import Call, InputRequired
from mcp_workbench.engine.engine import Handler
from mcp_workbench.engine.session import Session
from mcp_workbench.errors import InvalidParams, NotFound, ProtocolError, WorkbenchError
from mcp_workbench.protocol.meta import LOG_LEVELS, ON_BEHALF_OF
from mcp_workbench.proxy.link import UpstreamError
from mcp_workbench.proxy.mirror import Mirror, cache_file
from mcp_workbench.proxy.upstream import Backoff, Upstream, UpstreamUnavailable
from mcp_workbench.registry import (
    ChangeKind,
    InputRequest,
    Prompt,
    Registry,
    Resource,
    ResourceTemplate,
    Tool,
)
from mcp_workbench.registry.items import Target, describe
from mcp_workbench.registry.uri_template import UriTemplate

__all__ = ["UPSTREAM_UNAVAILABLE", "Mount", "Proxy"]

log = logging.getLogger("mcp_workbench.proxy")

UPSTREAM_UNAVAILABLE = -32003
"""The JSON-RPC error a forwarded request gets when its upstream is down or was lost."""


async def _not_here(**_: Any) -> None:  # pragma: no cover - forwarded, never run locally
    raise RuntimeError("a mirrored item runs upstream")


_RESOURCE_NOT_FOUND = -32002
"""What the upstream (a 2025-11-25 session) answers for an unknown resource."""
_CHANGE_KINDS: dict[str, ChangeKind] = {
    "tools": "tools",
    "prompts": "prompts",
    "resources": "resources",
    "resourceTemplates": "resources",
}
_LIST_METHODS = ("tools/list", "prompts/list", "resources/list", "resources/templates/list")
_REMOTE = Target.of(_not_here, structured_output=False)


@dataclass(slots=True)
class RemoteTool(Tool):
    """A tool of an upstream, described as the upstream describes it."""

    raw: dict[str, Any] = field(default_factory=dict)
    upstream: str = ""

    def descriptor(self, structured: bool = True) -> dict[str, Any]:
        return describe(structured, {**self.raw, "name": self.name})


@dataclass(slots=True)
class RemotePrompt(Prompt):
    """A prompt of an upstream."""

    raw: dict[str, Any] = field(default_factory=dict)
    upstream: str = ""

    def descriptor(self, structured: bool = True) -> dict[str, Any]:
        described = describe(structured, {**self.raw, "name": self.name})
        return {**described, "arguments": self.raw.get("arguments", [])}


@dataclass(slots=True)
class RemoteResource(Resource):
    """A resource of an upstream."""

    raw: dict[str, Any] = field(default_factory=dict)
    upstream: str = ""

    def descriptor(self, structured: bool = True) -> dict[str, Any]:
        return describe(structured, self.raw)


@dataclass(slots=True)
class RemoteTemplate(ResourceTemplate):
    """A resource template of an upstream."""

    raw: dict[str, Any] = field(default_factory=dict)
    upstream: str = ""

    def descriptor(self, structured: bool = True) -> dict[str, Any]:
        return describe(structured, self.raw)


Remote = RemoteTool | RemotePrompt | RemoteResource | RemoteTemplate


@dataclass(frozen=True, slots=True)
class _Kind:
    """One of the mirror's lists as registry items: how they are keyed, held and made."""

    listed: str
    """The mirror's list."""
    field: str
    """The descriptor's key (a name is put under the upstream's namespace)."""
    remote: type[Remote]
    held: Callable[[Registry], Mapping[str, Any]]
    add: Callable[[Registry, Any], object]
    remove: Callable[[Registry, str], object]
    make: Callable[[str, dict[str, Any], str], Remote]


_KINDS = (
    _Kind(
        "tools",
        "name",
        RemoteTool,
        lambda registry: registry.tools,
        Registry.add_tool,
        Registry.remove_tool,
        lambda name, raw, url: RemoteTool(
            name=name,
            target=_REMOTE,
            description=raw.get("description"),
            annotations=raw.get("annotations"),
            input_schema=raw.get("inputSchema") or {},
            raw=raw,
            upstream=url,
        ),
    ),
    _Kind(
        "prompts",
        "name",
        RemotePrompt,
        lambda registry: registry.prompts,
        Registry.add_prompt,
        Registry.remove_prompt,
        lambda name, raw, url: RemotePrompt(name=name, target=_REMOTE, raw=raw, upstream=url),
    ),
    _Kind(
        "resources",
        "uri",
        RemoteResource,
        lambda registry: registry.resources,
        Registry.add_resource,
        Registry.remove_resource,
        lambda uri, raw, url: RemoteResource(
            uri=uri, name=str(raw.get("name", uri)), target=_REMOTE, raw=raw, upstream=url
        ),
    ),
    _Kind(
        "resourceTemplates",
        "uriTemplate",
        RemoteTemplate,
        lambda registry: registry.templates,
        Registry.add_resource,
        Registry.remove_resource,
        lambda text, raw, url: RemoteTemplate(
            template=UriTemplate(text),  # ValueError: a template we cannot parse
            name=str(raw.get("name", text)),
            target=_REMOTE,
            raw=raw,
            upstream=url,
        ),
    ),
)


Ask = tuple[InputRequest, "asyncio.Future[dict[str, Any]]"]
"""What an upstream asks of the client during a request, and where the answer goes."""


@dataclass
class _Running:
    """A forwarded request in progress, and what its upstream asks of the client."""

    call: Call
    asks: deque[Ask] = field(default_factory=deque)
    wake: asyncio.Future[None] | None = None
    """Set when the upstream answers or asks something (made by whoever waits)."""

    def ask(self, asked: Ask) -> None:
        self.asks.append(asked)
        self.poke()

    def poke(self, *_: object) -> None:
        if self.wake is not None and not self.wake.done():
            self.wake.set_result(None)


@dataclass
class _Parked:
    """A modern client's forwarded request, waiting for the client to send it again with
    the answer the upstream asked for."""

    running: _Running
    task: asyncio.Task[dict[str, Any]]
    answer: asyncio.Future[dict[str, Any]]
    expiry: asyncio.TimerHandle | None = None


_PARKED_FOR = 300.0
"""Seconds a parked request waits for the client's answer before it is cancelled."""


@dataclass(frozen=True)
class Mount:
    """An upstream to mount: its URL, and its namespace when there are several."""

    url: str
    namespace: str | None = None


class Proxy:
    """The proxy's engine and its upstreams."""

    def __init__(
        self,
        mounts: list[Mount],
        token: str | None,
        *,
        settings: Settings | None = None,
        cache: Path | None = None,
        backoff: Backoff | None = None,
        heartbeat: float = 15.0,
        timeout: float = 10.0,
        call_wait: float = 0.0,
        first_sync_wait: float = 10.0,
    ) -> None:
        self.settings = settings or Settings(store=False, entry_points=False, builtin_tools=False)
        self.registry = Registry(page_size=self.settings.page_size)
        self.engine = Engine(self.registry, self.settings)
        self.call_wait = call_wait
        """Seconds a request waits for a down upstream before it fails."""
        self.first_sync_wait = first_sync_wait
        """Seconds a list waits for an upstream never synced (no disk cache) to sync."""
        self._active: list[_Running] = []
        self._parked: dict[str, _Parked] = {}
        self._keys = itertools.count(1)
        identity = hashlib.sha256((token or "").encode()).hexdigest()
        self.upstreams: list[Upstream] = []
        for mount in mounts:
            path = cache_file(cache, mount.url, identity) if cache is not None else None
            mirror = Mirror.load(path, mount.url) if path is not None else Mirror(mount.url)
            upstream = Upstream(
                mount.url,
                token,
                name=mount.namespace,
                mirror=mirror,
                cache=path,
                client_info={"name": "mcp-workbench-proxy", "version": __version__},
                on_catalog=self._catalog_changed,
                on_notification=self._notified,
                on_request=self._asked,
                backoff=backoff,
                heartbeat=heartbeat,
                timeout=timeout,
            )
            self.upstreams.append(upstream)
        for upstream in self.upstreams:
            self._mount(upstream)
        self._install()
        self._tasks: list[asyncio.Task[None]] = []
        self._background: set[asyncio.Task[None]] = set()

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self) -> None:
        """Start connecting to every upstream (in the background)."""
        self._tasks = [asyncio.ensure_future(u.run()) for u in self.upstreams]

    async def stop(self) -> None:
        """Close every upstream connection."""
        for upstream in self.upstreams:
            await upstream.stop()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        await self.engine.shutdown()

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.ensure_future(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    def status(self) -> list[dict[str, Any]]:
        """Each upstream's state, cached seq and last sync."""
        return [u.status() for u in self.upstreams]

    # -- the mirror as registry items --------------------------------------------------------
    def _catalog_changed(self, upstream: Upstream, lists: set[str]) -> None:
        with self.registry.batch():
            self._mount(upstream)
            for name in lists & _CHANGE_KINDS.keys():
                self.registry.announce(_CHANGE_KINDS[name])

    def _local(self, upstream: Upstream, name: str) -> str:
        return f"{upstream.name}.{name}" if upstream.name else name

    def _mount(self, upstream: Upstream) -> None:
        """Make the registry hold exactly the upstream's mirrored items (clients hear of
        each list that changed once)."""
        with self.registry.batch():
            self._mount_items(upstream)

    def _mount_items(self, upstream: Upstream) -> None:
        registry, url = self.registry, upstream.url
        for kind in _KINDS:
            wanted: dict[str, dict[str, Any]] = {}
            for raw in upstream.mirror.listed(kind.listed):
                key = raw.get(kind.field)
                if isinstance(key, str):
                    wanted[self._local(upstream, key) if kind.field == "name" else key] = raw
            held = kind.held(registry)
            for key, item in list(held.items()):
                if isinstance(item, kind.remote) and item.upstream == url and key not in wanted:
                    kind.remove(registry, key)
            for key, raw in wanted.items():
                item = held.get(key)
                if not isinstance(item, kind.remote) or item.raw != raw:
                    try:
                        kind.add(registry, kind.make(key, raw, url))
                    except ValueError as exc:  # an item our registry cannot hold
                        log.warning("%s: not mirroring %s %r: %s", url, kind.listed, key, exc)

    def _by_url(self, url: str) -> Upstream:
        return next(u for u in self.upstreams if u.url == url)

    def _owner_of(self, uri: str) -> Upstream | None:
        """The upstream holding the resource at ``uri`` (or a template matching it)."""
        found = self.registry.find_resource(uri)
        if found is not None and isinstance(found[0], RemoteResource | RemoteTemplate):
            return self._by_url(found[0].upstream)
        return self.upstreams[0] if len(self.upstreams) == 1 else None

    def _tool_owner(self, name: str) -> tuple[Upstream, str]:
        tool = self.registry.get_tool(name)
        if isinstance(tool, RemoteTool):
            return self._by_url(tool.upstream), str(tool.raw["name"])
        if len(self.upstreams) == 1:  # not mirrored yet (the upstream still syncing)
            return self.upstreams[0], name
        for upstream in self.upstreams:
            if upstream.name and name.startswith(upstream.name + "."):
                return upstream, name[len(upstream.name) + 1 :]
        raise InvalidParams(f"Unknown tool: {name}", data={"name": name})

    # -- requests ------------------------------------------------------------------------------
    def _install(self) -> None:
        engine = self.engine
        methods = engine._methods
        listen = methods["subscriptions/listen"]
        for list_method in _LIST_METHODS:
            engine.method(list_method)(self._after_first_sync(methods[list_method]))

        @engine.method("tools/call")
        async def call_tool(call: Call) -> dict[str, Any]:
            name = call.params.get("name")
            if not isinstance(name, str):
                raise InvalidParams("params.name is required and must be a string")
            upstream, remote = self._tool_owner(name)
            tool = self.registry.get_tool(name)
            annotations = (
                tool.raw.get("annotations") if isinstance(tool, RemoteTool) else None
            ) or {}
            params = {**_forwardable(call.params), "name": remote}
            result = await self._forward(
                call,
                upstream,
                "tools/call",
                params,
                retry=annotations.get("idempotentHint") is True,
            )
            if not call.revision.structured_output:
                result.pop("structuredContent", None)
            return result

        # A call needs the tool's annotations (is it idempotent?) from the first sync too.
        engine.method("tools/call")(self._after_first_sync(call_tool))

        @engine.method("prompts/get")
        async def get_prompt(call: Call) -> dict[str, Any]:
            name = call.params.get("name")
            if not isinstance(name, str):
                raise InvalidParams("params.name is required and must be a string")
            prompt = self.registry.get_prompt(name)
            if isinstance(prompt, RemotePrompt):
                upstream = self._by_url(prompt.upstream)
                name = str(prompt.raw["name"])
            elif len(self.upstreams) == 1:
                upstream = self.upstreams[0]
            else:
                raise InvalidParams(f"Unknown prompt: {name}", data={"name": name})
            params = {**_forwardable(call.params), "name": name}
            return await self._forward(call, upstream, "prompts/get", params)

        @engine.method("resources/read")
        async def read_resource(call: Call) -> dict[str, Any]:
            uri = call.params.get("uri")
            if not isinstance(uri, str):
                raise InvalidParams("params.uri is required and must be a string")
            upstream = self._owner_of(uri)
            if upstream is None:
                raise NotFound(f"Resource not found: {uri}", data={"uri": uri})
            return await self._forward(call, upstream, "resources/read", _forwardable(call.params))

        @engine.method("completion/complete")
        async def complete(call: Call) -> dict[str, Any]:
            ref = call.params.get("ref")
            upstream: Upstream | None = self.upstreams[0] if len(self.upstreams) == 1 else None
            params = _forwardable(call.params)
            if isinstance(ref, dict) and ref.get("type") == "ref/prompt":
                prompt = self.registry.get_prompt(str(ref.get("name")))
                if isinstance(prompt, RemotePrompt):
                    upstream = self._by_url(prompt.upstream)
                    params["ref"] = {**ref, "name": prompt.raw["name"]}
            elif isinstance(ref, dict) and isinstance(ref.get("uri"), str):
                upstream = self._owner_of(str(ref["uri"])) or upstream
            if upstream is None:
                return {"completion": {"values": [], "hasMore": False}}
            return await self._forward(call, upstream, "completion/complete", params)

        @engine.method("resources/subscribe")
        async def subscribe(call: Call) -> dict[str, Any]:
            uri = call.params.get("uri")
            if not isinstance(uri, str):
                raise InvalidParams("params.uri is required and must be a string")
            call.session.subscriptions.add(uri)
            await self._subscribe_upstream(uri)
            return {}

        @engine.method("subscriptions/listen")
        async def listen_and_subscribe(call: Call) -> dict[str, Any]:
            wanted = call.params.get("notifications")
            uris = wanted.get("resourceSubscriptions") if isinstance(wanted, dict) else None
            for uri in uris if isinstance(uris, list) else []:
                if isinstance(uri, str):
                    await self._subscribe_upstream(uri)
            return await listen(call)  # open until the client ends the subscription

    def _after_first_sync(self, handler: Handler) -> Handler:
        """``handler``, once every upstream's mirror holds something (from the disk cache or
        a first sync), or ``first_sync_wait`` seconds passed: a proxy started with no cache
        does not answer its first lists with nothing."""

        async def listed(call: Call) -> dict[str, Any]:
            waiting = [u for u in self.upstreams if u.mirror.synced_at is None]
            if waiting:
                await asyncio.wait(
                    [asyncio.ensure_future(u.wait_synced()) for u in waiting],
                    timeout=self.first_sync_wait,
                )
            return await handler(call)

        return listed

    async def _subscribe_upstream(self, uri: str) -> None:
        upstream = self._owner_of(uri)
        if upstream is None or uri in upstream.subscriptions:
            return
        upstream.subscriptions.add(uri)
        if upstream.link is not None:
            with contextlib.suppress(Exception):
                await upstream.link.request("resources/subscribe", {"uri": uri}, within=5)

    async def _forward(
        self,
        call: Call,
        upstream: Upstream,
        method: str,
        params: dict[str, Any],
        *,
        retry: bool = False,
    ) -> dict[str, Any]:
        """Send ``call`` upstream and answer it; what the upstream asks meanwhile is asked
        of the client (a modern client answers by sending the request again, MRTR: the
        upstream request waits, parked, for that)."""
        resumed = self._resume(call)
        if resumed is not None:
            running, task = resumed
        else:
            running = _Running(call)
            if not call.revision.modern:  # the upstream serves it as for this client
                behalf = {
                    "protocolVersion": call.revision.version,
                    "capabilities": call.client_capabilities,
                }
                params = {**params, "_meta": {ON_BEHALF_OF: behalf}}
            task = asyncio.ensure_future(self._send(upstream, running, method, params, retry))
        self._active.append(running)
        try:
            return await self._drive(running, task)
        finally:
            self._active.remove(running)

    async def _send(
        self,
        upstream: Upstream,
        running: _Running,
        method: str,
        params: dict[str, Any],
        retry: bool,
    ) -> dict[str, Any]:
        async def report(update: dict[str, Any]) -> None:
            total, message = update.get("total"), update.get("message")
            await running.call.progress(float(update.get("progress", 0)), total, message)

        def progress(update: dict[str, Any]) -> None:
            self._spawn(report(update))

        try:
            result = await upstream.forward(
                method,
                params,
                on_progress=progress if running.call.progress_token is not None else None,
                retry=retry,
                wait=self.call_wait,
            )
            await upstream.settled()
            return result
        except UpstreamUnavailable as exc:
            raise ProtocolError(
                str(exc),
                code=UPSTREAM_UNAVAILABLE,
                data={"upstream": upstream.url, "retried": retry},
            ) from None
        except UpstreamError as exc:
            if exc.code == _RESOURCE_NOT_FOUND:  # the code depends on the client's revision
                raise NotFound(exc.message, data=exc.data) from None
            raise ProtocolError(exc.message, code=exc.code, data=exc.data) from None

    async def _drive(self, running: _Running, task: asyncio.Task[dict[str, Any]]) -> dict[str, Any]:
        """Wait for the upstream's answer, asking the client what the upstream asks."""
        task.add_done_callback(running.poke)
        try:
            while True:
                if task.done():
                    return task.result()
                if not running.asks:
                    running.wake = asyncio.get_running_loop().create_future()
                    await running.wake
                    continue
                request, answer = running.asks.popleft()
                key = f"upstream-{next(self._keys)}"
                try:
                    answers = await running.call.ask({key: request})
                except InputRequired:
                    self._park(key, _Parked(running, task, answer))
                    raise
                except ProtocolError:  # e.g. the client lacks the capability: as direct
                    answer.cancel()
                    task.cancel()
                    raise
                except WorkbenchError as exc:
                    answer.set_exception(UpstreamError({"code": -32603, "message": exc.message}))
                else:
                    answer.set_result(answers[key])
        except asyncio.CancelledError:
            if not any(p.task is task for p in self._parked.values()):
                task.cancel()
            raise

    def _park(self, key: str, parked: _Parked) -> None:
        loop = asyncio.get_running_loop()
        parked.expiry = loop.call_later(_PARKED_FOR, self._expire, key)
        self._parked[key] = parked

    def _expire(self, key: str) -> None:
        parked = self._parked.pop(key, None)
        if parked is not None:
            parked.answer.cancel()
            parked.task.cancel()

    def _resume(self, call: Call) -> tuple[_Running, asyncio.Task[dict[str, Any]]] | None:
        """The parked upstream request ``call`` (a modern client's retry) answers."""
        for key, answer in call.input_responses.items():
            parked = self._parked.pop(key, None)
            if parked is None:
                continue
            if parked.expiry is not None:
                parked.expiry.cancel()
            parked.running.call = call
            if not parked.answer.done():
                parked.answer.set_result(answer)
            return parked.running, parked.task
        return None

    # -- what upstreams send -------------------------------------------------------------------
    def _notified(self, method: str, params: dict[str, Any]) -> None:
        if method == "notifications/progress":
            for upstream in self.upstreams:
                if upstream.progress(params):
                    return
        elif method == "notifications/resources/updated":
            uri = params.get("uri")
            if isinstance(uri, str):
                self.registry.resource_updated(uri)
        elif method == "notifications/message":
            self._log(params)

    def _log(self, params: dict[str, Any]) -> None:
        """An upstream log message: to the call running (it applies the level its client
        asked for, in either era), else to every legacy session that wants that level."""
        level, data, logger = params.get("level"), params.get("data"), params.get("logger")
        if level not in LOG_LEVELS:
            return
        if self._active:
            self._spawn(self._active[-1].call.log(level, data, logger))
            return

        def wants(session: Session) -> bool:
            threshold = session.log_level
            legacy = session.revision is not None and not session.revision.modern
            return legacy and (threshold is None or LOG_LEVELS[level] >= LOG_LEVELS[threshold])

        self.engine.notifier.notify(wants, "notifications/message", params)

    async def _asked(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        """A request from an upstream (elicitation, sampling, roots, ping): asked of the
        client through the call that is running (the newest one, when several are)."""
        if method == "ping":
            return {}
        if not self._active:
            if method == "roots/list":
                return {"roots": []}
            raise UpstreamError({"code": -32603, "message": "no client request is running"})
        answer: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._active[-1].ask(({"method": method, "params": params}, answer))
        try:
            return await answer
        except asyncio.CancelledError:
            raise UpstreamError({"code": -32603, "message": "the request was abandoned"}) from None


def _forwardable(params: dict[str, Any]) -> dict[str, Any]:
    """The params to send upstream: the client's ``_meta`` (its progress token, modern
    revision fields) stays here."""
    return {k: v for k, v in params.items() if k != "_meta"}
