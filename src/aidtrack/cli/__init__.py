"""The command line: one Typer module per command group; thin over ops, reports and checks."""
