"""What vulture (`vulture`, configured in pyproject.toml; run by .ci/run) cannot see being used.

Each entry names its use. Add here only what is used by a framework, a protocol or the catalog.
"""

# ruff: noqa
from aidtrack.cli import main
from aidtrack.kinds import unregister
from aidtrack.store.schema import create_sql
from aidtrack.model import OTHER_FIELDS
from aidtrack.ops.assess import STATES
from aidtrack.ops.headers import table_markdown
from aidtrack.reports.cadres import GRADES
from aidtrack.reports.outcomes import ITEM_NAMES

OTHER_FIELDS  # N_() marks for the catalog: options named in errors
STATES  # N_() marks for the catalog: `assess list` states
ITEM_NAMES  # N_() marks for the catalog: outcome items
table_markdown  # docs/import-format.md's command prints the header table with it
GRADES  # tests/test_assessment.py: the grades a rule gives
main.__dir__  # a module's __dir__ (PEP 562), beside its __getattr__

_.__qualname__  # a function's name for Typer (cli/check.py: one command per check)
_.format_usage  # click's Command method, replaced by the translated one (cli/main.py)
_.display_type_rich  # rich-click's option attribute (cli/main.py)
version  # the --version option's parameter: its eager callback does the work
exc  # __exit__'s arguments
_.readable  # io.RawIOBase protocol (ops/importer/readers.py)
_.readinto  # io.RawIOBase protocol
_.font  # openpyxl cell and sheet attributes, set to format a workbook
_.freeze_panes
_.number_format
_.data_type
_.showErrorMessage
execute_plugins  # sqlite-utils' Database attribute (store/db.py)
_.__signature__  # read by inspect.signature (Typer), cli/generic.py
_.__annotations__  # read by typing.get_type_hints (Typer), cli/generic.py
unregister  # a kind registered at run time taken out again (tests/test_new_kind.py)
create_sql  # a new kind's CREATE TABLE, for its migration or a test (tests/test_new_kind.py)
