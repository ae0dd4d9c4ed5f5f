-- `aidtrack report quarter QUARTER --by unit`, over the Parquet hand-off, in DuckDB.
--
-- The hand-off: aidtrack --db city.db export all --format parquet --partition unit,year --out wh/
-- Set four variables, then run this file (duckdb -f, or .read in the duckdb shell):
--   SET VARIABLE handoff = 'wh';                       -- the hand-off folder
--   SET VARIABLE quarter_start = DATE '2004-07-01';    -- the quarter's first day
--   SET VARIABLE quarter_end = DATE '2004-09-30';      -- its last day
--   SET VARIABLE visits_per_quarter = 2;               -- the city's policy on the quarter's last day
--
-- One row per unit (the file's own records: unit NULL, shown as "(this file)"): the pairings active
-- in the quarter; those compliant (visits made >= required, required = ceil(visits_per_quarter ×
-- days active in the quarter ÷ days in the quarter)); the visits made in the quarter at those
-- pairings; all visits up to the quarter's end; the aid dated in the quarter (yuan); the households
-- paired; the escalated problems still open at the quarter's end; and income per person: each
-- paired household's quarter income ÷ its person-months (Σ over the months recorded of its size
-- that month), to the fen (half up), averaged over the households with income recorded, to the fen
-- (half up). A month's size is the members present on its last day (joined ≤ day ≤ left_on; before
-- the first member joined, the size at that joining; none present: the stored count, at least 1),
-- as aidtrack's facts.Sizes counts it. Money is summed in whole fen.
WITH
pairings AS (SELECT * FROM read_parquet(getvariable('handoff') || '/pairings/*/*/*.parquet',
                                        hive_partitioning = true, union_by_name = true)),
visits AS (SELECT * FROM read_parquet(getvariable('handoff') || '/visits/*/*/*.parquet',
                                      hive_partitioning = true, union_by_name = true)),
problems AS (SELECT * FROM read_parquet(getvariable('handoff') || '/problems/*/*/*.parquet',
                                        hive_partitioning = true, union_by_name = true)),
income AS (SELECT * FROM read_parquet(getvariable('handoff') || '/income/*/*/*.parquet',
                                      hive_partitioning = true, union_by_name = true)),
aid AS (SELECT * FROM read_parquet(getvariable('handoff') || '/aid/*/*/*.parquet',
                                   hive_partitioning = true, union_by_name = true)),
members AS (SELECT * FROM read_parquet(getvariable('handoff') || '/members/*/*/*.parquet',
                                       hive_partitioning = true, union_by_name = true)),
households AS (SELECT * FROM read_parquet(getvariable('handoff') || '/households/*/*.parquet',
                                          hive_partitioning = true, union_by_name = true)),
cadres AS (SELECT * FROM read_parquet(getvariable('handoff') || '/cadres/*/*.parquet',
                                      hive_partitioning = true, union_by_name = true)),
q AS (SELECT getvariable('quarter_start')::DATE AS s, getvariable('quarter_end')::DATE AS e,
             getvariable('visits_per_quarter')::BIGINT AS per_quarter,
             getvariable('quarter_end')::DATE - getvariable('quarter_start')::DATE + 1 AS days),
active AS (
  SELECT p.id, p.household_id, p.unit,
         least(coalesce(p.until, q.e), q.e) - greatest(p.since, q.s) + 1 AS days_active
  FROM pairings p, q
  WHERE p.since <= q.e AND (p.until IS NULL OR p.until >= q.s)),
made AS (
  SELECT v.pairing_id, count(*) AS n FROM visits v, q WHERE v.date BETWEEN q.s AND q.e GROUP BY ALL),
per_pairing AS (
  SELECT a.unit, a.household_id, coalesce(m.n, 0) AS visits,
         (q.per_quarter * a.days_active + q.days - 1) // q.days AS required
  FROM active a CROSS JOIN q LEFT JOIN made m ON m.pairing_id = a.id),
first_joined AS (SELECT household_id, min(joined) AS day FROM members GROUP BY ALL),
income_months AS (  -- per paired household and month with income in the quarter: fen, the day sized
  SELECT h.unit, h.id, h.members AS stored, sum(CAST(i.amount * 100 AS BIGINT)) AS fen,
         greatest(last_day(CAST(i.month || '-01' AS DATE)),
                  coalesce(f.day, last_day(CAST(i.month || '-01' AS DATE)))) AS day
  FROM income i JOIN households h ON h.id = i.household_id
       LEFT JOIN first_joined f ON f.household_id = h.id, q
  WHERE i.month BETWEEN strftime(q.s, '%Y-%m') AND strftime(q.e, '%Y-%m')
    AND h.id IN (SELECT household_id FROM active)
  GROUP BY h.unit, h.id, h.members, i.month, f.day),
sized AS (
  SELECT im.unit, im.id, im.fen,
         coalesce(nullif((SELECT count(*) FROM members m WHERE m.household_id = im.id
                          AND m.joined <= im.day AND (m.left_on IS NULL OR m.left_on >= im.day)), 0),
                  greatest(im.stored, 1)) AS size
  FROM income_months im),
income_pp AS (  -- per paired household with income in the quarter: fen per person-month, half up
  SELECT unit, id, (2 * sum(fen) + sum(size)) // (2 * sum(size)) AS fen FROM sized GROUP BY unit, id),
units AS (
  SELECT name AS unit FROM read_parquet(getvariable('handoff') || '/units.parquet')
  UNION SELECT unit FROM households WHERE unit IS NULL
  UNION SELECT unit FROM cadres WHERE unit IS NULL),
totals AS (
  SELECT unit, count(*) AS pairings, count(*) FILTER (WHERE visits >= required) AS compliant,
         sum(visits) AS visits, count(DISTINCT household_id) AS households
  FROM per_pairing GROUP BY unit)
SELECT coalesce(u.unit, '(this file)') AS unit,
       coalesce(t.pairings, 0) AS pairings,
       coalesce(t.compliant, 0) AS compliant,
       coalesce(t.visits, 0) AS visits,
       (SELECT count(*) FROM visits v, q WHERE v.unit IS NOT DISTINCT FROM u.unit AND v.date <= q.e)
         AS visits_cumulative,
       CAST(coalesce((SELECT sum(CAST(a.value * 100 AS BIGINT)) FROM aid a, q
                      WHERE a.unit IS NOT DISTINCT FROM u.unit AND a.date BETWEEN q.s AND q.e), 0)
            / 100 AS DECIMAL(14, 2)) AS aid_value,  -- whole fen / 100: exact in a double, cast back
       coalesce(t.households, 0) AS households,
       (SELECT count(*) FROM problems p, q WHERE p.unit IS NOT DISTINCT FROM u.unit AND p.escalated
          AND p.date <= q.e AND (p.resolved_on IS NULL OR p.resolved_on > q.e))
         AS problems_open_escalated,
       (SELECT CAST(((2 * sum(fen) + count(*)) // (2 * count(*))) / 100 AS DECIMAL(14, 2))
        FROM income_pp i WHERE i.unit IS NOT DISTINCT FROM u.unit) AS income_per_person
FROM units u LEFT JOIN totals t ON t.unit IS NOT DISTINCT FROM u.unit
ORDER BY u.unit NULLS FIRST;
