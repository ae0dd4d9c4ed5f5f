"""The schema as ordered sqlite-utils Migrations. Never edit an applied migration: add a new one."""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

migrations = Migrations("aidtrack")

_V1 = """
CREATE TABLE cadres (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE CHECK (length(code) BETWEEN 1 AND 64),
    name TEXT NOT NULL CHECK (length(name) >= 1),
    unit TEXT,
    title TEXT,
    phone TEXT
);
CREATE INDEX cadres_name ON cadres(name);

CREATE TABLE households (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE CHECK (length(code) BETWEEN 1 AND 64),
    name TEXT NOT NULL CHECK (length(name) >= 1),
    members INTEGER NOT NULL DEFAULT 1 CHECK (members >= 1),
    address TEXT,
    employer TEXT,
    livelihood TEXT CHECK (livelihood IN ('commerce','husbandry','transport','employment','other')),
    born TEXT CHECK (born IS NULL OR date(born) = born),
    gender TEXT CHECK (gender IN ('male','female')),
    phone TEXT,
    id_number TEXT,
    tags TEXT
);
CREATE INDEX households_name ON households(name);

CREATE TABLE statuses (
    id INTEGER PRIMARY KEY,
    household_id INTEGER NOT NULL REFERENCES households(id) ON DELETE CASCADE,
    status TEXT NOT NULL CHECK (status IN ('enrolled','exited','prosperous','relapsed')),
    date TEXT NOT NULL CHECK (date(date) = date),
    reason TEXT
);
CREATE INDEX statuses_household ON statuses(household_id, date, id);

CREATE TABLE pairings (
    id INTEGER PRIMARY KEY,
    cadre_id INTEGER NOT NULL REFERENCES cadres(id),
    household_id INTEGER NOT NULL REFERENCES households(id),
    since TEXT NOT NULL CHECK (date(since) = since),
    until TEXT CHECK (until IS NULL OR (date(until) = until AND until >= since)),
    UNIQUE (cadre_id, household_id, since)
);
CREATE UNIQUE INDEX pairings_one_active ON pairings(household_id) WHERE until IS NULL;
CREATE INDEX pairings_household ON pairings(household_id, since);
CREATE INDEX pairings_cadre ON pairings(cadre_id);

CREATE TABLE visits (
    id INTEGER PRIMARY KEY,
    pairing_id INTEGER NOT NULL REFERENCES pairings(id),
    date TEXT NOT NULL CHECK (date(date) = date),
    kind TEXT NOT NULL DEFAULT 'regular' CHECK (kind IN ('initial','regular','followup')),
    situation TEXT,
    solved TEXT,
    event TEXT CHECK (event IN ('illness','injury','job_loss','disaster','family','other')),
    UNIQUE (pairing_id, date, kind)
);
CREATE INDEX visits_date ON visits(date, pairing_id, kind, event);

CREATE TABLE problems (
    id INTEGER PRIMARY KEY,
    visit_id INTEGER NOT NULL REFERENCES visits(id) ON DELETE CASCADE,
    problem TEXT NOT NULL CHECK (length(problem) >= 1),
    escalated INTEGER NOT NULL DEFAULT 0 CHECK (escalated IN (0, 1)),
    resolved_on TEXT CHECK (resolved_on IS NULL OR date(resolved_on) = resolved_on),
    resolution TEXT
);
CREATE INDEX problems_visit ON problems(visit_id);

CREATE TABLE income (
    id INTEGER PRIMARY KEY,
    household_id INTEGER NOT NULL REFERENCES households(id),
    month TEXT NOT NULL CHECK (month GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]'),
    source TEXT NOT NULL DEFAULT '',
    amount INTEGER NOT NULL CHECK (typeof(amount) = 'integer' AND amount >= 0),
    UNIQUE (household_id, month, source)
);
CREATE INDEX income_month ON income(month, household_id, amount);

CREATE TABLE aid (
    id INTEGER PRIMARY KEY,
    household_id INTEGER NOT NULL REFERENCES households(id),
    date TEXT NOT NULL CHECK (date(date) = date),
    kind TEXT NOT NULL CHECK (kind IN ('project','funds','job','goods','medical','other')),
    value INTEGER NOT NULL CHECK (typeof(value) = 'integer' AND value >= 0),
    giver_cadre_id INTEGER REFERENCES cadres(id),
    giver TEXT,
    note TEXT
);
CREATE INDEX aid_household ON aid(household_id, date);
CREATE INDEX aid_date ON aid(date, household_id, kind, value);
CREATE INDEX aid_giver ON aid(giver_cadre_id);

CREATE TABLE policy (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL,
    value INTEGER NOT NULL CHECK (typeof(value) = 'integer'),
    effective_from TEXT NOT NULL CHECK (date(effective_from) = effective_from),
    UNIQUE (key, effective_from)
);

CREATE TABLE audit (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    operator TEXT NOT NULL,
    action TEXT NOT NULL,
    entity TEXT NOT NULL,
    record TEXT,
    before TEXT,
    after TEXT
);
"""


@migrations(name="0001_initial")
def m0001_initial(db: Database) -> None:
    _run(db, _V1)


def _run(db: Database, script: str) -> None:
    """Statement by statement: executescript would COMMIT the migration's transaction."""
    for statement in script.split(";\n"):
        if statement.strip():
            db.execute(statement)


