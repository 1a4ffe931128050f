"""``McpSession``: one MCP session over the workbench's WebSocket endpoint (``/mcp/ws``).

A lasting, two-way session: requests with timeouts and progress, ``notifications/cancelled``
when a request is given up, the server's notifications (``list_changed``), and requests
from the server (the calls of notebook functions). It runs on one event loop; the
notebook client keeps that loop in a thread of its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
import tornado.httpclient
import tornado.websocket

from mcp_workbench.__about__ import __version__
from mcp_workbench.errors import InternalError, MethodNotFound, WorkbenchError, jsonrpc_error
from mcp_workbench.jsonrpc import error_response, notification, request, result_response
from mcp_workbench.notebook.address import ServerAddress
from mcp_workbench.notebook.errors import CallTimeout, ConnectionFailed, error_from_jsonrpc

__all__ = ["PROTOCOL_VERSION", "McpSession", "Progress", "ProgressHandler", "ServerRequest"]

log = logging.getLogger("mcp_workbench.notebook")

PROTOCOL_VERSION = "2025-11-25"
"""The revision the client negotiates: a lasting session, with requests from the server."""

Progress = tuple[float, float | None, str | None]
"""``(progress, total, message)`` of one ``notifications/progress``."""
ProgressHandler = Callable[[float, float | None, str | None], None]
ServerRequest = Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]
NotificationHandler = Callable[[dict[str, Any]], None]


class McpSession:
    """An initialized MCP session with one server, over WebSocket."""

    def __init__(self, address: ServerAddress, *, client_name: str = "mcp-workbench-notebook"):
        self.address = address
        self.client_name = client_name
        self.server_info: dict[str, Any] = {}
        self.capabilities: dict[str, Any] = {}
        self._ws: tornado.websocket.WebSocketClientConnection | None = None
        self._ids = itertools.count(1)
        self._waiting: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._progress: dict[str, ProgressHandler] = {}
        self._handlers: dict[str, ServerRequest] = {}
        self._listeners: dict[str, list[NotificationHandler]] = {}
        self._served: dict[Any, asyncio.Task[None]] = {}
        self._reader: asyncio.Task[None] | None = None
        self._closed = asyncio.Event()
        self.close_reason: str | None = None

    # -- life --------------------------------------------------------------------------------
    async def connect(self, timeout: float = 30.0) -> None:  # noqa: ASYNC109
        """Open the WebSocket and run the ``initialize`` handshake.

        Raises:
            ConnectionFailed: the server cannot be reached or refuses the connection.
            CallTimeout: no answer within ``timeout`` seconds.
        """
        url = self.address.websocket_url
        req = tornado.httpclient.HTTPRequest(
            url, headers=self.address.headers, connect_timeout=timeout, request_timeout=timeout
        )
        try:
            self._ws = await tornado.websocket.websocket_connect(
                req, subprotocols=["mcp"], max_message_size=64 * 1024 * 1024
            )
        except tornado.httpclient.HTTPClientError as exc:
            hint = " (check the token)" if exc.code in (401, 403) else ""
            raise ConnectionFailed(f"{url} refused the connection: {exc}{hint}") from exc
        except (OSError, tornado.websocket.WebSocketError) as exc:
            raise ConnectionFailed(f"cannot reach {url}: {exc}") from exc
        self._reader = asyncio.create_task(self._read())
        try:
            result = await self.request(
                "initialize",
                {
                    "protocolVersion": PROTOCOL_VERSION,
                    "capabilities": {},
                    "clientInfo": {"name": self.client_name, "version": __version__},
                },
                timeout=timeout,
            )
        except BaseException:
            await self.close()
            raise
        self.server_info = result.get("serverInfo") or {}
        self.capabilities = result.get("capabilities") or {}
        await self.notify("notifications/initialized")

    @property
    def closed(self) -> bool:
        """True once the connection is gone."""
        return self._closed.is_set()

    async def wait_closed(self) -> None:
        """Return once the connection is gone."""
        await self._closed.wait()

    async def close(self) -> None:
        """Close the connection; requests still waiting fail with ``ConnectionFailed``."""
        if self._ws is not None:
            self._ws.close()
        if self._reader is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
        self._finish("the connection was closed")

    # -- what the server may send ------------------------------------------------------------
    def serve(self, method: str, handler: ServerRequest) -> None:
        """Answer the server's requests ``method`` with ``handler(params)``."""
        self._handlers[method] = handler

    def on_notification(self, method: str, handler: NotificationHandler) -> None:
        """Call ``handler(params)`` for each notification ``method`` from the server."""
        self._listeners.setdefault(method, []).append(handler)

    # -- requests ----------------------------------------------------------------------------
    async def notify(self, method: str, params: dict[str, Any] | None = None) -> None:
        """Send a notification (dropped once the connection is gone)."""
        await self._send(notification(method, params))

    async def request(
        self,
        method: str,
        params: dict[str, Any] | None = None,
        *,
        timeout: float | None = None,  # noqa: ASYNC109 - also cancels at the server
        on_progress: ProgressHandler | None = None,
    ) -> dict[str, Any]:
        """Send a request and return its result.

        A request that times out or whose caller is cancelled is cancelled at the server
        (``notifications/cancelled``).

        Raises:
            WorkbenchError: the server answered with an error (a subclass by its code).
            CallTimeout: no answer within ``timeout`` seconds.
            ConnectionFailed: the connection is gone or was lost meanwhile.
        """
        if self.closed or self._ws is None:
            raise ConnectionFailed(f"not connected to {self.address.url}: {self.close_reason}")
        rid = next(self._ids)
        body = dict(params or {})
        if on_progress is not None:
            token = f"p{rid}"
            body["_meta"] = {**body.get("_meta", {}), "progressToken": token}
            self._progress[token] = on_progress
        answer: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._waiting[rid] = answer
        try:
            await self._send(request(rid, method, body))
            async with asyncio.timeout(timeout):
                return await answer
        except TimeoutError:
            await self._cancel(rid, "timed out")
            raise CallTimeout(f"{method}: no answer within {timeout:g} s (cancelled)") from None
        except asyncio.CancelledError:
            await self._cancel(rid, "cancelled by the caller")
            raise
        finally:
            self._waiting.pop(rid, None)
            if on_progress is not None:
                self._progress.pop(f"p{rid}", None)

    async def _cancel(self, rid: int, reason: str) -> None:
        if not self.closed:
            with contextlib.suppress(Exception):
                await self.notify("notifications/cancelled", {"requestId": rid, "reason": reason})

    async def _send(self, message: dict[str, Any]) -> None:
        ws = self._ws
        if ws is None or self.closed:
            return
        try:
            await ws.write_message(orjson.dumps(message).decode())
        except tornado.websocket.WebSocketClosedError:
            self._finish("the connection was lost")

    # -- reading -----------------------------------------------------------------------------
    async def _read(self) -> None:
        assert self._ws is not None
        try:
            while (raw := await self._ws.read_message()) is not None:
                try:
                    message = orjson.loads(raw)
                except orjson.JSONDecodeError:
                    log.warning("ignoring a message that is not JSON")
                    continue
                if isinstance(message, dict):
                    self._dispatch(message)
        finally:
            code = getattr(self._ws, "close_code", None)
            reason = getattr(self._ws, "close_reason", None)
            detail = f" ({code}: {reason})" if code not in (None, 1000) else ""
            self._finish(f"the server closed the connection{detail}")

    def _dispatch(self, message: dict[str, Any]) -> None:
        method = message.get("method")
        if isinstance(method, str):
            if "id" in message:
                rid = message["id"]
                task = asyncio.create_task(self._answer(rid, method, message.get("params") or {}))
                self._served[rid] = task
                task.add_done_callback(lambda _: self._served.pop(rid, None))
            else:
                self._notified(method, message.get("params") or {})
            return
        answer = self._waiting.get(message.get("id"))  # type: ignore[arg-type]
        if answer is None or answer.done():
            return
        if "error" in message:
            answer.set_exception(error_from_jsonrpc(message["error"]))
        else:
            result = message.get("result")
            answer.set_result(result if isinstance(result, dict) else {})

    def _notified(self, method: str, params: dict[str, Any]) -> None:
        if method == "notifications/progress":
            handler = self._progress.get(str(params.get("progressToken")))
            if handler is not None:
                total, text = params.get("total"), params.get("message")
                handler(float(params.get("progress", 0)), total, text)
        elif method == "notifications/cancelled":
            task = self._served.get(params.get("requestId"))
            if task is not None:
                task.cancel()
        for listener in self._listeners.get(method, ()):
            try:
                listener(params)
            except Exception:
                log.exception("error in the handler of %s", method)

    async def _answer(self, rid: Any, method: str, params: dict[str, Any]) -> None:
        handler = self._handlers.get(method)
        if method == "ping":
            reply = result_response(rid, {})
        elif handler is None:
            reply = error_response(
                rid, jsonrpc_error(MethodNotFound(f"Method not found: {method}"))
            )
        else:
            try:
                reply = result_response(rid, await handler(params))
            except asyncio.CancelledError:
                return  # the server gave up: it expects no answer
            except WorkbenchError as exc:
                reply = error_response(rid, jsonrpc_error(exc))
            except Exception as exc:
                log.exception("error answering %s", method)
                reply = error_response(rid, jsonrpc_error(InternalError(f"{method} failed: {exc}")))
        await self._send(reply)

    def _finish(self, reason: str) -> None:
        if self._closed.is_set():
            return
        self.close_reason = reason
        self._closed.set()
        for answer in self._waiting.values():
            if not answer.done():
                answer.set_exception(ConnectionFailed(f"{self.address.url}: {reason}"))
        for task in list(self._served.values()):
            task.cancel()
