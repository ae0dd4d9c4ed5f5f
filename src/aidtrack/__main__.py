from aidtrack.cli.entry import run

run()
