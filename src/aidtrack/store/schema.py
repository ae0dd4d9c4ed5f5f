"""The schema as ordered sqlite-utils Migrations. Never edit an applied migration: add a new one."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlite_utils import Database

    from ..kinds import Kind


class _Migrations:
    """sqlite-utils' Migrations("aidtrack"), registered the same way (`@migrations(name=…)`) but built
    on first use: opening an up-to-date register (store.db) does not import sqlite-utils."""

    def __init__(self, name: str):
        self.name = name
        self._steps: list[tuple[str, Callable[[Database], None]]] = []
        self._real: Any = None

    def __call__(self, *, name: str) -> Callable[[Callable[[Database], None]], Callable[[Database], None]]:
        def register(fn: Callable[[Database], None]) -> Callable[[Database], None]:
            self._steps.append((name, fn))
            return fn

        return register

    def __getattr__(self, attr: str) -> Any:  # pending, applied, apply, …: sqlite-utils'
        if attr.startswith("_"):
            raise AttributeError(attr)
        if self._real is None:
            from sqlite_utils.migrations import Migrations

            real = Migrations(self.name)
            for name, fn in self._steps:
                real(name=name)(fn)
            self._real = real
        return getattr(self._real, attr)


migrations = _Migrations("aidtrack")

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


_V3 = """
ALTER TABLE units ADD COLUMN fingerprint TEXT;
ALTER TABLE units ADD COLUMN changed_at TEXT;
ALTER TABLE units ADD COLUMN left_out INTEGER NOT NULL DEFAULT 0;
ALTER TABLE cadres ADD COLUMN source_id INTEGER;
ALTER TABLE households ADD COLUMN source_id INTEGER;
ALTER TABLE statuses ADD COLUMN source_id INTEGER;
ALTER TABLE pairings ADD COLUMN source_id INTEGER;
ALTER TABLE visits ADD COLUMN source_id INTEGER;
ALTER TABLE problems ADD COLUMN source_id INTEGER;
ALTER TABLE income ADD COLUMN source_id INTEGER;
ALTER TABLE aid ADD COLUMN source_id INTEGER;
UPDATE units SET changed_at = merged_at
"""


@migrations(name="0003_unit_identity")
def m0003_unit_identity(db: Database) -> None:
    """Stable ids for merged records: each keeps its id in its unit's file (`source_id`), so a
    re-merge updates it in place; a unit's file fingerprint (size, times, change counter) skips an
    unchanged file without reading it, and `changed_at` dates its last change (for --changed-since).
    Records merged before this migration have source_id NULL: their unit's next merge renumbers them
    once."""
    _run(db, _V3)


#: 0004_perf: a tally of visits per month kept by triggers, so that "visits since the programme
#: began" reads a row per month instead of every visit; an index on when problems were resolved, so
#: that the problems still open at a day are found without reading them all.
_V4 = (
    """CREATE TABLE visit_months (
        month TEXT PRIMARY KEY,
        visits INTEGER NOT NULL
    )""",
    "INSERT INTO visit_months (month, visits) SELECT substr(date, 1, 7), count(*) FROM visits GROUP BY 1",
    """CREATE TRIGGER visit_months_insert AFTER INSERT ON visits BEGIN
        INSERT INTO visit_months (month, visits) VALUES (substr(NEW.date, 1, 7), 1)
        ON CONFLICT (month) DO UPDATE SET visits = visits + 1;
    END""",
    """CREATE TRIGGER visit_months_delete AFTER DELETE ON visits BEGIN
        UPDATE visit_months SET visits = visits - 1 WHERE month = substr(OLD.date, 1, 7);
    END""",
    """CREATE TRIGGER visit_months_update AFTER UPDATE OF date ON visits
    WHEN substr(OLD.date, 1, 7) IS NOT substr(NEW.date, 1, 7) BEGIN
        UPDATE visit_months SET visits = visits - 1 WHERE month = substr(OLD.date, 1, 7);
        INSERT INTO visit_months (month, visits) VALUES (substr(NEW.date, 1, 7), 1)
        ON CONFLICT (month) DO UPDATE SET visits = visits + 1;
    END""",
    "CREATE INDEX problems_resolved ON problems(resolved_on, visit_id, escalated)",
)


@migrations(name="0004_perf")
def m0004_perf(db: Database) -> None:
    """Reads that stay cheap however long the history: a visits-per-month tally and an index."""
    for statement in _V4:  # one by one: a trigger's body holds semicolons
        db.execute(statement)


#: Migration names this program knows; a file with any other applied is from a newer aidtrack.
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
_SIZE = (
    "UPDATE households SET members = max(1, (SELECT count(*) FROM members m"
    " WHERE m.household_id = {row}.household_id AND m.left_on IS NULL)) WHERE id = {row}.household_id"
)
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
        " '1900-01-01') FROM households h"
    ).fetchall()
    db.conn.executemany(
        "INSERT INTO members (household_id, name, joined) VALUES (?, ?, ?)",
        [(hid, f"#{k}", day) for hid, n, day in rows for k in range(1, n + 1)],
    )
    for statement in _V5_TRIGGERS:
        db.execute(statement)


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


_V7 = """
CREATE TABLE assessments (
    id INTEGER PRIMARY KEY,
    period TEXT NOT NULL CHECK (period GLOB '[0-9][0-9][0-9][0-9]'
                                OR period GLOB '[0-9][0-9][0-9][0-9]Q[1-4]'),
    closed_on TEXT NOT NULL CHECK (date(closed_on) = closed_on),
    closed_at TEXT NOT NULL,
    closed_by TEXT NOT NULL,
    result TEXT NOT NULL CHECK (json_valid(result)),
    digest TEXT NOT NULL,
    reopened_at TEXT,
    reopened_by TEXT,
    reopen_reason TEXT
);
CREATE UNIQUE INDEX assessments_closed ON assessments(period) WHERE reopened_at IS NULL;
CREATE TABLE assessment_rewards (
    id INTEGER PRIMARY KEY,
    assessment_id INTEGER NOT NULL REFERENCES assessments(id),
    cadre TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('reward', 'penalty')),
    measure TEXT NOT NULL CHECK (length(measure) >= 1),
    amount INTEGER CHECK (amount IS NULL OR (typeof(amount) = 'integer' AND amount >= 0)),
    date TEXT NOT NULL CHECK (date(date) = date),
    note TEXT
);
CREATE INDEX assessment_rewards_assessment ON assessment_rewards(assessment_id)
"""


@migrations(name="0007_assessments")
def m0007_assessments(db: Database) -> None:
    """Closed cadre assessments (目标责任制考核): the frozen result of a period (scores, grades, the
    inputs and the policy in force, as JSON) and the rewards and penalties (奖惩) recorded against it."""
    _run(db, _V7)


#: 0008_merge_all_kinds: every kind is merged into a city file. The kinds added by 0005 and 0006
#: get `source_id` (stable ids, as 0003 gave the first eight); meetings belong to no household, so
#: they get their unit's `unit_id` as cadres and households have it, and two units' committees may
#: meet on the same day: the meetings table is rebuilt with its UNIQUE (date, kind) per unit (the
#: file's own meetings, unit_id NULL, keep it among themselves). meeting_items is rebuilt with it
#: (dropping meetings first would cascade into its rows); ids are kept. Every unit's fingerprint is
#: cleared, so its next merge reads it again and copies the kinds it did not copy before.
_V8 = """
ALTER TABLE causes ADD COLUMN source_id INTEGER;
ALTER TABLE measures ADD COLUMN source_id INTEGER;
ALTER TABLE jobs ADD COLUMN source_id INTEGER;
ALTER TABLE monitoring ADD COLUMN source_id INTEGER;
ALTER TABLE members ADD COLUMN source_id INTEGER;
CREATE TEMP TABLE m0008_meetings AS SELECT id, date, kind, attendees, note FROM main.meetings;
CREATE TEMP TABLE m0008_items AS
    SELECT id, meeting_id, problem_id, decision, leader_id, due FROM main.meeting_items;
