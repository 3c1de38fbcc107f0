"""Help, usage and errors that follow ``--lang``, wherever it stands on the command line.

Three things stand in the way of a plain ``tr()``, and this module deals with each:

* Help texts are written with ``tr(vi, en)`` in decorators, so they are worded when the command
  module is imported — before the subcommand's own ``--lang`` has been read
  (``ncctd ingest --help --lang en``). :func:`tr` here remembers each (vi, en) pair it is asked
  for; :class:`WordedCommand` re-words its help, its options' help and metavars, from either
  language to the current one, only while the help is being formatted.
* Click processes eager options in command-line order, so ``--help --lang en`` would print the
  help before ``--lang`` is read, and an error met while parsing (``--bogus --lang en``) is
  worded before any option is processed. :meth:`WordedCommand.parse_args` therefore reads
  ``--lang`` first, with click's own parser told to skip what it does not know, and hands the
  value to the ``--lang`` option itself (type check and callback), before the real parse.
* Click's own words: :mod:`ncctd_cli.click_vi`, installed when a command's ``main`` runs.

``main`` also runs the command in a copy of the caller's :mod:`contextvars` context, so the
language set by ``--lang`` lasts for that run only (tests run many in one process).
"""

from __future__ import annotations

import contextvars
import inspect
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import click

from .. import click_vi, i18n

#: The name of the global ``--lang`` option's parameter (see ``common.global_options``).
LANG_PARAM = "lang"

# Every text tr() gave while commands were being defined (and parsed), in either language →
# its (vi, en) pair; also under the form click stores an option's help in
# (``inspect.cleandoc``). Not while a command runs: its messages (a line per commune…) are
# worded once, in the run's language, and need not be remembered. Library code uses
# ncctd_cli.i18n.tr, which remembers nothing.
_PAIRS: dict[str, tuple[str, str]] = {}
_running: contextvars.ContextVar[bool] = contextvars.ContextVar("ncctd_command_running", default=False)


def tr(vi: str, en: str) -> str:
    """:func:`ncctd_cli.i18n.tr` that also remembers the pair, so that a help text worded at
    import can be shown in the language the user asked for later on the command line."""
    if not _running.get():
        pair = (vi, en)
        for text in pair:
            _PAIRS[text] = pair
            cleaned = inspect.cleandoc(text)
            if cleaned != text:
                _PAIRS[cleaned] = pair
    return i18n.tr(vi, en)


def reword(text: str | None) -> str | None:
    """A text :func:`tr` gave (in either language) in the current language; any other text
    as it is."""
    if not text:
        return text
    pair = _PAIRS.get(text)
    return text if pair is None else i18n.tr(*pair)


@contextmanager
def _swapped(changes: Sequence[tuple[object, str, object]]) -> Iterator[None]:
    """Set each ``(obj, attribute, value)`` for the duration of the block, then put the old
    values back: the command objects are shared by every run in the process."""
    saved: list[tuple[object, str, object]] = []
    try:
        for obj, name, value in changes:
            old = getattr(obj, name)
            if value != old:
                saved.append((obj, name, old))
                setattr(obj, name, value)
        yield
    finally:
        for obj, name, old in reversed(saved):
            setattr(obj, name, old)


def _option_metavar(param: click.Parameter, ctx: click.Context) -> str | None:
    """A parameter's placeholder in the current language: our own (``tr("NGÀY", "DATE")``)
    or, for an option, click's type-made one (``FILE``, ``INTEGER RANGE``); None: as it is."""
    if param.metavar is not None:
        return reword(param.metavar)
    if not isinstance(param, click.Option) or param.is_flag or param.count:
        return None
    try:
        made = param.make_metavar(ctx)
    except TypeError:  # click 8.1: no ctx
        made = param.make_metavar()  # type: ignore[call-arg]
    worded = click_vi.metavar(made)
    return worded if worded != made else None


class WordedCommand(click.Command):
    """A click command whose help, usage line and messages are in the language of ``--lang``
    (or ``NCCTD_LANG``), wherever ``--lang`` is given."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        click_vi.install()
        return contextvars.copy_context().run(super().main, *args, **kwargs)

    def invoke(self, ctx: click.Context) -> Any:
        if isinstance(self, click.Group):  # its subcommands are looked up (imported) in there
            return super().invoke(ctx)
        token = _running.set(True)
        try:
            return super().invoke(ctx)
        finally:
            _running.reset(token)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        self._read_language_first(ctx, args)
        return super().parse_args(ctx, args)

    def _read_language_first(self, ctx: click.Context, args: list[str]) -> None:
        """Process this command's ``--lang`` before anything else on its command line."""
        if not args or ctx.resilient_parsing:
            return
        param = next((p for p in self.get_params(ctx) if p.name == LANG_PARAM), None)
        if param is None:
            return
        parser = self.make_parser(ctx)
        parser.ignore_unknown_options = True  # the real parse reports them, in the language
        ctx.resilient_parsing = True  # a wrong command line: keep what was read before it
        try:
            opts, _, _ = parser.parse_args(args=list(args))
        finally:
            ctx.resilient_parsing = False
        value = opts.get(LANG_PARAM)
        if isinstance(value, str):
            param.process_value(ctx, value)  # its type check (vi|en), then its callback

    def collect_usage_pieces(self, ctx: click.Context) -> list[str]:
        return [click_vi.metavar(piece) for piece in super().collect_usage_pieces(ctx)]

    def format_usage(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # also the usage line above a usage error, which format_help does not draw
        with _swapped(self._worded_metavars(ctx)):
            super().format_usage(ctx, formatter)

    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        changes: list[tuple[object, str, object]] = [
            (self, "help", reword(self.help)),
            (self, "short_help", reword(self.short_help)),
            (self, "epilog", reword(self.epilog)),
        ]
        changes += [
            (param, "help", reword(param.help))
            for param in self.get_params(ctx)
            if isinstance(param, click.Option)
        ]
        with _swapped(changes + self._worded_metavars(ctx)):
            super().format_help(ctx, formatter)

    def _worded_metavars(self, ctx: click.Context) -> list[tuple[object, str, object]]:
        changes: list[tuple[object, str, object]] = []
        for param in self.get_params(ctx):
            metavar = _option_metavar(param, ctx)
            if metavar is not None:
                changes.append((param, "metavar", metavar))
        return changes

    def get_short_help_str(self, limit: int = 45) -> str:
        with _swapped([(self, "help", reword(self.help)), (self, "short_help", reword(self.short_help))]):
            return super().get_short_help_str(limit)


class WordedGroup(WordedCommand, click.Group):
    """A :class:`WordedCommand` that has subcommands."""
