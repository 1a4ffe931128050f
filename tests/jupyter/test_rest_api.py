"""The REST API as a whole: its root, and its OpenAPI document, which describes exactly the
routes the extension mounts under the API prefix, is valid OpenAPI 3.1, and gives the
schemas real answers have (checked by calling every operation it lists)."""

from __future__ import annotations

import re
from typing import Any, get_args

import pytest
from jsonschema import Draft202012Validator
from jupyter_server.utils import url_path_join
from openapi_spec_validator import validate
from tornado.routing import PathMatches, Router
from tornado.web import RequestHandler
from tornado.websocket import WebSocketHandler

from mcp_workbench.jupyter.rest.schemas import PolicyAction, PolicyKind
from mcp_workbench.policy import ACTIONS, RESOURCE_KINDS
from tests.jupyter.rest_api import PREFIX, Api, Reply

METHODS = ("get", "post", "put", "patch", "delete")


@pytest.fixture
def api(jp_fetch: Any) -> Api:
    return Api(jp_fetch)


def _template(pattern: str) -> str:
    """A tornado route pattern as an OpenAPI path: ``(?P<name>...)`` becomes ``{name}``."""
    out: list[str] = []
    i = 0
    while i < len(pattern):
        if not pattern.startswith("(?P<", i):
            out.append(pattern[i])
            i += 1
            continue
        close = pattern.index(">", i)
        out.append("{" + pattern[i + 4 : close] + "}")
        depth, i = 1, close + 1
        while depth:
            char = pattern[i]
            if char == "\\":
                i += 2
                continue
            depth += {"(": 1, ")": -1}.get(char, 0)
            i += 1
    return "".join(out).removesuffix("$")


def _rules(router: Router) -> list[tuple[Any, Any]]:
    found = []
    for rule in router.rules:  # type: ignore[attr-defined]
        if hasattr(rule.target, "rules"):
            found.extend(_rules(rule.target))
        else:
            found.append((rule.matcher, rule.target))
    return found


def mounted_routes(serverapp: Any) -> dict[str, set[str]]:
    """Each HTTP route under the API prefix, as an OpenAPI path, with its methods."""
    root = url_path_join(serverapp.base_url, *PREFIX)
    routes: dict[str, set[str]] = {}
    for matcher, handler in _rules(serverapp.web_app.default_router):
        if not isinstance(matcher, PathMatches) or not isinstance(handler, type):
            continue
        pattern = matcher.regex.pattern
        # A WebSocket (the events socket) is not an HTTP API: OpenAPI cannot describe it.
        if not pattern.startswith(root) or issubclass(handler, WebSocketHandler):
            continue
        methods = {m for m in METHODS if getattr(handler, m) is not getattr(RequestHandler, m)}
        routes[_template(pattern.removeprefix(root))] = methods
    return routes


async def test_the_document_describes_every_mounted_route(api: Api, jp_serverapp: Any) -> None:
    reply = await api.get("openapi.json")
    assert reply.status == 200
    document = reply.body
    validate(document)  # OpenAPI 3.1, schemas included
    assert document["openapi"].startswith("3.1")
    assert document["servers"] == [{"url": "/a%40b/mcp-workbench/api/v1"}]

    documented = {path: set(item) for path, item in document["paths"].items()}
    mounted = mounted_routes(jp_serverapp)
    assert len(mounted) > 25
    assert mounted == documented

    for path, item in document["paths"].items():
        for method, operation in item.items():
            where = f"{method.upper()} {path}"
            assert operation["summary"], where
            names = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
            assert names == set(re.findall(r"\{(\w+)\}", path)), where
            headers = {p["name"] for p in operation.get("parameters", []) if p["in"] == "header"}
            if method in ("put", "patch", "delete"):
                assert "If-Match" in headers, where
                assert "409" in operation["responses"], where
            if "requestBody" in operation:
                assert {"400", "413"} <= set(operation["responses"]), where
            assert "403" in operation["responses"], where
            assert any(status.startswith("2") for status in operation["responses"]), where


def _path_regex(path: str, patterns: dict[str, str]) -> re.Pattern[str]:
    """What URL paths the OpenAPI ``path`` stands for, given its parameters' patterns."""
    regex = re.sub(r"\\\{(\w+)\\\}", lambda m: f"({patterns[m.group(1)]})", re.escape(path))
    return re.compile(f"^{regex}$")