DROP TABLE main.meeting_items;
DROP TABLE main.meetings;
CREATE TABLE meetings (
    id INTEGER PRIMARY KEY,
    date TEXT NOT NULL CHECK (date(date) = date),
    kind TEXT NOT NULL DEFAULT 'committee' CHECK (kind IN ('committee','leading-group')),
    attendees TEXT,
    note TEXT,
    unit_id INTEGER REFERENCES units(id),
    source_id INTEGER
);
CREATE UNIQUE INDEX meetings_own ON meetings(date, kind) WHERE unit_id IS NULL;
CREATE UNIQUE INDEX meetings_unit ON meetings(unit_id, date, kind) WHERE unit_id IS NOT NULL;
CREATE TABLE meeting_items (
    id INTEGER PRIMARY KEY,
    meeting_id INTEGER NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
    problem_id INTEGER NOT NULL REFERENCES problems(id) ON DELETE CASCADE,
    decision TEXT,
    leader_id INTEGER REFERENCES cadres(id),
    due TEXT CHECK (due IS NULL OR date(due) = due),
    source_id INTEGER,
    UNIQUE (meeting_id, problem_id)
);
CREATE INDEX meeting_items_problem ON meeting_items(problem_id);
INSERT INTO main.meetings (id, date, kind, attendees, note)
    SELECT id, date, kind, attendees, note FROM temp.m0008_meetings ORDER BY id;
