"""Language: Vietnamese by default, English with ``--lang en`` (before or after the command) or
``NCCTD_LANG=en`` — our messages, our help and Click's own words alike, never mixed.

The CLI cases run the real ``ncctd`` (``run_ncctd``, which clears every ``NCCTD_*`` variable);
the unit tests cover ``ncctd_cli.i18n`` and the Vietnamese Click catalogue.
"""

from __future__ import annotations

import ast
import contextvars
import re
import string
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from ncctd_cli import click_vi, i18n
from ncctd_cli.commands import localized

# Letters only Vietnamese uses (with its tone and vowel marks): none may appear in English output.
VIETNAMESE_LETTERS = re.compile(
    "[àáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ]", re.IGNORECASE
)
# Click's English words: none may appear in Vietnamese output.
CLICK_ENGLISH = ("Usage", "Error", "Options", "Commands", "Missing", "Invalid value", "No such",
                 "default:", "Show this message", "is not", "does not", "requires")


def english_only(text: str) -> bool:
    return VIETNAMESE_LETTERS.search(text) is None


def click_english_in(text: str) -> list[str]:
    return [word for word in CLICK_ENGLISH if word in text]


# ------------------------------------------------------------------ usage errors, through ncctd

# name → (arguments, what the Vietnamese message says, what the English one says). Each is
# refused while parsing: nothing is opened, and the exit code is 2.
USAGE_ERRORS: dict[str, tuple[list[str], str, str]] = {
    "unknown option": (["ingest", "--bogus"], "Không có tuỳ chọn '--bogus'", "No such option '--bogus'"),
    "unknown option, a near one": (
        ["rollup", "--excel-cvs"], "Có phải ý bạn là '--excel-csv'?", "Did you mean '--excel-csv'?"
    ),
    "unknown option, near ones": (
        ["rollup", "--formt", "csv"], "(Có phải ý bạn là một trong: '--force', '--format'", "(Did you mean one of: '--force', '--format'"
    ),
    "bad period": (
        ["history", "--commune", "x", "--period", "2027-13"],
        "Giá trị không hợp lệ cho '--period': kỳ «2027-13» không đọc được",
        "Invalid value for '--period': period '2027-13' is not a month",
    ),
    "missing argument": (["ingest"], "Thiếu đối số 'PATHS...'", "Missing argument 'PATHS...'"),
    "missing option": (["history", "--period", "2024-01"], "Thiếu tuỳ chọn '--commune'", "Missing option '--commune'"),
    "bad choice": (
        ["rollup", "--format", "bogus"],
        "'bogus' không phải là một trong 'table', 'csv', 'json', 'xlsx'",
        "'bogus' is not one of 'table', 'csv', 'json', 'xlsx'",
    ),
    "out of range": (["rollup", "--year", "1200"], "1200 nằm ngoài khoảng 1900<=x<=2999", "1200 is not in the range"),
    "not a number": (["rollup", "--year", "abc"], "'abc' không phải là số nguyên hợp lệ", "'abc' is not a valid integer"),
    "no such folder": (
        ["init", "--config", "no-such-folder"],
        "Thư mục 'no-such-folder' không tồn tại",
        "Directory 'no-such-folder' does not exist",
    ),
    "option without its value": (["template", "--period"], "Tuỳ chọn '--period' cần một giá trị", "Option '--period' requires an argument"),
    "our own check": (
        ["rollup", "--from", "2024-05", "--to", "2024-01"], "--from 2024-05 ở sau --to 2024-01", "--from 2024-05 is after --to 2024-01"
    ),
    "extra argument": (["rollup", "stray"], "Thừa đối số (stray)", "Got unexpected extra argument (stray)"),
}


@pytest.mark.parametrize("case", USAGE_ERRORS)
def test_usage_errors_are_vietnamese_by_default(run_ncctd, case: str) -> None:
    args, vietnamese, _ = USAGE_ERRORS[case]
    done = run_ncctd(*args)
    assert done.returncode == 2, done.stderr
    assert "Lỗi: " in done.stderr and vietnamese in done.stderr, done.stderr
    assert click_english_in(done.stderr) == [], done.stderr
    assert "Traceback" not in done.stderr


def english_runs(args: list[str]) -> dict[str, tuple[list[str], dict[str, str]]]:
    """The ways to ask for English: ``--lang en`` before the command, after it (at the end,
    and straight after the command's name), and the environment."""
    command, rest = args[0], args[1:]
    return {
        "--lang before the command": (["--lang", "en", *args], {}),
        "--lang at the end": ([*args, "--lang", "en"], {}),
        "--lang after the command's name": ([command, "--lang=en", *rest], {}),
        "NCCTD_LANG": (args, {"NCCTD_LANG": "en"}),
    }