class DocumentedApi:
    """Calls the API and checks each answer against the document: its status is one the
    operation lists, its body matches that status's schema, ETag is there when promised."""

    def __init__(self, api: Api, document: dict[str, Any]) -> None:
        self.api = api
        self.document = document
        self.seen: set[tuple[str, str]] = set()
        self.routes: list[tuple[re.Pattern[str], str]] = []
        for path, item in document["paths"].items():
            patterns = {
                p["name"]: p["schema"]["pattern"].removeprefix("^").removesuffix("$")
                for operation in item.values()
                for p in operation.get("parameters", [])
                if p["in"] == "path"
            }
            regex = _path_regex(path, patterns)
            self.routes.append((regex, path))

    def path_of(self, path: str) -> str:
        url = "/" + path.lstrip("/")
        matches = [template for regex, template in self.routes if regex.match(url)]
        assert len(matches) == 1, (path, matches)
        return matches[0]

    async def __call__(self, method: str, path: str, body: Any = None, **options: Any) -> Reply:
        reply = await self.api(method, path, body, **options)
        template = self.path_of(path)
        operation = self.document["paths"][template][method.lower()]
        where = f"{method} {template} -> {reply.status}"
        assert str(reply.status) in operation["responses"], (where, reply.body)
        answer = operation["responses"][str(reply.status)]
        content = answer.get("content")
        if content is None:
            assert reply.body is None, where
        else:
            schema = {
                **content["application/json"]["schema"],
                "components": self.document["components"],
            }
            errors = [e.message for e in Draft202012Validator(schema).iter_errors(reply.body)]
            assert not errors, (where, errors, reply.body)
        if "ETag" in answer.get("headers", {}):
            assert re.fullmatch(r'"\d+"', reply.etag or ""), where
        self.seen.add((template, method.lower()))
        return reply


async def test_every_operation_answers_as_documented(api: Api) -> None:
    index = await api.get("/")
    assert index.body["openapi"] == "/a%40b/mcp-workbench/api/v1/openapi.json"
    call = DocumentedApi(api, (await api.get("openapi.json")).body)
    await call("GET", "/")
    await call("GET", "openapi.json")

    await call("POST", "prompts", {"name": "p", "template": "Hi {{who}}", "labels": ["staging"]})
    await call("GET", "prompts")
    await call("GET", "prompts/p", params={"label": "staging"})
    await call("PATCH", "prompts/p", {"template": "Hello {{who}}"}, headers={"If-Match": '"1"'})
    conflict = await call("PATCH", "prompts/p", {"template": "x"}, headers={"If-Match": '"1"'})
    assert conflict.status == 409
    await call("GET", "prompts/p/versions")
    await call("PUT", "prompts/p/labels/production", {"version": 1})
    await call("DELETE", "prompts/p/labels/production")
    await call("POST", "prompts/p/render", {"arguments": {"who": "you"}})
    assert (await call("GET", "prompts/nope")).status == 404

    await call("PUT", "notes/a/one.md", {"body": "one [[two]]"})
    await call("PUT", "notes/a/one.md", {"body": "one [[two]], again"})
    await call("PUT", "notes/two.md", {"body": "two"})
    await call("GET", "notes")
    await call("GET", "notes/search", params={"q": "one"})
    await call("GET", "notes/a/one.md")
    await call("GET", "notes/two.md/backlinks")
    await call("POST", "notes/a/one.md/move", {"new_path": "b/one.md"})
    await call("DELETE", "notes/b/one.md")
    assert (await call("PUT", "notes/x.md", b"[", raw=b"[")).status == 400

    await call(
        "POST", "boards", {"title": "Work", "lanes": ["Todo", {"title": "Doing", "wip_limit": 2}]}
    )
    await call("GET", "boards")
    await call("PATCH", "boards/work", {"title": "Work!"})
    card = (await call("POST", "boards/work/cards", {"lane": "Todo", "title": "c"})).body["id"]
    await call("GET", f"cards/{card}")
    await call("PATCH", f"cards/{card}", {"done": True})
    await call("POST", f"cards/{card}/move", {"lane": "Doing"})
    await call("POST", f"cards/{card}/archive")
    await call("POST", f"cards/{card}/restore")
    await call("GET", "boards/work")

    await call("GET", "tools")
    await call("POST", "tools/add/call", {"numbers": [1, 2]})
    await call("POST", "tools/fail/call", {"message": "no"})
    await call("POST", "feedback", {"entity": "card", "entity_id": card, "score": 1})
    await call("GET", "feedback", params={"entity": "card", "entity_id": card})
    await call("GET", "sessions")
    await call("GET", "me")
    await call("GET", "audit", params={"limit": 5})
    await call("GET", "metrics")
    await call("GET", "policy")
    question = {"principal": "ann", "action": "write", "kind": "board", "name": "work"}
    await call("POST", "policy/explain", question)
    await call("DELETE", "prompts/p")
    assert (await call("GET", "vault")).body["enabled"] is False  # no vault folder here
    off = await call("POST", "vault/resolve", {"kind": "note", "id": "x", "keep": "vault"})
    assert off.status == 409

    every = {(path, method) for path, item in call.document["paths"].items() for method in item}
    assert call.seen == every


def test_policy_questions_name_the_policy_actions_and_kinds() -> None:
    # Spelt out in the API's schemas so that loading it does not load Cedar.
    assert get_args(PolicyAction) == ACTIONS
    assert set(get_args(PolicyKind)) == set(RESOURCE_KINDS)
