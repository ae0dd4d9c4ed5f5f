"""Run the README's tour and paste what each command printed under it.

    python scripts/readme.py            # run the tour, rewrite the outputs in README.md
    python scripts/readme.py --check    # run it, write nothing; exit 1 when any output differs

What is run: every fenced block opened with ```console, in the order of the README. In such a
block a line starting with `$ ` is a command; a command line ending with a backslash continues on
the following lines, each starting with `> ` (the shell's second prompt). Every other line is the
output of the command above it. Other blocks (```text, ```sh, plain ```) are never run.

How it is run: all the commands, in order, by one `bash` process (so `cd` and `export` carry over
from one block to the next), in a fresh temporary folder that holds a copy of the repository's
`examples/` (as a checkout does: the tour starts in the folder where `pip install .` ran), with
`HOME` inside that temporary folder (a fresh user data folder), `COLUMNS=80`, `TZ=Asia/Shanghai`,
`LANG=C.UTF-8`, no `AIDTRACK_*` variable and no `LC_ALL`/`LANGUAGE` (the tour sets what it needs,
such as `AIDTRACK_OPERATOR`), standard input from /dev/null, and standard output and error into one
pipe, unbuffered, so they interleave as on a terminal (without colours or progress bars). The
`aidtrack` first on PATH is the one installed beside this Python.

What is compared (after trailing spaces and trailing blank lines are removed):
- Elided output: when the last line shown under a command is `…` alone, only as many lines as are
  shown are compared and pasted, followed by `…` again.
- Volatile parts: a wall-clock time with its zone and the date before it (`2026-11-30 18:43 +08:00`,
  what `aidtrack log` prints in its `when` column; the date may be on the line above the time when
  a table cell wraps) matches any other such date and time. When an output differs only there, the
  README keeps its text, so re-running the tour does not rewrite it every day.
Nothing else is normalised: any other difference is a difference.

Refused (exit 2, nothing written): output that names the temporary folder (the tour must use
relative paths), output lines that would read as a command (`$ …`) or close the block, a tour that
takes longer than --timeout seconds.
"""

from __future__ import annotations

import argparse
import difflib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"

OPEN = "```console"
CLOSE = "```"
PROMPT = "$ "
CONTINUED = "> "
ELIDED = "…"
#: A wall-clock time with its UTC offset and the date before it, on the same line or, when a table
#: cell wraps, on the line above: the only volatile part of the tour's output.
VOLATILE = re.compile(r"\d{4}-\d{2}-\d{2}( +|[^\n]*\n[^\n]*?)\d{2}:\d{2}(?::\d{2})? [+-]\d{2}:?\d{2}")
#: Between two commands' output: a record separator, the command's number, and a newline.
MARK = "\x1e"
SPLIT = re.compile(re.escape(MARK) + r"(\d+)" + re.escape(MARK) + r"\n")

ENVIRONMENT = {"COLUMNS": "80", "TZ": "Asia/Shanghai", "LANG": "C.UTF-8", "PYTHONUNBUFFERED": "1"}


class TourError(Exception):
    """The README cannot be run or pasted as it is (exit 2)."""


@dataclass
class Command:
    first: int  # index in the README's lines of the `$ ` line
    last: int  # index of its last line (the last continuation)
    text: str  # what bash runs: the lines without their prompts, joined by newlines
    output: list[str] = field(default_factory=list)  # the lines shown under it, without `…`
    elided: bool = False


@dataclass
class Block:
    start: int  # index of the opening fence
    heading: str  # the nearest heading above it
    number: int  # its number under that heading (1, 2, …)
    commands: list[Command] = field(default_factory=list)

    @property
    def name(self) -> str:
        return f"{self.heading!r} #{self.number} (README.md:{self.start + 1})"


def parse(lines: list[str]) -> list[Block]:
    """The ```console blocks of the README, with their commands and the output shown under each."""
    blocks: list[Block] = []
    heading = "(top)"
    per_heading: dict[str, int] = {}
    fenced = False
    block: Block | None = None
    i = 0
    while i < len(lines):
        line = lines[i]
        if block is not None:
            if line.strip() == CLOSE:
                for c in block.commands:
                    _finish(c)
                blocks.append(block)
                block = None
            elif line.startswith(PROMPT):
                first = i
                parts = [line[len(PROMPT) :]]
                while parts[-1].endswith("\\"):
                    i += 1
                    if i >= len(lines) or not lines[i].startswith(CONTINUED):
                        raise TourError(
                            f"README.md:{first + 1}: a command ends with \\ but no `> ` line follows"
                        )
                    parts.append(lines[i][len(CONTINUED) :])
                block.commands.append(Command(first, i, "\n".join(parts)))
            elif not block.commands:
                if line.strip():
                    raise TourError(f"README.md:{i + 1}: output before the block's first `$ ` command")
            else:
                block.commands[-1].output.append(line)
        elif line.startswith("```"):
            if line.strip() == OPEN:
                per_heading[heading] = per_heading.get(heading, 0) + 1
                block = Block(i, heading, per_heading[heading])
            else:
                fenced = not fenced
        elif not fenced and line.startswith("#"):
            heading = line.lstrip("#").strip()
        i += 1
    if block is not None:
        raise TourError(f"README.md:{block.start + 1}: a ```console block is never closed")
    return blocks


def _finish(command: Command) -> None:
    out = tidy(command.output)
    if out and out[-1].strip() == ELIDED:
        command.elided = True
        out = tidy(out[:-1])
    command.output = out


def tidy(lines: list[str]) -> list[str]:
    """Trailing spaces off every line, trailing blank lines off the end."""
    out = [line.rstrip() for line in lines]
    while out and not out[-1]:
        out.pop()
    return out


