"""What a settings validation error says to the user: one sentence naming the variable and what it accepts."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, get_args

from pydantic.fields import FieldInfo
from pydantic_core import ErrorDetails

from i18n import Message, message

_FIELD_CODES = {
    "follow_up": "settings.follow_up",
    "retrieval": "settings.retrieval",
    "embedding_precision": "settings.precision",
    "vector_store": "settings.vector_store",
}


def _field_of(error: ErrorDetails, fields: Mapping[str, FieldInfo]) -> str:
    key = str(error["loc"][0])
    if key in fields:
        return key
    return next(name for name, field in fields.items() if field.validation_alias == key)


def explain(error: ErrorDetails, values: Mapping[str, Any], fields: Mapping[str, FieldInfo]) -> Message:
    """One sentence for one validation error of the settings model whose `fields` are given: the variable, what it
    accepts, and the value as written (never a key's)."""
    name = _field_of(error, fields)
    field = fields[name]
    params: dict[str, Any] = {"variable": str(field.validation_alias)}
    if field.repr is False:
        if error["type"] == "string_pattern_mismatch":
            return message("settings.key_format", **params)
        return message("settings.invalid", problem=error["msg"], **params)
    value = values.get(name, error.get("input"))
    kind = error["type"]
    limits = error.get("ctx") or {}
    if name == "min_top_cosine":
        return message("settings.min_top_cosine", value=value)
    if kind == "literal_error":
        choices = ", ".join(f"`{choice}`" for choice in get_args(field.annotation))
        return message(_FIELD_CODES.get(name, "settings.choice"), choices=choices, value=value, **params)
    if kind in ("int_parsing", "int_from_float"):
        return message("settings.not_a_whole_number", value=value, **params)
    if kind == "float_parsing":
        return message("not_a_number", raw=value, **params)
    if kind == "bool_parsing":
        return message("settings.not_a_flag", value=value, **params)
    if kind == "greater_than":
        return message("settings.greater_than", limit=limits["gt"], value=value, **params)
    if kind == "greater_than_equal":
        return message("settings.at_least", limit=limits["ge"], value=value, **params)
    return message("settings.invalid", problem=error["msg"], **params)
