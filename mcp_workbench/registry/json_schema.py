"""Validation of tool arguments against hand-written JSON Schemas (2020-12 by default).

Tools declared from type hints are validated by pydantic; a tool given an explicit
``input_schema`` is validated against that schema with ``jsonschema``. References are
resolved within the schema only: nothing is ever fetched from the network.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jsonschema import Draft202012Validator, validators
from jsonschema.exceptions import SchemaError

__all__ = ["ArgumentsSchema"]


class ArgumentsSchema:
    """A checked JSON Schema that validates tool arguments."""

    def __init__(self, schema: Mapping[str, Any]) -> None:
        """Raises:
        TypeError: the schema itself is invalid for its dialect.
        """
        cls = validators.validator_for(schema, default=Draft202012Validator)
        try:
            cls.check_schema(schema)
        except SchemaError as exc:
            raise TypeError(f"invalid input schema: {exc.message}") from None
        self._validator = cls(schema)

    def problems(self, arguments: Mapping[str, Any]) -> list[str]:
        """What is wrong with ``arguments``, one line per error; empty when they fit."""
        errors = sorted(self._validator.iter_errors(dict(arguments)), key=lambda e: list(e.path))
        return [f"{'.'.join(str(p) for p in e.path) or 'arguments'}: {e.message}" for e in errors]
