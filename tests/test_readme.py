"""The README's tour runs as written in a fresh folder (cheap checks; the run itself is in .ci/run:
`python scripts/readme.py --check`), and scripts/readme.py pastes, compares and refuses as it says."""

from __future__ import annotations

import importlib.util
import shlex
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _script():
    spec = importlib.util.spec_from_file_location("readme_script", ROOT / "scripts" / "readme.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


readme = _script()

#: How a file argument ends: a register, a data file, a query.
FILE_ENDINGS = (".db", ".csv", ".tsv", ".json", ".jsonl", ".xlsx", ".parquet", ".sql", ".html", ".md")
GLOBAL_VALUED = ("--db", "--operator", "--lang")


def tour_commands() -> list[str]:
    lines = (ROOT / "README.md").read_text(encoding="utf-8").split("\n")
    return [c.text for b in readme.parse(lines) for c in b.commands]


def simple_commands(text: str) -> list[list[str]]:
    """A command line cut at ; && || | into simple commands, each a list of words (redirections kept
    as the words `>` and its target)."""
    lexer = shlex.shlex(text.replace("\\\n", " "), posix=True, punctuation_chars=";&|<>")
    lexer.whitespace_split = True
    out: list[list[str]] = [[]]
    for word in lexer:
        if word in (";", "&&", "||", "|", "&"):
            out.append([])
        else:
            out[-1].append(word)
    return [words for words in out if words]


def aidtrack_call(words: list[str]) -> tuple[dict[str, str], list[str]] | None:
    """The global options and the rest of an `aidtrack` call (after VAR=value prefixes, `do`)."""
    while words and ("=" in words[0] and not words[0].startswith("-") or words[0] in ("do", "then")):
        words = words[1:]
    if not words or words[0] != "aidtrack":
        return None
    options: dict[str, str] = {}
    rest = words[1:]
    while rest and rest[0].split("=")[0] in GLOBAL_VALUED:
        name, _, value = rest[0].partition("=")
        options[name], rest = (value, rest[1:]) if value else (rest[1], rest[2:])
    return options, rest


def function_name(rest: list[str]) -> str:
    """The Python function the CLI runs for this command line."""
    from conftest import command

    cmd = command("en")
    for word in rest:
        sub = getattr(cmd, "commands", {}).get(word)
        if sub is None:
            break
        cmd = sub
    assert not hasattr(cmd, "commands"), f"not a command: aidtrack {' '.join(rest)}"
    return cmd.callback.__name__


def declared_writing(rest: list[str]) -> bool:
    """Whether the command is declared to write (`@command(app, writes=True)`)."""
    from conftest import command

    cmd = command("en")
    for word in rest:
        cmd = getattr(cmd, "commands", {}).get(word, cmd)
    return getattr(cmd.callback, "writes", False) is True


def test_every_file_a_tour_command_reads_is_in_the_repository_or_made_by_the_tour():
    made: set[str] = set()
    checked = 0
    for text in tour_commands():
        for words in simple_commands(text):
            call = aidtrack_call(words)
            if call is None:
                continue
            options, rest = call
            for i, word in enumerate(rest):
                before = rest[i - 1] if i else ""
                if before in ("--out", "-o", ">", ">>") or (rest[:1] == ["backup"] and i == 1):
                    made.add(word)
                    continue
                if word.startswith("-") or not (word.startswith("examples/") or word.endswith(FILE_ENDINGS)):
                    continue
                checked += 1
                if word.startswith("examples/"):
                    assert (ROOT / word).exists(), f"`{text}` reads {word}, which is not in the repository"
                else:
                    assert word in made, f"`{text}` reads {word}, which no earlier tour command made"
            if "--db" in options and rest[:1] != ["demo"]:
                made.add(options["--db"])  # checked by the next test
    assert checked >= 5  # the samples, bad_visits.csv, the unit files merged


def test_the_tour_never_uses_a_register_it_did_not_create():
    created: set[str] = set()
    env_db: str | None = None
    for text in tour_commands():
        for words in simple_commands(text):
            if words[0] == "export":
                for assignment in words[1:]:
                    name, _, value = assignment.partition("=")
                    if name == "AIDTRACK_DB":
                        env_db = value
                continue
            call = aidtrack_call(words)
            if call is None:
                continue
            options, rest = call
            name = function_name(rest)
            if name == "demo":
                assert "--out" in rest, f"`{text}`: the tour's demo is written where the tour can see it"
                created.add(rest[rest.index("--out") + 1])
                continue
            db = options.get("--db", env_db)
            assert db is not None, f"`{text}` would use the data folder's register"
            if db not in created:
                assert declared_writing(rest), f"`{text}` reads {db}, which the tour has not created"
                created.add(db)
    assert {"demo.db", "unit.db", "office.db", "city.db"} <= created


def test_the_tour_starts_in_a_folder_of_its_own():
    first = tour_commands()[0]
    assert "mkdir" in first and "cd " in first, first


# scripts/readme.py itself, on a README of its own (bash and echo: milliseconds).

TOY = """# Toy

## First

```console
$ echo one; echo two >&2
old
$ export WORD=three
$ echo "$WORD" \\
>   four
```

Text between.

```console
$ printf 'when 2026-11-30 19:04 +08:00\\n'
when 2001-01-01 00:00 +08:00
$ printf '│ 2026-11-30      │ x │\\n│ 19:04 +08:00    │ y │\\n'
│ 2001-01-01      │ x │
│ 00:00 +08:00    │ y │
$ seq 1 10
1
2
…
```

```text
$ echo not run
nothing
```
"""


def test_the_script_pastes_output_compares_it_and_names_the_block(tmp_path, capsys):
    path = tmp_path / "README.md"
    path.write_text(TOY, encoding="utf-8")
    assert readme.main(["--readme", str(path), "--check"]) == 1
    err = capsys.readouterr().err
    assert "'First' #1 (README.md:5)" in err  # the block with `old` under echo
    assert "#2" not in err  # times, dates before them and the elided tail are not differences
    assert path.read_text(encoding="utf-8") == TOY  # --check writes nothing

    assert readme.main(["--readme", str(path)]) == 0
    text = path.read_text(encoding="utf-8")
    assert "$ echo one; echo two >&2\none\ntwo\n$ export WORD=three\n" in text  # stderr in order
    assert ">   four\nthree four\n```" in text  # the export carried over; the continuation joined
    assert "when 2001-01-01 00:00 +08:00" in text  # kept: only the time differed
    assert "$ seq 1 10\n1\n2\n…\n" in text
    assert "$ echo not run\nnothing\n" in text
    assert readme.main(["--readme", str(path), "--check"]) == 0


def test_a_wrapped_time_is_volatile_and_nothing_else_is():
    a = ["│ 2026-11-30      │ x │", "│ 19:04 +08:00    │ y │"]
    b = ["│ 2027-01-02      │ x │", "│ 08:15 +08:00    │ y │"]
    assert readme.volatile(a) == readme.volatile(b)
    assert readme.volatile(["2026-11-30 19:04 +08:00"]) == readme.volatile(["2030-01-01 00:00 +08:00"])
    assert readme.volatile(["2003-10-16"]) != readme.volatile(["2003-10-17"])  # a story's date is not
    assert readme.volatile(["2003-10-16 x"]) != readme.volatile(["2003-10-17 x"])


@pytest.mark.parametrize(
    "block, problem",
    [
        ("$ printf '$ aidtrack x\\n'\n", "would read as a command"),
        ("$ pwd\n", "names the temporary folder"),
        ("$ exit 3\n$ echo after\n", "did a command exit the shell"),
        ("just text\n$ echo\n", "output before the block's first"),
    ],
)
def test_what_cannot_be_pasted_is_refused(tmp_path, capsys, block, problem):
    path = tmp_path / "README.md"
    text = f"# T\n\n```console\n{block}```\n"
    path.write_text(text, encoding="utf-8")
    assert readme.main(["--readme", str(path)]) == 2
    assert problem in capsys.readouterr().err
    assert path.read_text(encoding="utf-8") == text
