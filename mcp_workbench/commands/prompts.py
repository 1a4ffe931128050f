"""``mcp-workbench prompts``: list, show, create, update, label, render and delete prompts."""

from __future__ import annotations

import argparse
import asyncio
from typing import TYPE_CHECKING

from mcp_workbench.commands.common import (
    actor,
    add_command,
    add_group,
    clip,
    emit,
    read_text,
    table,
    when,
)
from mcp_workbench.errors import InvalidInput

if TYPE_CHECKING:
    from mcp_workbench.commands.common import Subparsers
    from mcp_workbench.service import PromptInfo, PromptMessage, PromptVersion, Workbench

__all__ = ["add_parser"]


def _template_options(parser: argparse.ArgumentParser, *, required: bool) -> None:
    source = parser.add_mutually_exclusive_group(required=required)
    source.add_argument("--template", metavar="TEXT", help="the prompt text, with {{name}} slots")
    source.add_argument("--file", metavar="PATH", help="read the template from PATH ('-': stdin)")
    parser.add_argument("--description", metavar="TEXT", help="what the prompt is for")
    parser.add_argument(
        "--label",
        action="append",
        default=[],
        dest="labels",
        metavar="LABEL",
        help="point LABEL (production, staging...) at the new version; repeatable",
    )


def add_parser(sub: Subparsers) -> None:
    """Add ``prompts`` and its subcommands."""
    prompts = add_group(sub, "prompts", "versioned prompt templates in the store")

    add_command(prompts, "list", _list, "list prompts with their newest version and labels")

    show = add_command(prompts, "show", _show, "show one version of a prompt (default: newest)")
    show.add_argument("name")
    which = show.add_mutually_exclusive_group()
    which.add_argument("--label", metavar="LABEL", help="the version LABEL points at")
    which.add_argument("--version", type=int, metavar="N", help="version N")

    create = add_command(prompts, "create", _create, "create a prompt at version 1")
    create.add_argument("name")
    _template_options(create, required=True)

    update = add_command(prompts, "update", _update, "make a new version of a prompt")
    update.add_argument("name")
    update.add_argument(
        "--expected-version",
        type=int,
        metavar="N",
        help="refuse unless the newest version is N (guards against overwriting others' work)",
    )
    _template_options(update, required=False)
    update.add_argument("--message", default="", metavar="TEXT", help="what changed")

    label = add_command(prompts, "label", _label, "point a label at a version, or remove it")
    label.add_argument("name")
    label.add_argument("label")
    target = label.add_mutually_exclusive_group(required=True)
    target.add_argument("version", nargs="?", type=int, help="the version the label points at")
    target.add_argument("--remove", action="store_true", help="remove the label")

    render = add_command(prompts, "render", _render, "fill in a prompt's {{name}} slots")
    render.add_argument("name", help="NAME, NAME@LABEL or NAME@VERSION")
    render.add_argument(
        "--arg",
        action="append",
        default=[],
        dest="values",
        metavar="NAME=VALUE",
        type=_pair,
        help="a value for slot NAME; repeatable",
    )

    delete = add_command(prompts, "delete", _delete, "delete a prompt and all its versions")
    delete.add_argument("name")
    delete.add_argument("--expected-version", type=int, metavar="N")


def _pair(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {text!r}")
    return name, value


def _labels(labels: dict[str, int]) -> str:
    return ", ".join(f"{label}={version}" for label, version in labels.items() if label != "latest")


def _print_info_table(prompts: list[PromptInfo]) -> None:
    if not prompts:
        print("no prompts")
        return
    rows = [
        [p.name, f"v{p.latest}", _labels(p.labels) or "-", clip(p.description, 50)] for p in prompts
    ]
    print(table(["NAME", "LATEST", "LABELS", "DESCRIPTION"], rows))


def _print_messages(messages: list[PromptMessage]) -> None:
    alone = len(messages) == 1 and messages[0].role == "user"
    for message in messages:
        if not alone:
            print(f"[{message.role}]")
        print(message.text, end="" if message.text.endswith("\n") else "\n")


def _print_version(prompt: PromptVersion) -> None:
    labels = f"  ({', '.join(prompt.labels)})" if prompt.labels else ""
    print(f"{prompt.name} v{prompt.version}{labels}")
    if prompt.description:
        print(f"description: {prompt.description}")
    if prompt.arguments:
        names = [a.name if a.required else f"{a.name} (optional)" for a in prompt.arguments]
        print(f"arguments:   {', '.join(names)}")
    if prompt.message:
        print(f"message:     {prompt.message}")
    print(f"author:      {prompt.author}, {when(prompt.created_at)}")
    print()
    _print_messages(prompt.messages)


async def _template(args: argparse.Namespace) -> str | None:
    return await asyncio.to_thread(read_text, args.template, args.file)


async def _list(args: argparse.Namespace, wb: Workbench) -> int:
    prompts = await wb.prompts.list()
    return emit(args, prompts, lambda: _print_info_table(prompts))


async def _show(args: argparse.Namespace, wb: Workbench) -> int:
    prompt = await wb.prompts.get(args.name, label=args.label, version=args.version)
    return emit(args, prompt, lambda: _print_version(prompt))


async def _create(args: argparse.Namespace, wb: Workbench) -> int:
    prompt = await wb.prompts.create(
        args.name,
        template=await _template(args),
        description=args.description or "",
        labels=args.labels,
        actor=actor(),
    )
    return emit(args, prompt, lambda: print(f"created prompt {prompt.name} v{prompt.version}"))


async def _update(args: argparse.Namespace, wb: Workbench) -> int:
    template = await _template(args)
    if template is None and args.description is None:
        raise InvalidInput("nothing to change: give --template, --file or --description")
    prompt = await wb.prompts.update(
        args.name,
        expected_version=args.expected_version,
        template=template,
        description=args.description,
        message=args.message,
        labels=args.labels,
        actor=actor(),
    )
    return emit(args, prompt, lambda: print(f"prompt {prompt.name} is now at v{prompt.version}"))


async def _label(args: argparse.Namespace, wb: Workbench) -> int:
    version = None if args.remove else args.version
    info = await wb.prompts.set_label(args.name, args.label, version, actor=actor())

    def human() -> None:
        if version is None:
            print(f"removed label {args.label} from prompt {info.name}")
        else:
            print(f"prompt {info.name}: {args.label} -> v{version}")

    return emit(args, info, human)


async def _render(args: argparse.Namespace, wb: Workbench) -> int:
    prompt, messages = await wb.prompts.render(args.name, dict(args.values))
    result = {
        "name": prompt.name,
        "version": prompt.version,
        "messages": [m.model_dump(mode="json") for m in messages],
    }
    return emit(args, result, lambda: _print_messages(messages))


async def _delete(args: argparse.Namespace, wb: Workbench) -> int:
    await wb.prompts.delete(args.name, expected_version=args.expected_version, actor=actor())
    result = {"name": args.name, "deleted": True}
    return emit(args, result, lambda: print(f"deleted prompt {args.name}"))