@pytest.mark.parametrize("case", USAGE_ERRORS)
def test_usage_errors_in_english_however_asked(run_ncctd, case: str) -> None:
    args, _, english = USAGE_ERRORS[case]
    for way, (argv, env) in english_runs(args).items():
        if case == "option without its value" and way == "--lang at the end":
            continue  # `--period --lang en`: "--lang" is --period's value, as click reads it
        done = run_ncctd(*argv, env=env)
        assert done.returncode == 2, (way, done.stderr)
        assert "Error: " in done.stderr and english in done.stderr, (way, done.stderr)
        assert english_only(done.stderr), (way, done.stderr)
        assert "Traceback" not in done.stderr


def test_usage_line_follows_the_language(run_ncctd) -> None:
    vi = run_ncctd("ingest", "--bogus")
    assert vi.stderr.startswith("Cách dùng: ncctd ingest [TUỲ_CHỌN] PATHS...")
    en = run_ncctd("ingest", "--bogus", "--lang", "en")
    assert en.stderr.startswith("Usage: ncctd ingest [OPTIONS] PATHS...")
    group = run_ncctd("bogus")
    assert group.returncode == 2
    assert group.stderr.startswith("Cách dùng: ncctd [TUỲ_CHỌN] LỆNH [ĐỐI_SỐ]...")
    assert "Lỗi: Không có lệnh 'bogus'." in group.stderr
    group = run_ncctd("--lang", "en", "bogus")
    assert "Usage: ncctd [OPTIONS] COMMAND [ARGS]..." in group.stderr
    assert "Error: No such command 'bogus'." in group.stderr


def test_a_wrong_language_is_a_usage_error(run_ncctd) -> None:
    done = run_ncctd("ingest", "x.csv", "--lang", "fr")
    assert done.returncode == 2
    assert "Giá trị không hợp lệ cho '--lang': 'fr' không phải là một trong 'vi', 'en'." in done.stderr


def test_lang_option_beats_the_environment(run_ncctd) -> None:
    done = run_ncctd("ingest", "--bogus", "--lang", "vi", env={"NCCTD_LANG": "en"})
    assert "Lỗi: Không có tuỳ chọn '--bogus'." in done.stderr
    done = run_ncctd("--lang", "en", "ingest", "--bogus", "--lang", "vi")  # the command's own wins
    assert "Lỗi: Không có tuỳ chọn '--bogus'." in done.stderr


# ------------------------------------------------------------------ help, through ncctd


def test_help_is_vietnamese_by_default(run_ncctd) -> None:
    root = run_ncctd("--help")
    assert root.returncode == 0
    assert root.stdout.startswith("Cách dùng: ncctd [TUỲ_CHỌN] LỆNH [ĐỐI_SỐ]...")
    assert "\nTuỳ chọn:\n" in root.stdout and "\nLệnh:\n" in root.stdout
    assert "Liệt kê các chỉ tiêu trong danh mục." in root.stdout  # the command list too
    assert "Hiện phiên bản rồi thoát." in root.stdout
    assert click_english_in(root.stdout) == [], root.stdout
    for args in (["ingest", "--help"], ["ingest", "-h"], ["--lang", "vi", "ingest", "--help"]):
        done = run_ncctd(*args)
        assert done.returncode == 0
        assert done.stdout.startswith("Cách dùng: ncctd ingest [TUỲ_CHỌN] PATHS...")
        assert "Nhận báo cáo: đọc tệp/thư mục" in done.stdout
        assert "Hiện hướng dẫn này rồi thoát." in done.stdout
        assert "[mặc định: table]" in done.stdout
        assert "--received-at NGÀY" in done.stdout and "--db TỆP" in done.stdout
        assert click_english_in(done.stdout) == [], done.stdout


@pytest.mark.parametrize("command", ["ingest", "rollup", "status", "template"])
def test_help_in_english_however_asked(run_ncctd, command: str) -> None:
    for way, (argv, env) in english_runs([command, "--help"]).items():
        done = run_ncctd(*argv, env=env)
        assert done.returncode == 0, (way, done.stderr)
        assert done.stdout.startswith(f"Usage: ncctd {command} [OPTIONS]"), (way, done.stdout)
        assert "\nOptions:\n" in done.stdout and "Show this message and exit." in done.stdout, way
        assert "Language: vi (default) or en." in done.stdout, way
        assert english_only(done.stdout), (way, done.stdout)
    done = run_ncctd("ingest", "--help", "--lang", "en")
    assert "[default: table]" in done.stdout and "--received-at DATE" in done.stdout
    assert "Read files/folders of returns" in done.stdout


