"""Python traceback frames in every layout: CPython, IPython 7 and 8, Jupyter, Databricks, and the user's frame.

CPython:      ``  File "x.py", line 3, in f``  then the source line (and ``^^^`` markers)
IPython 8:    ``Cell In[3], line 1`` / ``File /path/x.py:12, in f(a)``  then ``----> 12 code``
IPython 7:    ``<ipython-input-5-ab12> in <module>()`` / ``/path/x.py in f(a)``  then ``--> 12 code``
Databricks:   ``File <command-123>:4``

The user's frame is the last frame outside pyspark, py4j, installed packages and the
standard library; notebook cells (``<ipython-input-..>``, ``Cell In[..]``,
``<command-..>``, ``<stdin>``) are the user's code.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

_STD = re.compile(r'^\s*File "(?P<file>[^"]+)", line (?P<line>\d+)(?:, in (?P<func>.+))?$')
_IPY8_FILE = re.compile(r"^\s*File (?P<file>\S[^,]*?):(?P<line>\d+)(?:, in (?P<func>.+))?$")
_IPY8_CELL = re.compile(r"^\s*(?P<file>(?:Cell|Input) In ?\[\d+\])(?:, line (?P<line>\d+))?(?:, in (?P<func>.+))?$")
_IPY7 = re.compile(r"^(?P<file><[^>]+>|(?:[A-Za-z]:)?[/\\~.][^\s]*?\.pyx?) in (?P<func>[\w<>.$]+)\s*(?:\(.*)?$")
_ARROW = re.compile(r"^\s*-*>\s*(?P<line>\d+)\s(?P<code>.*)$")
_CONTEXT = re.compile(r"^\s+\d+\s")
_MARKERS = re.compile(r"^[\s^~\-+]*$")
LIBRARY = ("/pyspark/", "pyspark.zip", "/py4j/", "py4j-", "/site-packages/", "/dist-packages/", "<frozen ",
           "/lib/python3", "/lib/python2", "\\Lib\\", "/IPython/", "/ipykernel/", "<decorator-gen",
           "\\pyspark\\", "\\py4j\\", "\\site-packages\\")
USER_CELLS = ("<ipython-input-", "Cell In[", "Input In [", "<command-", "<stdin>", "<string>")


@dataclass
class Frame:
    file: str
    line: int | None
    func: str
    code: str | None = None

    @property
    def where(self) -> str:
        at = f":{self.line}" if self.line is not None else ""
        return f"{self.file}{at} in {self.func}" if self.func else f"{self.file}{at}"


def parse_frame(text: str) -> Frame | None:
    for rx in (_STD, _IPY8_CELL, _IPY8_FILE, _IPY7):
        m = rx.match(text)
        if m:
            line = m.groupdict().get("line")
            func = (m.groupdict().get("func") or "").strip()
            if rx is _IPY7 or rx is _IPY8_FILE:
                func = func.split("(", 1)[0].strip() if func and not func.startswith("<") else func
            return Frame(m.group("file").strip(), int(line) if line else None, func)
    return None


def code_line(frame: Frame, text: str) -> bool:
    """Attach ``text`` to ``frame`` if it is the frame's source line; True if consumed."""
    m = _ARROW.match(text)
    if m:
        frame.line = frame.line if frame.line is not None and frame.code else int(m.group("line"))
        frame.code = frame.code or m.group("code").strip() or None
        return True
    if _CONTEXT.match(text) or _MARKERS.match(text):
        return True
    if text[:1] in (" ", "\t") and frame.code is None:
        frame.code = text.strip()
        return True
    return False


def is_library(path: str) -> bool:
    if path.startswith(USER_CELLS):
        return False
    return any(p in path for p in LIBRARY)


def user_frame(blocks) -> tuple[str | None, str | None]:
    """The user's frame: from the innermost Python block that has one, outwards."""
    for frames in blocks:
        for fr in reversed(frames):
            if not is_library(fr.file):
                return fr.where, fr.code
    return None, None
