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


_V6 = """
CREATE TABLE causes (
    id INTEGER PRIMARY KEY,
    household_id INTEGER NOT NULL REFERENCES households(id),
    cause TEXT NOT NULL CHECK (cause IN ('illness','disability','schooling','disaster','laid_off',
        'lack_labour','lack_skills','lack_funds','weak_motivation','other')),
    date TEXT NOT NULL CHECK (date(date) = date),
    note TEXT,
    UNIQUE (household_id, cause)
);
CREATE TABLE measures (
    id INTEGER PRIMARY KEY,
    household_id INTEGER NOT NULL REFERENCES households(id),
    what TEXT NOT NULL CHECK (length(what) >= 1),
    kind TEXT NOT NULL CHECK (kind IN ('project','funds','job','goods','medical','schooling','housing',
        'social_security','training','other')),
    cause TEXT CHECK (cause IN ('illness','disability','schooling','disaster','laid_off',
        'lack_labour','lack_skills','lack_funds','weak_motivation','other')),
    member TEXT,
    cadre_id INTEGER REFERENCES cadres(id),
    date TEXT NOT NULL CHECK (date(date) = date),
    due TEXT CHECK (due IS NULL OR date(due) = due),
    status TEXT NOT NULL DEFAULT 'planned' CHECK (status IN ('planned','in_progress','done','dropped')),
    done_on TEXT CHECK (done_on IS NULL OR date(done_on) = done_on),
    result TEXT,
    UNIQUE (household_id, what),
    CHECK ((status IN ('done','dropped')) = (done_on IS NOT NULL))
);
CREATE INDEX measures_due ON measures(status, due, household_id);
CREATE INDEX measures_cadre ON measures(cadre_id);
CREATE TABLE jobs (
    id INTEGER PRIMARY KEY,
    household_id INTEGER NOT NULL REFERENCES households(id),
    member TEXT NOT NULL CHECK (length(member) >= 1),
    employer TEXT,
    started TEXT NOT NULL CHECK (date(started) = started),
    ended TEXT CHECK (ended IS NULL OR (date(ended) = ended AND ended >= started)),
    wage INTEGER CHECK (wage IS NULL OR (typeof(wage) = 'integer' AND wage >= 0)),
    insured INTEGER NOT NULL DEFAULT 0 CHECK (insured IN (0, 1)),
    found_by TEXT CHECK (found_by IN ('cadre','unit','self')),
    measure_id INTEGER REFERENCES measures(id),
    UNIQUE (household_id, member, started)
);
CREATE INDEX jobs_started ON jobs(started, household_id);
CREATE TABLE monitoring (
    id INTEGER PRIMARY KEY,
    household_id INTEGER NOT NULL REFERENCES households(id),
    category TEXT NOT NULL CHECK (category IN ('unstable','marginal','sudden')),
    date TEXT NOT NULL CHECK (date(date) = date),
    reason TEXT,
    ended_on TEXT CHECK (ended_on IS NULL OR (date(ended_on) = ended_on AND ended_on >= date)),
    end_reason TEXT,
    UNIQUE (household_id, date)
);
CREATE INDEX monitoring_household ON monitoring(household_id, date);
ALTER TABLE aid ADD COLUMN measure_id INTEGER REFERENCES measures(id);
CREATE INDEX aid_measure ON aid(measure_id)
"""


@migrations(name="0006_plans_monitoring")
def m0006_plans_monitoring(db: Database) -> None:
    """One household, one plan (一户一策): causes of poverty, measures, job placements, and the
    monitoring after exit (防止返贫动态监测); aid may name the measure it carries out."""
    _run(db, _V6)


KNOWN.append("0006_plans_monitoring")