def test_group_help_in_english(run_ncctd) -> None:
    for argv, env in ((["--lang", "en", "--help"], {}), (["--help", "--lang", "en"], {}), (["--help"], {"NCCTD_LANG": "en"})):
        done = run_ncctd(*argv, env=env)
        assert done.stdout.startswith("Usage: ncctd [OPTIONS] COMMAND [ARGS]..."), argv
        assert "\nOptions:\n" in done.stdout and "\nCommands:\n" in done.stdout
        assert "List the catalog's indicators." in done.stdout and "Show the version and exit." in done.stdout
        # the narrative's summary quotes the Vietnamese paragraph it writes: nothing else may be
        assert english_only(re.sub("«[^»\n]*", "", done.stdout)), done.stdout


def test_every_commands_english_help_has_no_vietnamese(run_ncctd) -> None:
    from ncctd_cli.cli import COMMANDS

    for command in COMMANDS:
        done = run_ncctd(command, "--help", "--lang", "en")
        assert done.returncode == 0, command
        if command != "narrative":  # it shows the Vietnamese wording of the paragraph it writes
            assert english_only(done.stdout), (command, done.stdout)


def test_version_follows_the_language(run_ncctd) -> None:
    assert run_ncctd("--version").stdout.startswith("ncctd, phiên bản ")
    assert run_ncctd("--lang", "en", "--version").stdout.startswith("ncctd, version ")
    assert run_ncctd("--version", "--lang", "en").stdout.startswith("ncctd, version ")


def test_cli_run_in_process_leaves_the_callers_language_alone(cli) -> None:
    """``--lang`` lasts for its run: the tests run many in one process."""
    with i18n.use_language("vi"):
        result = cli("--lang", "en", "--version")
        assert result.output.startswith("ncctd, version ")
        assert i18n.language() == "vi"
        assert cli("--version").output.startswith("ncctd, phiên bản ")
    with i18n.use_language("en"):
        assert cli("--version").output.startswith("ncctd, version ")


# ------------------------------------------------------------------ ncctd_cli.i18n


@pytest.fixture
def fresh_context():
    """Run a test body in its own context, so set_language cannot leak into other tests."""
    return lambda body: contextvars.copy_context().run(body)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, "vi"), ("", "vi"), ("vi", "vi"), ("en", "en"), ("EN", "en"), ("en_US.UTF-8", "en"),
     ("english", "en"), (" en ", "en"), ("fr", "vi"), ("vi_VN", "vi")],
)
def test_default_language_comes_from_the_environment(monkeypatch, fresh_context, value, expected) -> None:
    if value is None:
        monkeypatch.delenv("NCCTD_LANG", raising=False)
    else:
        monkeypatch.setenv("NCCTD_LANG", value)
    assert fresh_context(i18n.language) == expected
    assert fresh_context(lambda: i18n.tr("xin chào", "hello")) == ("hello" if expected == "en" else "xin chào")


def test_set_language_and_back_to_the_default(monkeypatch, fresh_context) -> None:
    monkeypatch.setenv("NCCTD_LANG", "en")

    def body() -> None:
        assert i18n.language() == "en"
        i18n.set_language("vi")
        assert i18n.language() == "vi" and i18n.tr("một", "one") == "một"
        i18n.set_language("EN")
        assert i18n.language() == "en" and i18n.tr("một", "one") == "one"
        i18n.set_language(None)  # the default again, which follows the environment
        monkeypatch.setenv("NCCTD_LANG", "vi")
        assert i18n.language() == "vi"

    fresh_context(body)


def test_set_language_stays_in_its_context(monkeypatch) -> None:
    monkeypatch.delenv("NCCTD_LANG", raising=False)
    contextvars.copy_context().run(i18n.set_language, "en")
    assert i18n.language() == "vi"


def test_use_language_nests_and_restores(monkeypatch) -> None:
    monkeypatch.delenv("NCCTD_LANG", raising=False)
    with i18n.use_language("en") as outer:
        assert outer == "en" and i18n.tr("a", "b") == "b"
        with i18n.use_language("vi") as inner:
            assert inner == "vi" and i18n.tr("a", "b") == "a"
        assert i18n.language() == "en"
        with pytest.raises(RuntimeError), i18n.use_language("vi"):
            raise RuntimeError
        assert i18n.language() == "en"
    assert i18n.language() == "vi"


def test_tr_chooses_when_called_not_when_defined() -> None:
    def message() -> str:
        return i18n.tr("Kho chưa có số liệu.", "The store holds no data.")

    with i18n.use_language("vi"):
        assert message() == "Kho chưa có số liệu."
    with i18n.use_language("en"):
        assert message() == "The store holds no data."


def test_i18n_imports_nothing_heavy() -> None:
    import subprocess
    import sys

    code = "import sys, ncctd_cli.i18n; print(sorted(m for m in ('click', 'pandas', 'rich', 'openpyxl') if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


# ------------------------------------------------------------------ help re-worded when shown


