"""One JSON-RPC connection from the proxy to an upstream server, over WebSocket or
Streamable HTTP: requests matched to their answers by our own ids, notifications and the
server's own requests handed to callbacks, and every waiting request failed with
:class:`LinkClosed` the moment the connection is lost."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import orjson
import tornado.httpclient
import tornado.websocket

__all__ = [
    "HttpLink",
    "Link",
    "LinkClosed",
    "UpstreamError",
    "WebSocketLink",
    "open_link",
]

NotificationHandler = Callable[[str, dict[str, Any]], None]
RequestHandler = Callable[[str, dict[str, Any]], Awaitable[dict[str, Any]]]


class LinkClosed(ConnectionError):
    """The connection to the upstream server is gone (or never came up)."""


class UpstreamError(Exception):
    """The upstream server answered a request with a JSON-RPC error."""

    def __init__(self, error: dict[str, Any]) -> None:
        self.code = int(error.get("code", -32603))
        self.message = str(error.get("message", "upstream error"))
        self.data = error.get("data")
        super().__init__(self.message)

    def to_json(self) -> dict[str, Any]:
        """The error object, as the upstream sent it."""
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.data is not None:
            body["data"] = self.data
        return body


class Link:
    """What both transports share: ids, waiting requests, dispatch, loss."""

    def __init__(self, on_notification: NotificationHandler, on_request: RequestHandler) -> None:
        self._on_notification = on_notification
        self._on_request = on_request
        self._ids = itertools.count(1)
        self._pending: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self.closed = asyncio.Event()
        self.reason = ""

    async def request(
        self, method: str, params: dict[str, Any] | None = None, *, within: float | None = None
    ) -> dict[str, Any]:
        """Send a request and wait for its result.

        Raises:
            UpstreamError: the server answered with an error.
            LinkClosed: the connection was lost before the answer came.
            TimeoutError: no answer within ``within`` seconds.
        """
        return await self.request_with_id(self.next_id(), method, params, within=within)

    async def notify(self, method: str, params: dict[str, Any]) -> None:
        """Send a notification (lost quietly when the connection is gone)."""
        if not self.closed.is_set():
            with contextlib.suppress(LinkClosed):
                await self._send({"jsonrpc": "2.0", "method": method, "params": params})

    def next_id(self) -> int:
        """Reserve the id of a request about to be sent with :meth:`request_with_id`."""
        return next(self._ids)

    async def request_with_id(
        self,
        rid: int,
        method: str,
        params: dict[str, Any] | None,
        *,
        within: float | None = None,
    ) -> dict[str, Any]:
        """:meth:`request` with an id reserved by :meth:`next_id` (so the caller can cancel
        the request by its id while it runs)."""
        if self.closed.is_set():
            raise LinkClosed(self.reason or "the upstream connection is closed")
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[rid] = future
        message: dict[str, Any] = {"jsonrpc": "2.0", "id": rid, "method": method}
        if params is not None:
            message["params"] = params
        try:
            await self._send(message)
            return await asyncio.wait_for(future, within)
        finally:
            self._pending.pop(rid, None)

    def dispatch(self, message: Any) -> None:
        """Route one message from the server."""
        if isinstance(message, list):
            for item in message:
                self.dispatch(item)
            return
        if not isinstance(message, dict):
            return
        method = message.get("method")
        if isinstance(method, str):
            params = message.get("params")
            params = params if isinstance(params, dict) else {}
            if "id" in message:
                self._spawn(self._answer(message["id"], method, params))
            else:
                self._on_notification(method, params)
            return
        future = self._pending.get(message.get("id"))  # type: ignore[arg-type]
        if future is None or future.done():
            return
        if "error" in message and isinstance(message["error"], dict):
            future.set_exception(UpstreamError(message["error"]))
        else:
            result = message.get("result")
            future.set_result(result if isinstance(result, dict) else {})

    async def _answer(self, rid: Any, method: str, params: dict[str, Any]) -> None:
        try:
            result = await self._on_request(method, params)
            reply: dict[str, Any] = {"jsonrpc": "2.0", "id": rid, "result": result}
        except UpstreamError as exc:
            reply = {"jsonrpc": "2.0", "id": rid, "error": exc.to_json()}
        except Exception as exc:
            reply = {"jsonrpc": "2.0", "id": rid, "error": {"code": -32603, "message": str(exc)}}
        with contextlib.suppress(LinkClosed):
            await self._send(reply)

    def _spawn(self, coro: Awaitable[None]) -> None:
        task: asyncio.Task[None] = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def lost(self, reason: str) -> None:
        """The connection is gone: fail every waiting request."""
        if self.closed.is_set():
            return
        self.reason = reason
        self.closed.set()
        for future in self._pending.values():
            if not future.done():
                future.set_exception(LinkClosed(reason))
        for task in self._tasks:
            task.cancel()

    async def _send(self, message: dict[str, Any]) -> None:
        raise NotImplementedError

    async def close(self) -> None:
        """Close the connection."""
        self.lost("closed by the proxy")


class WebSocketLink(Link):
    """One JSON-RPC message per text frame (subprotocol ``mcp``)."""

    def __init__(
        self,
        connection: tornado.websocket.WebSocketClientConnection,
        on_notification: NotificationHandler,
        on_request: RequestHandler,
    ) -> None:
        super().__init__(on_notification, on_request)
        self._connection = connection
        self._reader = asyncio.ensure_future(self._read())

    @classmethod
    async def connect(
        cls,
        url: str,
        headers: dict[str, str],
        on_notification: NotificationHandler,
        on_request: RequestHandler,
        *,
        within: float,
    ) -> WebSocketLink:
        """Open the WebSocket.

        Raises:
            LinkClosed: it could not be opened.
        """
        request = tornado.httpclient.HTTPRequest(
            url, headers=headers, connect_timeout=within, request_timeout=within
        )
        try:
            connection = await asyncio.wait_for(
                tornado.websocket.websocket_connect(
                    request, subprotocols=["mcp"], max_message_size=64 * 1024 * 1024
                ),
                within,
            )
        except (OSError, TimeoutError, tornado.httpclient.HTTPClientError) as exc:
            raise LinkClosed(f"cannot connect to {url}: {exc}") from exc
        return cls(connection, on_notification, on_request)

    async def _read(self) -> None:
        reason = "the upstream closed the connection"
        try:
            while True:
                raw = await self._connection.read_message()
                if raw is None:
                    break
                try:
                    self.dispatch(orjson.loads(raw))
                except orjson.JSONDecodeError:
                    continue
        except Exception as exc:  # a broken socket ends the link, whatever broke it
            reason = f"the upstream connection failed: {exc}"
        self.lost(reason)

    async def _send(self, message: dict[str, Any]) -> None:
        try:
            await self._connection.write_message(orjson.dumps(message).decode())
        except tornado.websocket.WebSocketClosedError as exc:
            self.lost("the upstream closed the connection")
            raise LinkClosed(self.reason) from exc

    async def close(self) -> None:
        self._connection.close()
        self.lost("closed by the proxy")
        self._reader.cancel()


class HttpLink(Link):
    """Streamable HTTP: each message is a POST; an answer comes as JSON or as an SSE
    stream (with the notifications and requests that belong to it); a GET stream carries
    the server's other messages."""

    def __init__(
        self,
        url: str,
        headers: dict[str, str],
        on_notification: NotificationHandler,
        on_request: RequestHandler,
        *,
        timeout: float,
    ) -> None:
        super().__init__(on_notification, on_request)
        self.url = url
        self._client = httpx.AsyncClient(
            headers={**headers, "Accept": "application/json, text/event-stream"},
            timeout=httpx.Timeout(timeout, read=None),
        )
        self._session_id: str | None = None
        self.protocol_version: str | None = None
        self._listener: asyncio.Task[None] | None = None

    def _headers(self) -> dict[str, str]:
        headers = {"Content-Type": "application/json"}
        if self._session_id:
            headers["Mcp-Session-Id"] = self._session_id
        if self.protocol_version:
            headers["MCP-Protocol-Version"] = self.protocol_version
        return headers

    async def _send(self, message: dict[str, Any]) -> None:
        if self.closed.is_set():
            raise LinkClosed(self.reason)
        if "method" in message and "id" in message:
            # The answer may take long (an SSE stream): read it in the background.
            started: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._spawn(self._exchange(message, started))
            await started
            return
        await self._exchange(message, None)

    async def _exchange(
        self, message: dict[str, Any], started: asyncio.Future[None] | None
    ) -> None:
        body = orjson.dumps(message)
        try:
            async with self._client.stream(
                "POST", self.url, content=body, headers=self._headers()
            ) as response:
                if started is not None and not started.done():
                    started.set_result(None)
                if response.status_code == 404 and self._session_id:
                    self.lost("the upstream forgot our session (it restarted)")
                    return
                if response.status_code >= 400:
                    detail = (await response.aread()).decode(errors="replace")[:200]
                    self._fail(message, response.status_code, detail)
                    return
                session = response.headers.get("mcp-session-id")
                if session:
                    self._session_id = session
                kind = response.headers.get("content-type", "")
                if kind.startswith("text/event-stream"):
                    async for data in _sse_data(response.aiter_lines()):
                        self._dispatch_text(data)
                elif kind.startswith("application/json"):
                    self._dispatch_text(await response.aread())
        except (httpx.TransportError, httpx.StreamError) as exc:
            if started is not None and not started.done():
                started.set_exception(LinkClosed(f"cannot reach {self.url}: {exc}"))
            self.lost(f"the upstream connection failed: {exc}")
            if started is None:
                raise LinkClosed(self.reason) from exc
        finally:
            if started is not None and not started.done():
                started.set_result(None)

    def _fail(self, message: dict[str, Any], status: int, detail: str) -> None:
        rid = message.get("id")
        if rid is None or "method" not in message:
            return
        try:
            error = orjson.loads(detail).get("error")
        except (orjson.JSONDecodeError, AttributeError):
            error = None
        if not isinstance(error, dict):
            error = {"code": -32603, "message": f"upstream HTTP {status}: {detail}"}
        self.dispatch({"jsonrpc": "2.0", "id": rid, "error": error})

    def _dispatch_text(self, data: bytes | str) -> None:
        try:
            self.dispatch(orjson.loads(data))
        except orjson.JSONDecodeError:
            return

    def listen(self) -> None:
        """Open the GET stream for messages not tied to a request (after the handshake)."""
        if self._listener is None:
            self._listener = asyncio.ensure_future(self._listen())

    async def _listen(self) -> None:
        headers = {k: v for k, v in self._headers().items() if k != "Content-Type"}
        try:
            async with self._client.stream("GET", self.url, headers=headers) as response:
                if response.status_code != 200:
                    return  # the server offers no such stream: nothing to listen to
                async for data in _sse_data(response.aiter_lines()):
                    self._dispatch_text(data)
        except (httpx.TransportError, httpx.StreamError) as exc:
            self.lost(f"the upstream connection failed: {exc}")
            return
        self.lost("the upstream closed its event stream")

    async def close(self) -> None:
        self.lost("closed by the proxy")
        if self._listener is not None:
            self._listener.cancel()
        if self._session_id:
            with contextlib.suppress(httpx.HTTPError):
                await self._client.delete(self.url, headers=self._headers(), timeout=2)
        await self._client.aclose()


async def _sse_data(lines: AsyncIterator[str]) -> AsyncIterator[str]:
    """The ``data`` of each server-sent event."""
    data: list[str] = []
    async for line in lines:
        if not line:
            if data:
                yield "\n".join(data)
                data = []
        elif line.startswith("data:"):
            data.append(line[5:].removeprefix(" "))
    if data:
        yield "\n".join(data)


async def open_link(
    url: str,
    token: str | None,
    on_notification: NotificationHandler,
    on_request: RequestHandler,
    *,
    within: float = 10.0,
) -> Link:
    """A link to ``url``: ``ws://``/``wss://`` for WebSocket, ``http://``/``https://`` for
    Streamable HTTP.

    Raises:
        LinkClosed: the server cannot be reached.
        ValueError: the URL's scheme is none of those.
    """
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if url.startswith(("ws://", "wss://")):
        return await WebSocketLink.connect(url, headers, on_notification, on_request, within=within)
    if url.startswith(("http://", "https://")):
        return HttpLink(url, headers, on_notification, on_request, timeout=within)
    raise ValueError(f"upstream URL must start with ws://, wss://, http:// or https://: {url}")
