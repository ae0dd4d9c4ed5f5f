"""`python -m aidtrack`: the console script's run, with a Ctrl-C that lands while its first module
loads said in one line too (cli/entry.py guards the rest of the loading)."""

try:
    from aidtrack.cli.entry import run
except KeyboardInterrupt:
    import sys

    sys.stderr.write("Error: interrupted; nothing was written\n")
    sys.exit(130)

run()