INSERT INTO main.meeting_items (id, meeting_id, problem_id, decision, leader_id, due)
    SELECT id, meeting_id, problem_id, decision, leader_id, due FROM temp.m0008_items ORDER BY id;
DROP TABLE temp.m0008_meetings;
DROP TABLE temp.m0008_items;
UPDATE units SET fingerprint = NULL
"""


@migrations(name="0008_merge_all_kinds")
def m0008_merge_all_kinds(db: Database) -> None:
    """Every kind merged into a city file: stable ids (`source_id`) for the kinds added by 0005 and
    0006, meetings owned by their unit (`unit_id`) and unique per unit."""
    _run(db, _V8)


#: 0009_cases: a status is a decision (docs/decisions.md). A case is one decision about one household
#: (enrol, exit, prosper, relapse, monitor, eliminate, rollback) with its lead and outcome; its steps
#: (consent, verification, …, publicity with its end date, objections with how each was handled) are
#: records of their own. A status or monitoring entry written on an approval names its case. The
#: policy `cases_from` is set to the day of the migration: what an existing register holds before it
#: is history recorded without a case; after it a status is changed only by an approved case.
_V9 = """
CREATE TABLE cases (
    id INTEGER PRIMARY KEY,
    household_id INTEGER NOT NULL REFERENCES households(id),
    decision TEXT NOT NULL CHECK (decision IN
        ('enrol','exit','prosper','relapse','monitor','eliminate','rollback')),
    category TEXT CHECK (category IS NULL OR category IN ('unstable','marginal','sudden')),
    channel TEXT NOT NULL CHECK (channel IN ('self_report','cadre_check','dept_warning')),
    lead_date TEXT NOT NULL CHECK (date(lead_date) = lead_date),
    lead_by TEXT,
    lead_visit TEXT CHECK (lead_visit IS NULL OR date(lead_visit) = lead_visit),
    finding TEXT,
    department TEXT,
    outcome TEXT NOT NULL DEFAULT 'open' CHECK (outcome IN ('open','approved','refused','withdrawn')),
    decided_on TEXT CHECK (decided_on IS NULL OR (date(decided_on) = decided_on AND decided_on >= lead_date)),
    effective TEXT CHECK (effective IS NULL OR date(effective) = effective),
    reason TEXT,
    body TEXT,
    source_id INTEGER,
    UNIQUE (household_id, decision, lead_date)
);
CREATE INDEX cases_outcome ON cases(outcome, lead_date);
CREATE TABLE case_steps (
    id INTEGER PRIMARY KEY,
    case_id INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    step TEXT NOT NULL CHECK (step IN ('consent','verification','crosscheck','appraisal','publicity',
        'objection','review','approval','notice')),
    date TEXT NOT NULL CHECK (date(date) = date),
    end_date TEXT CHECK (end_date IS NULL OR (date(end_date) = end_date AND end_date >= date)),
    who TEXT,
    outcome TEXT CHECK (outcome IS NULL OR outcome IN ('passed','failed')),
    document TEXT,
    note TEXT,
    handling TEXT,
    meeting_id INTEGER REFERENCES meetings(id),
    source_id INTEGER,
    UNIQUE (case_id, step, date)
);
CREATE INDEX case_steps_meeting ON case_steps(meeting_id);
ALTER TABLE statuses ADD COLUMN case_id INTEGER REFERENCES cases(id);
ALTER TABLE monitoring ADD COLUMN case_id INTEGER REFERENCES cases(id);
ALTER TABLE monitoring ADD COLUMN end_case_id INTEGER REFERENCES cases(id);
CREATE INDEX statuses_case ON statuses(case_id);
CREATE INDEX monitoring_case ON monitoring(case_id)
"""


@migrations(name="0009_cases")
def m0009_cases(db: Database) -> None:
    """Cases and their steps; statuses and monitoring entries name the case that decided them; the
    policy `cases_from` is the day of the migration (a new register's: the day it was created)."""
    import datetime as dt

    _run(db, _V9)
    day = dt.date.today()
    db.execute(
        "INSERT OR IGNORE INTO policy (key, value, effective_from) VALUES ('cases_from', ?, '1900-01-01')",
        [day.year * 10000 + day.month * 100 + day.day],
    )


#: 0010_spending_livelihood: spending (支出) records — a household's costs with what was reimbursed —
#: read by the monitoring rules (a sudden large cost, large costs settled); and livelihood changes
#: dated like statuses (the livelihood at a date is the latest change on or before it, else the
#: household's own `livelihood`), so that a change today never rewrites a past quarter.
_V10 = """
CREATE TABLE spending (
    id INTEGER PRIMARY KEY,
    household_id INTEGER NOT NULL REFERENCES households(id),
    date TEXT NOT NULL CHECK (date(date) = date),
    kind TEXT NOT NULL CHECK (kind IN ('medical','schooling','housing','disaster','other')),
    amount INTEGER NOT NULL CHECK (typeof(amount) = 'integer' AND amount >= 0),
    reimbursed INTEGER NOT NULL DEFAULT 0 CHECK (typeof(reimbursed) = 'integer' AND reimbursed >= 0),
    note TEXT,
    source_id INTEGER
);
CREATE INDEX spending_household ON spending(household_id, date);
CREATE TABLE livelihoods (
    id INTEGER PRIMARY KEY,
    household_id INTEGER NOT NULL REFERENCES households(id),
    livelihood TEXT NOT NULL CHECK (livelihood IN ('commerce','husbandry','transport','employment','other')),
    date TEXT NOT NULL CHECK (date(date) = date),
    note TEXT,
    source_id INTEGER,
    UNIQUE (household_id, date)
)
"""


@migrations(name="0010_spending_livelihood")
def m0010_spending_livelihood(db: Database) -> None:
    """Spending records (支出) and dated livelihood changes."""
    _run(db, _V10)


@migrations(name="0011_id_numbers")
def m0011_id_numbers(db: Database) -> None:
    """ID numbers checked (GB 11643-1999): households and members keep a 15-digit first-generation
    number as typed (`id_number_original`) beside its 18-character form. Stored numbers are tidied
    (spaces, a lower-case x, full-width digits) and a valid 15-digit one is upgraded; a number that is
    not valid stays as it was, for `check ids` to find."""
    from .. import parse
    from ..model import AidtrackError

    for table in ("households", "members"):
        db.execute(f"ALTER TABLE {table} ADD COLUMN id_number_original TEXT")
        rows = db.execute(
            f"SELECT id, id_number FROM {table} WHERE id_number IS NOT NULL AND id_number <> ''"
        ).fetchall()
        for rid, number in rows:
            try:
                tidy = parse.id_number(number)
            except AidtrackError:
                continue
            if tidy != number:
                original = number if len(parse.normalise(number).replace(" ", "")) == 15 else None
                db.execute(
                    f"UPDATE {table} SET id_number = ?, id_number_original = ? WHERE id = ?",
                    [tidy, original, rid],
                )


_V12 = """
ALTER TABLE visits ADD COLUMN device_start TEXT;
ALTER TABLE visits ADD COLUMN device_end TEXT;
ALTER TABLE visits ADD COLUMN device TEXT;
ALTER TABLE visits ADD COLUMN location TEXT;
ALTER TABLE households ADD COLUMN location TEXT;
CREATE TABLE submissions (
    id INTEGER PRIMARY KEY,
    instance_id TEXT NOT NULL UNIQUE CHECK (length(instance_id) >= 1),
    source TEXT NOT NULL CHECK (source IN ('central','kobo')),
    form_version TEXT,
    submitted TEXT,
    device_start TEXT,
    device_end TEXT,
    submitter TEXT,
    edits INTEGER NOT NULL DEFAULT 0 CHECK (edits >= 0),
    review_state TEXT,
    digest TEXT,
    records TEXT,
    replaces TEXT,
    visit_id INTEGER REFERENCES visits(id) ON DELETE SET NULL,
    income_id INTEGER REFERENCES income(id) ON DELETE SET NULL
);
CREATE INDEX submissions_visit ON submissions(visit_id)
"""


@migrations(name="0012_submissions")
def m0012_submissions(db: Database) -> None:
    """Visits entered at the household from a phone (docs/phones.md): the visit's field evidence
    (the form's start and end, the device, the location), a household's location, and the ledger
    of submissions imported from ODK Central or KoboToolbox."""
    _run(db, _V12)


_V13 = """
ALTER TABLE aid ADD COLUMN giver_type TEXT CHECK (giver_type IN ('cadre','unit','other','waived'));
CREATE TABLE quarter_notes (
    id INTEGER PRIMARY KEY,
    quarter TEXT NOT NULL CHECK (quarter GLOB '[0-9][0-9][0-9][0-9]Q[1-4]'),
    text TEXT NOT NULL CHECK (length(text) >= 1),
    written TEXT NOT NULL CHECK (date(written) = written)
);
CREATE INDEX quarter_notes_quarter ON quarter_notes(quarter, id)
"""


@migrations(name="0013_quarter_notes")
def m0013_quarter_notes(db: Database) -> None:
    """What the director reads: aid says whose money it was (`giver_type`: a cadre's own, the unit's,
    another body's, fees waived), and the clerk's typical cases of a quarter (`report note`)."""
    _run(db, _V13)


def create_sql(k: Kind) -> str:
    """The CREATE TABLE (and its indexes) of a kind from its declaration: what the migration adding a
    new kind writes, or a test's throwaway kind runs. Links are FOREIGN KEYs (ON DELETE CASCADE where
    declared), required fields NOT NULL, a merged kind has `source_id`, a unit-owned one `unit_id`,
    a `unique_key` kind its UNIQUE natural key, and every link column an index."""
    from ..kinds import REGISTRY

    links = {lk.column: lk for lk in k.links}
    cols = ["id INTEGER PRIMARY KEY"]
    for c in k.columns:
        if c in links:
            lk = links[c]
            cols.append(
                f"{c} INTEGER{'' if lk.optional else ' NOT NULL'} REFERENCES {REGISTRY[lk.to].table}(id)"
                + (" ON DELETE CASCADE" if lk.cascade else "")
            )
            continue
        f = k.by_column(c)
        sql_type = "INTEGER" if f is not None and f.type in ("int", "money", "flag") else "TEXT"
        cols.append(f"{c} {sql_type}{' NOT NULL' if f is not None and f.required else ''}")
    if k.unit_owned:
        cols.append("unit_id INTEGER REFERENCES units(id)")
    if k.merged:
        cols.append("source_id INTEGER")
    if k.unique_key:
        cols.append(f"UNIQUE ({', '.join(k.natural_key)})")
    out = [f"CREATE TABLE {k.table} ({', '.join(cols)})"]
    out += [f"CREATE INDEX {k.table}_{c} ON {k.table}({c})" for c in links]
    return ";\n".join(out)


KNOWN = [
    "0001_initial",
    "0002_units",
    "0003_unit_identity",
    "0004_perf",
    "0005_members_meetings",
    "0006_plans_monitoring",
    "0007_assessments",
    "0008_merge_all_kinds",
    "0009_cases",
    "0010_spending_livelihood",
    "0011_id_numbers",
    "0012_submissions",
    "0013_quarter_notes",
]
