"""``Notifier``: change notifications (list_changed, resources/updated) fanned out to every
client that asked for them, legacy sessions and modern ``subscriptions/listen`` streams alike.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from mcp_workbench.engine.metrics import Metrics
from mcp_workbench.engine.session import Channel, Listener, Session
from mcp_workbench.jsonrpc import notification
from mcp_workbench.protocol.meta import SUBSCRIPTION_ID
from mcp_workbench.registry.registry import ChangeKind

__all__ = ["Notifier"]

log = logging.getLogger("mcp_workbench.engine")


class Notifier:
    """Sends change notifications to the sessions of one engine; safe to call from threads."""

    def __init__(self, sessions: set[Session], metrics: Metrics) -> None:
        self.sessions = sessions
        self.metrics = metrics
        self.loop: asyncio.AbstractEventLoop | None = None
        self._background: set[asyncio.Task[Any]] = set()

    def list_changed(self, kind: ChangeKind) -> None:
        """Tell clients that the list of ``kind`` changed."""
        self._schedule(self._broadcast_list_changed(kind))

    def resource_updated(self, uri: str) -> None:
        """Tell every client subscribed to ``uri`` that it changed."""
        self._schedule(self._broadcast_resource_updated(uri))

    def notify(self, wants: Callable[[Session], bool], method: str, params: dict[str, Any]) -> None:
        """Send the notification ``method`` to every connected session ``wants`` picks."""
        self._schedule(self._broadcast(wants, method, params))

    async def _broadcast(
        self, wants: Callable[[Session], bool], method: str, params: dict[str, Any]
    ) -> None:
        message = notification(method, params)
        for session in list(self.sessions):
            if session.channel is not None and wants(session):
                await self._send(session.channel, message, method)

    def _schedule(self, coro: Coroutine[Any, Any, None]) -> None:
        loop = self.loop
        if loop is None or loop.is_closed():
            coro.close()  # no client has connected yet: nobody to tell
            return
        try:
            running: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            self._spawn(coro)
        else:  # a change made from a worker thread (a sync tool) or another loop
            loop.call_soon_threadsafe(self._spawn, coro)

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.ensure_future(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    def shutdown(self) -> None:
        """Drop notifications still being sent."""
        for task in list(self._background):
            task.cancel()

    async def _broadcast_list_changed(self, kind: ChangeKind) -> None:
        method = f"notifications/{kind}/list_changed"
        for session in list(self.sessions):
            if session.revision is not None and session.channel is not None:
                await self._send(session.channel, notification(method), method)
            for listener in list(session.listeners.values()):
                if getattr(listener, kind):
                    tagged = notification(method, {"_meta": {SUBSCRIPTION_ID: listener.id}})
                    await self._send(listener.channel, tagged, method)

    async def _broadcast_resource_updated(self, uri: str) -> None:
        method = "notifications/resources/updated"
        for session in list(self.sessions):
            if uri in session.subscriptions and session.channel is not None:
                await self._send(session.channel, notification(method, {"uri": uri}), method)
            for listener in list(session.listeners.values()):
                if uri in listener.uris:
                    params = {"uri": uri, "_meta": {SUBSCRIPTION_ID: listener.id}}
                    await self._send(listener.channel, notification(method, params), method)

    async def _send(self, channel: Channel, message: dict[str, Any], method: str) -> None:
        if channel.closed:
            return
        try:
            await channel.send(message)
            self.metrics.notifications.labels(method).inc()
        except Exception:  # a broken client must not stop the fan-out to the others
            log.debug("dropping %s to a failed channel", method, exc_info=True)

    async def listen(self, session: Session, listener: Listener) -> None:
        """Keep a ``subscriptions/listen`` stream open until it is cancelled or closed."""
        if self.loop is None:
            self.loop = asyncio.get_running_loop()
        session.listeners[listener.id] = listener
        self.sessions.add(session)
        try:
            ack = {"_meta": {SUBSCRIPTION_ID: listener.id}, "notifications": listener.accepted()}
            await listener.channel.send(
                notification("notifications/subscriptions/acknowledged", ack)
            )
            await listener.done.wait()
        finally:
            session.listeners.pop(listener.id, None)
            if session.transport != "stdio" and not session.listeners and session.revision is None:
                self.sessions.discard(session)  # a stateless HTTP request's own session
