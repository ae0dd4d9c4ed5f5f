"""The reports, as plain data: each module builds one report (`build`), its CSV rows (`csv_rows`) and
its layout for a terminal table or a Markdown page (`document`, drawn by render.emit_document).

quarter: the quarter's rollup; cadres: the cadre assessment; grid: the year at a glance;
household: one household's register; outcomes: the meeting summary; redact: the masking rule;
common: what they share (the visits-required cells, problem counts, rounding).
"""
