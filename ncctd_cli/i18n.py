"""The user's language (placeholder until the i18n branch lands: same names)."""

from __future__ import annotations

import contextlib
import contextvars
import os
from collections.abc import Iterator


def _from_env() -> str:
    return "en" if os.environ.get("NCCTD_LANG", "vi").strip().lower().startswith("en") else "vi"


_LANGUAGE: contextvars.ContextVar[str | None] = contextvars.ContextVar("ncctd_language", default=None)


def language() -> str:
    chosen = _LANGUAGE.get()
    return chosen if chosen is not None else _from_env()


def set_language(lang: str | None) -> None:
    _LANGUAGE.set(None if lang is None else ("en" if lang.lower().startswith("en") else "vi"))


@contextlib.contextmanager
def use_language(lang: str) -> Iterator[None]:
    token = _LANGUAGE.set("en" if lang.lower().startswith("en") else "vi")
    try:
        yield
    finally:
        _LANGUAGE.reset(token)


def tr(vi: str, en: str) -> str:
    return en if language() == "en" else vi