_V2 = """
CREATE TABLE units (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE CHECK (length(name) >= 1),
    source TEXT,
    sha256 TEXT,
    merged_at TEXT,
    records INTEGER
);
ALTER TABLE cadres ADD COLUMN unit_id INTEGER REFERENCES units(id);
ALTER TABLE households ADD COLUMN unit_id INTEGER REFERENCES units(id);
CREATE INDEX cadres_unit ON cadres(unit_id);
CREATE INDEX households_unit ON households(unit_id)
"""


@migrations(name="0002_units")
def m0002_units(db: Database) -> None:
    """The city roll-up: the units merged into this file; their cadres and households point to them
    (NULL: the file's own records)."""
    _run(db, _V2)


#: Migration names this program knows; a file with any other applied is from a newer aidtrack.
KNOWN = ["0001_initial", "0002_units"]


_V5 = """
CREATE TABLE members (
    id INTEGER PRIMARY KEY,
    household_id INTEGER NOT NULL REFERENCES households(id) ON DELETE CASCADE,
    name TEXT,
    relation TEXT CHECK (relation IN ('head','spouse','child','parent','other')),
    born TEXT CHECK (born IS NULL OR date(born) = born),
    gender TEXT CHECK (gender IN ('male','female')),
    id_number TEXT,
    health TEXT CHECK (health IN ('healthy','chronic','serious','disabled')),
    schooling TEXT,
    work TEXT,
    work_from TEXT CHECK (work_from IS NULL OR date(work_from) = work_from),
    work_to TEXT CHECK (work_to IS NULL OR date(work_to) = work_to),
    dibao_from TEXT CHECK (dibao_from IS NULL OR date(dibao_from) = dibao_from),
    dibao_to TEXT CHECK (dibao_to IS NULL OR date(dibao_to) = dibao_to),
    dibao_amount INTEGER CHECK (dibao_amount IS NULL
                                OR (typeof(dibao_amount) = 'integer' AND dibao_amount >= 0)),
    joined TEXT NOT NULL CHECK (date(joined) = joined),
    left_on TEXT CHECK (left_on IS NULL OR (date(left_on) = left_on AND left_on >= joined))
);
CREATE INDEX members_household ON members(household_id, joined);

ALTER TABLE problems ADD COLUMN escalated_on TEXT
    CHECK (escalated_on IS NULL OR date(escalated_on) = escalated_on);
ALTER TABLE problems ADD COLUMN escalated_by TEXT;
UPDATE problems SET escalated_on = (SELECT v.date FROM visits v WHERE v.id = problems.visit_id)
    WHERE escalated = 1;

CREATE TABLE meetings (
    id INTEGER PRIMARY KEY,
    date TEXT NOT NULL CHECK (date(date) = date),
    kind TEXT NOT NULL DEFAULT 'committee' CHECK (kind IN ('committee','leading-group')),
    attendees TEXT,
    note TEXT,
    UNIQUE (date, kind)
);
CREATE TABLE meeting_items (
    id INTEGER PRIMARY KEY,
    meeting_id INTEGER NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
    problem_id INTEGER NOT NULL REFERENCES problems(id) ON DELETE CASCADE,
    decision TEXT,
    leader_id INTEGER REFERENCES cadres(id),
    due TEXT CHECK (due IS NULL OR date(due) = due),
    UNIQUE (meeting_id, problem_id)
);
CREATE INDEX meeting_items_problem ON meeting_items(problem_id)
"""


#: households.members is the size today (members who have not left; at least 1), kept by triggers
#: so that every path that writes members (add, edit, import, delete) keeps it true.
_SIZE = ("UPDATE households SET members = max(1, (SELECT count(*) FROM members m"
         " WHERE m.household_id = {row}.household_id AND m.left_on IS NULL)) WHERE id = {row}.household_id")
_V5_TRIGGERS = (
    f"CREATE TRIGGER members_size_insert AFTER INSERT ON members BEGIN {_SIZE.format(row='NEW')}; END",
    f"CREATE TRIGGER members_size_update AFTER UPDATE OF household_id, left_on ON members BEGIN"
    f" {_SIZE.format(row='OLD')}; {_SIZE.format(row='NEW')}; END",
    f"CREATE TRIGGER members_size_delete AFTER DELETE ON members BEGIN {_SIZE.format(row='OLD')}; END",
)


@migrations(name="0005_members_meetings")
def m0005_members_meetings(db: Database) -> None:
    """Dated household members (the size at a date is the count present; a register with only a
    count gets that many unnamed members from its enrolment), the date an escalation was made,
    and the meetings that study escalated problems."""
    for statement in _V5.split(";\n"):
        if statement.strip():
            db.execute(statement)
    rows = db.execute(
        "SELECT h.id, h.members, coalesce((SELECT min(s.date) FROM statuses s WHERE s.household_id = h.id),"
        " '1900-01-01') FROM households h").fetchall()
    db.conn.executemany("INSERT INTO members (household_id, name, joined) VALUES (?, ?, ?)",
                        [(hid, f"#{k}", day) for hid, n, day in rows for k in range(1, n + 1)])
    for statement in _V5_TRIGGERS:
        db.execute(statement)


KNOWN.append("0005_members_meetings")