def test_help_texts_are_reworded_in_the_language_of_the_moment() -> None:
    with i18n.use_language("vi"):
        text = localized.tr("Tháng đầu (YYYY-MM).", "First month (YYYY-MM).")
    assert text == "Tháng đầu (YYYY-MM)."
    with i18n.use_language("en"):
        assert localized.reword(text) == "First month (YYYY-MM)."
        assert localized.reword("not one of ours") == "not one of ours"
    with i18n.use_language("vi"):
        assert localized.reword("First month (YYYY-MM).") == text
    assert localized.reword(None) is None


def test_a_command_defined_in_one_language_shows_its_help_in_another() -> None:
    with i18n.use_language("vi"):

        @click.command("demo", cls=localized.WordedCommand, help=localized.tr("Lệnh thử.", "A demo."))
        @click.option("--when", metavar=localized.tr("NGÀY", "DATE"), help=localized.tr("Ngày nhận.", "When received."))
        @click.option("--out", type=click.Path(dir_okay=False))
        def demo(when: str | None, out: str | None) -> None:
            pass

    with i18n.use_language("en"):
        ctx = click.Context(demo, info_name="demo")
        text = demo.get_help(ctx)
        assert "A demo." in text and "--when DATE" in text and "When received." in text
        assert "--out FILE" in text and "Usage: demo [OPTIONS]" in text
        assert demo.get_short_help_str() == "A demo."
    with i18n.use_language("vi"):
        click_vi.install()
        text = demo.get_help(click.Context(demo, info_name="demo"))
        assert "Lệnh thử." in text and "--when NGÀY" in text and "--out TỆP" in text
        assert "Cách dùng: demo [TUỲ_CHỌN]" in text and "Tuỳ chọn:" in text
    # the command objects themselves are left as they were
    assert demo.help == "Lệnh thử." and demo.params[0].metavar == "NGÀY" and demo.params[1].metavar is None


# ------------------------------------------------------------------ Click's words in Vietnamese


def _click_message_ids() -> set[str]:
    """Every literal message id in the installed click's ``_()`` / ``ngettext()`` calls."""
    found: set[str] = set()
    for path in Path(click.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("_", "ngettext"):
                found.update(a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str))
    return found


# What click says only to a programmer (a badly declared option, a repr) or never through
# our commands, and the type names deliberately left for click_vi.WORDS (see there).
NOT_FOR_USERS = {
    "Could not determine name for option with declarations {decls!r}",
    "No options defined but a name was passed ({name}). Did you mean to declare an argument instead? Did you mean to pass '--{name}'?",
    "Arguments take exactly one parameter declaration, got {length}: {decls}.",
    "Name '{name}' defined twice",
    "Boolean option {decl!r} cannot use the same flag for true/false.",
    "Choice({choices})",
    "Unknown standard stream '{name}'",
    "file", "directory", "path", "d",
}


def test_every_click_message_a_user_can_see_has_a_vietnamese_wording() -> None:
    missing = sorted(_click_message_ids() - set(click_vi.VI) - NOT_FOR_USERS)
    assert missing == [], f"click {click.__name__} says these in English only: {missing}"


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_vietnamese_wordings_keep_clicks_placeholders() -> None:
    for msgid, vietnamese in click_vi.VI.items():
        assert _fields(vietnamese) - {"name_lower"} <= _fields(msgid), msgid
        assert re.findall(r"%\(\w+\)s", vietnamese) == re.findall(r"%\(\w+\)s", msgid), msgid


def test_click_gettext_follows_the_language() -> None:
    with i18n.use_language("vi"):
        assert click_vi.gettext("Usage:") == "Cách dùng:"
        assert click_vi.gettext("never heard of") == "never heard of"
        assert click_vi.ngettext("Got unexpected extra argument ({args})",
                                 "Got unexpected extra arguments ({args})", 2).format(args="a b") == "Thừa các đối số (a b)"
        message = click_vi.gettext("{name} {filename!r} is not readable.").format(name="File", filename="x.csv")
        assert message == "Không đọc được tệp 'x.csv'."
        assert click_vi.metavar("FILE") == "TỆP"
    with i18n.use_language("en"):
        assert click_vi.gettext("Usage:") == "Usage:"
        assert click_vi.metavar("FILE") == "FILE"


def test_a_running_command_does_not_grow_the_help_registry() -> None:
    """Messages worded while a command runs (one per commune…) are not remembered."""

    @click.command("demo", cls=localized.WordedCommand)
    def demo() -> None:
        for n in range(50):
            click.echo(localized.tr(f"dòng {n}", f"line {n}"))

    before = len(localized._PAIRS)
    result = CliRunner().invoke(demo, [])
    assert result.exit_code == 0 and " 49" in result.output
    assert len(localized._PAIRS) == before
