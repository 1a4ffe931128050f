"""``/vault``: vault sync's state and the conflicts it keeps; resolving one (admin)."""

from __future__ import annotations

from jupyter_server.auth.decorator import authorized
from tornado import web

from mcp_workbench.errors import Conflict, InvalidInput, NotFound
from mcp_workbench.jupyter.rest.base import RestHandler, operation
from mcp_workbench.jupyter.rest.schemas import (
    VaultConflict,
    VaultProblem,
    VaultResolve,
    VaultStatus,
)
from mcp_workbench.jupyter.rest.spec import Route
from mcp_workbench.vault import VaultRunner
from vault_sync import EntityKind, NotConflicted, Side, UnreadableFile

__all__ = ["ROUTES"]

_SIDES: dict[str, Side] = {"vault": "vault", "store": "repository"}


class _VaultHandler(RestHandler):
    def runner(self) -> VaultRunner:
        runner = self.server.vault
        if runner is None:
            raise Conflict("this server does not sync a vault (see the vault_sync setting)")
        return runner

    async def status(self) -> VaultStatus:
        """The status this handler's server reports."""
        settings = self.server.settings
        runner = self.server.vault
        if runner is None:
            return VaultStatus(
                enabled=False,
                vault=str(settings.vault_path),
                folder=settings.vault_folder,
                ready=False,
                reconciled_at=None,
                last_sync_at=None,
                imported=0,
                exported=0,
                conflicts=[],
                problems=[],
            )
        status = runner.status
        bases = await runner.repository.list_bases()
        conflicts = [
            VaultConflict(
                kind=base.kind.value,
                id=base.entity_id,
                path=base.path,
                copy_path=base.conflict.path,
            )
            for base in sorted(bases, key=lambda b: b.path)
            if base.conflict is not None
        ]
        return VaultStatus(
            enabled=True,
            vault=status.vault,
            folder=status.folder,
            ready=runner.ready.is_set(),
            reconciled_at=status.reconciled_at,
            last_sync_at=status.last_sync_at,
            imported=status.imported,
            exported=status.exported,
            conflicts=conflicts,
            problems=[VaultProblem(path=p.path, reason=p.reason) for p in status.problems],
        )


class VaultHandler(_VaultHandler):
    """``/vault``"""

    @web.authenticated
    @authorized
    @operation(response=VaultStatus)
    async def get(self) -> VaultStatus:
        """Show vault sync's state

        The vault and its managed folder, whether the first reconcile is done, what was
        imported and exported since the server started, the items in conflict (each with
        its conflict copy) and the files left alone because they could not be read.
        """
        return await self.status()


class VaultResolveHandler(_VaultHandler):
    """``/vault/resolve``"""

    @web.authenticated
    @authorized
    @operation(body=VaultResolve, response=VaultStatus, admin=True, errors=(404, 409))
    async def post(self, *, body: VaultResolve) -> VaultStatus:
        """Resolve a conflict

        Keep the vault's version (``keep: vault``), the store's (``keep: store``), or give
        the whole merged file as ``text``; both sides then hold it and the conflict copy
        is removed (unless it was edited since). Answers the new status.
        """
        if (body.keep is None) == (body.text is None):
            raise InvalidInput("give exactly one of keep and text")
        runner = self.runner()
        kind = EntityKind(body.kind)
        entity_id = body.id
        if await runner.repository.get_base(kind, entity_id) is None:
            entity_id = await runner.repository.entity_id_of(kind, body.id)
        try:
            await runner.sync.resolve(
                kind,
                entity_id,
                keep=None if body.keep is None else _SIDES[body.keep],
                text=body.text,
            )
        except NotConflicted as exc:
            raise NotFound(str(exc)) from exc
        except UnreadableFile as exc:
            raise InvalidInput(str(exc)) from exc
        return await self.status()


ROUTES = [
    Route("/vault", VaultHandler),
    Route("/vault/resolve", VaultResolveHandler),
]
