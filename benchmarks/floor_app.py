"""The floor of start-up time: a minimal Typer app with one command.

`python floor_app.py --help` is the floor of `aidtrack --help`; `python floor_app.py --household H00001
--date 2026-09-30 --situation 测试` (the command parsing options like `visit add`'s and printing a line)
is the floor of a one-row command such as `visit add` or `income add`.
"""

import typer

app = typer.Typer()


@app.command()
def hello(
    name: str = "world", household: str | None = None, date: str | None = None, situation: str | None = None
) -> None:
    """Greet someone: all that a Typer command-line program does at the least."""
    print(f"hello {household or name} {date or ''} {situation or ''}")


if __name__ == "__main__":
    app()
