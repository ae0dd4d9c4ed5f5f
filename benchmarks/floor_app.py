"""The floor of start-up time: a minimal Typer app with one command (`python floor_app.py --help`)."""

import typer

app = typer.Typer()


@app.command()
def hello(name: str = "world") -> None:
    """Greet someone: all that a Typer command-line program does at the least."""
    print(f"hello {name}")


if __name__ == "__main__":
    app()
