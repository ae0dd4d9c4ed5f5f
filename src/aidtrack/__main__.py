from aidtrack.cli.main import run

run()