def script(commands: list[Command]) -> str:
    """One bash script: a mark before each command, so its output can be told from the next one's."""
    parts = []
    for n, c in enumerate(commands):
        parts.append(f"printf '{MARK}%d{MARK}\\n' {n}")
        parts.append(c.text)
    parts.append(f"printf '{MARK}%d{MARK}\\n' {len(commands)}")
    return "\n".join(parts) + "\n"


def run(commands: list[Command], timeout: float) -> list[list[str]]:
    """Run every command in order in one bash in a fresh folder; what each printed, as lines."""
    with tempfile.TemporaryDirectory(prefix="aidtrack-readme-") as tmp:
        tmp_path = Path(tmp)
        checkout = tmp_path / "checkout"
        home = tmp_path / "home"
        home.mkdir()
        shutil.copytree(ROOT / "examples", checkout / "examples")
        env = {
            "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", os.defpath)]),
            "HOME": str(home),
            **ENVIRONMENT,
        }
        try:
            done = subprocess.run(
                ["bash", "--noprofile", "--norc", "-c", script(commands)],
                cwd=checkout,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                timeout=timeout,
            )
        except subprocess.TimeoutExpired:
            raise TourError(f"the tour took longer than {timeout:g} s") from None
        text = done.stdout.decode("utf-8", errors="replace").replace("\r\n", "\n")
        real = str(tmp_path.resolve())
        if tmp in text or real in text:
            where = text.find(tmp) if tmp in text else text.find(real)
            n = len(SPLIT.findall(text[:where])) - 1
            shown = commands[n].text if 0 <= n < len(commands) else "?"
            raise TourError(f"the output of `{shown}` names the temporary folder: use relative paths")
    pieces = SPLIT.split(text)
    # pieces: [before the first mark, n0, out0, n1, out1, …, n_last, after the last mark]
    outputs = [tidy(pieces[i + 1].split("\n")) for i in range(1, len(pieces) - 2, 2)]
    if len(outputs) != len(commands):
        raise TourError(f"{len(commands)} commands but {len(outputs)} outputs: did a command exit the shell?")
    return outputs


def volatile(lines: list[str]) -> str:
    """The output with every wall-clock time (and its date) masked."""
    return VOLATILE.sub(lambda m: f"<date>{m.group(1)}<time>", "\n".join(lines))


def shown(command: Command, printed: list[str]) -> tuple[list[str], bool]:
    """What the README shows of PRINTED: the first lines only when the README elides the rest."""
    if command.elided and len(printed) > len(command.output):
        return tidy(printed[: len(command.output)]), True
    return printed, False


def check_pasteable(block: Block, command: Command, lines: list[str]) -> None:
    for line in lines:
        if line.startswith(PROMPT) or line.strip().startswith("```"):
            raise TourError(
                f"{block.name}: the output of `{command.text}` has a line {line!r} that would read as a"
                f" command or end the block: elide the output before it (a last line `{ELIDED}`)"
            )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 when any output differs")
    parser.add_argument("--readme", type=Path, default=README, help="the file to run (default: README.md)")
    parser.add_argument(
        "--timeout", type=float, default=600, help="seconds for the whole tour (default: 600)"
    )
    args = parser.parse_args(argv)
    try:
        return _main(args.readme, args.check, args.timeout)
    except TourError as e:
        print(f"readme: {e}", file=sys.stderr)
        return 2


def _main(readme: Path, check: bool, timeout: float) -> int:
    text = readme.read_text(encoding="utf-8")
    lines = text.split("\n")
    blocks = parse(lines)
    commands = [c for b in blocks for c in b.commands]
    started = time.monotonic()
    outputs = iter(run(commands, timeout))
    differ: list[str] = []
    replace: list[tuple[Command, list[str]]] = []
    for block in blocks:
        for command in block.commands:
            printed, cut = shown(command, next(outputs))
            check_pasteable(block, command, printed)
            if volatile(printed) == volatile(command.output) and cut == command.elided:
                continue
            differ.append(block.name)
            if check:
                diff = difflib.unified_diff(command.output, printed, "README.md", "printed", lineterm="", n=1)
                print(f"{block.name}: the output of `$ {command.text}` differs:", file=sys.stderr)
                print("\n".join(list(diff)[2:]), file=sys.stderr)
            replace.append((command, [*printed, ELIDED] if cut else printed))
    seconds = time.monotonic() - started
    summary = f"{len(commands)} commands in {len(blocks)} blocks, {seconds:.1f} s"
    if check:
        if differ:
            names = list(dict.fromkeys(differ))
            print(f"readme: {len(names)} block(s) differ: {'; '.join(names)} ({summary})", file=sys.stderr)
            return 1
        print(f"readme: every output as shown ({summary})")
        return 0
    for command, new in reversed(replace):  # from the end, so earlier line numbers stay right
        end = command.last + 1 + _shown_lines(lines, command.last + 1)
        lines[command.last + 1 : end] = new
    if replace:
        readme.write_text("\n".join(lines), encoding="utf-8")
    print(f"readme: {len(replace)} output(s) rewritten in {len(set(differ))} block(s) ({summary})")
    return 0


def _shown_lines(lines: list[str], start: int) -> int:
    """How many lines after a command are its output: up to the next command or the fence."""
    n = 0
    while (
        start + n < len(lines)
        and not lines[start + n].startswith(PROMPT)
        and lines[start + n].strip() != CLOSE
    ):
        n += 1
    return n


if __name__ == "__main__":
    sys.exit(main())
