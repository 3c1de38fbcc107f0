"""The ``ncctd`` command: a thin layer over the library, one module per command.

Commands are imported only when run (``--help`` imports neither pandas, openpyxl nor rich).
"""

from __future__ import annotations

import importlib
import os
import sys

import click

from . import __version__
from .commands.common import EXIT_STORE, global_options, tr

COMMANDS = {
    "init": "init",
    "indicators": "catalog_list",
    "communes": "catalog_list",
    "validate": "validate",
    "ingest": "ingest",
    "rollup": "rollup",
    "status": "status",
    "history": "history",
    "report": "report",
    "narrative": "narrative",
    "template": "template",
}


class LazyGroup(click.Group):
    """Finds each command in ``ncctd_cli.commands.<module>`` when it is asked for."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [name for name in COMMANDS if self._find(name) is not None]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        return self._find(cmd_name)

    @staticmethod
    def _find(name: str) -> click.Command | None:
        module_name = COMMANDS.get(name)
        if module_name is None:
            return None
        try:
            module = importlib.import_module(f"ncctd_cli.commands.{module_name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"ncctd_cli.commands.{module_name}":
                return None  # not built yet
            raise
        command = getattr(module, f"{name}_command", None) or getattr(module, "command", None)
        return command if isinstance(command, click.Command) else None


@click.group(
    cls=LazyGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    help=tr(
        "Tổng hợp số liệu mô hình «Ngày cuối tuần cùng dân» từ báo cáo hằng tháng của các xã.\n\n"
        "Ví dụ:\n\n"
        "  ncctd ingest bao-cao/\n\n"
        "  ncctd rollup --from 2021-01 --to 2023-12",
        "Aggregate the monthly commune returns of the “Weekend with the people” programme.\n\n"
        "Example:\n\n  ncctd ingest returns/\n\n  ncctd rollup --from 2021-01 --to 2023-12",
    ),
)
@click.version_option(__version__, "--version", prog_name="ncctd")
@global_options
def cli(**_: object) -> None:
    pass


def main() -> None:
    """Console entry point: runs the command; store failures are exit code 3, never a traceback."""
    from .store import StoreError

    try:
        cli.main(prog_name="ncctd", standalone_mode=True)
    except StoreError as exc:  # raised outside a command's own handling
        click.echo(f"ncctd: {exc}", err=True)
        sys.exit(EXIT_STORE)
    except KeyboardInterrupt:
        click.echo(tr("ncctd: đã dừng.", "ncctd: interrupted."), err=True)
        sys.exit(130)
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(0)
