"""What a workbook looks like printed: LibreOffice converts it to PDF, poppler reads the PDF.

Used by the tests of the report workbook and of the blank form (issue 14: clipped rows, text
printed too small). Only the standard library and the two programs: no PDF package.

- :func:`to_pdf` converts with ``soffice --headless`` (its own profile, so that tests running
  side by side do not share one).
- :func:`page_texts` is ``pdftotext -layout``, one string per page.
- :func:`page_words` is ``pdftotext -bbox``: each page's words with their boxes (points,
  from the top of the page).
- :func:`page_font_sizes` reads each page's content stream for the sizes text is drawn at
  (the ``Tf`` operator): LibreOffice draws a cell's text at its font size times the page's
  print scale, and its page header and footer at their own sizes.
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess
import zlib
from dataclasses import dataclass
from pathlib import Path

import pytest

needs_libreoffice = pytest.mark.skipif(
    shutil.which("soffice") is None or shutil.which("pdftotext") is None,
    reason="LibreOffice and poppler (pdftotext) are not installed",
)


def to_pdf(source: Path, out: Path, *, infilter: str | None = None, fmt: str = "pdf") -> Path:
    """``source`` converted by LibreOffice into the folder ``out`` (``fmt``: pdf, xlsx…)."""
    out = out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    profile = f"-env:UserInstallation=file://{out / 'lo-profile'}"
    args = ["soffice", profile, "--headless"]
    if infilter:
        args.append(f"--infilter={infilter}")
    subprocess.run([*args, "--convert-to", fmt, "--outdir", str(out), str(source)],
                   check=True, capture_output=True, timeout=300)
    return out / f"{source.stem}.{fmt}"


def page_texts(pdf: Path) -> list[str]:
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True,
                          text=True).stdout
    return text.split("\f")[:-1] if text.endswith("\f") else text.split("\f")


@dataclass(frozen=True)
class Word:
    text: str
    x0: float
    y0: float
    x1: float
    y1: float


def page_words(pdf: Path) -> list[list[Word]]:
    out = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], check=True, capture_output=True,
                         text=True).stdout
    pages: list[list[Word]] = []
    for page in re.findall(r"<page [^>]*>(.*?)</page>", out, re.S):
        pages.append([
            Word(html.unescape(text), float(x0), float(y0), float(x1), float(y1))
            for x0, y0, x1, y1, text in re.findall(
                r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>', page
            )
        ])
    return pages


def page_font_sizes(pdf: Path) -> list[list[float]]:
    """The size of every run of text drawn on each page, in page order."""
    data = pdf.read_bytes()
    objects = {int(n): body for n, body in re.findall(rb"(\d+) 0 obj(.*?)endobj", data, re.S)}

    def stream(number: int) -> bytes:
        body = objects[number]
        found = re.search(rb"stream\r?\n(.*?)\r?\nendstream", body, re.S)
        assert found, f"object {number} is not a stream"
        raw = found.group(1)
        return zlib.decompress(raw) if b"/FlateDecode" in body else raw

    def kids(number: int) -> list[int]:
        body = objects[number]
        if re.search(rb"/Type\s*/Page\b", body):
            return [number]
        listed = re.search(rb"/Kids\s*\[(.*?)\]", body, re.S)
        assert listed, f"object {number}: neither a page nor a page tree"
        return [page for kid in re.findall(rb"(\d+) 0 R", listed.group(1)) for page in kids(int(kid))]

    root = re.search(rb"/Root\s+(\d+) 0 R", data)
    assert root, "no /Root in the PDF"
    pages_ref = re.search(rb"/Pages\s+(\d+) 0 R", objects[int(root.group(1))])
    assert pages_ref
    sizes = []
    for page in kids(int(pages_ref.group(1))):
        contents = re.search(rb"/Contents\s*(\[.*?\]|\d+ 0 R)", objects[page], re.S)
        assert contents
        text = b"".join(stream(int(n)) for n in re.findall(rb"(\d+) 0 R", contents.group(1)))
        sizes.append([float(s) for s in re.findall(rb"/F\d+\s+([\d.]+)\s+Tf", text)])
    return sizes
