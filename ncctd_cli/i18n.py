"""The language ncctd speaks: Vietnamese first, English on request.

The current language is held in a :class:`contextvars.ContextVar`, not a module constant, so
that it is read when a message is worded (not when a module is imported), and so that
setting it affects only the code that asked: the CLI sets it from ``--lang`` for its own run,
and a library caller can word one piece of output in English with ``use_language("en")``
without changing it for the rest of the program. Until someone sets it, the language is the
``NCCTD_LANG`` environment variable's (anything starting with "en" is English), else
Vietnamese.

Threads started with :class:`threading.Thread` begin with a fresh context (the default
language); word messages where the output is made, or run the worker in
``contextvars.copy_context()``.

Imports nothing heavy: ``ncctd --help`` imports this module.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

VIETNAMESE = "vi"
ENGLISH = "en"
ENV_VAR = "NCCTD_LANG"

# None: not set in this context, so the environment decides (read when asked, so a test or a
# caller that changes NCCTD_LANG is followed).
_current: ContextVar[str | None] = ContextVar("ncctd_language", default=None)


def normalize(lang: str | None) -> str:
    """``"en"``, ``"EN"``, ``"en_US.UTF-8"`` → ``"en"``; anything else (``None`` too) → ``"vi"``.

    Lenient on purpose: ``NCCTD_LANG`` may hold a locale name, and Vietnamese is what the
    programme's users read."""
    return ENGLISH if (lang or "").strip().lower().startswith("en") else VIETNAMESE


def default_language() -> str:
    """The language when none was set: ``NCCTD_LANG``, else Vietnamese."""
    return normalize(os.environ.get(ENV_VAR))


def language() -> str:
    """The current language, ``"vi"`` or ``"en"``."""
    chosen = _current.get()
    return chosen if chosen is not None else default_language()


def set_language(lang: str | None) -> None:
    """Make ``lang`` the current language of this context (``None``: back to the default).

    The CLI calls it from the ``--lang`` option; a library caller that wants one passage in
    another language should prefer :func:`use_language`, which puts the old one back."""
    _current.set(None if lang is None else normalize(lang))


@contextmanager
def use_language(lang: str | None) -> Iterator[str]:
    """Word everything inside the ``with`` block in ``lang``; the language before it is
    restored on the way out, even on an exception. Yields the language in force."""
    token = _current.set(None if lang is None else normalize(lang))
    try:
        yield language()
    finally:
        _current.reset(token)


def tr(vi: str, en: str) -> str:
    """``vi`` or ``en``, whichever the current language is, chosen at call time.

    Call it where the message is made, not at import: a module-level ``tr()`` is fixed in the
    language of the moment the module was imported."""
    return en if language() == ENGLISH else vi
