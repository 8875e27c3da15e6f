#!/usr/bin/env python3
"""Writes the cron differential fixtures the Swift tests read
(Tests/TickworkTests/Fixtures/cron-*.tsv).

Two independent evaluators, neither of them Tickwork's:
- croniter 7.0.0 (pip install croniter==7.0.0) with implement_cron_bug=True,
  which follows Vixie's day rule, for seeded random expressions in UTC;
- a simulation of Vixie cron 4.1's main loop (cron.c: timeRunning,
  virtualTime, the small/medium/negative/large wake-up kinds, find_jobs with
  doWild/doNonWild and entry.c's *_STAR flags) stepping real minutes through
  the DST days of New York, London and Lord Howe. croniter's own DST
  handling is not Vixie's, so it is not used there; the simulation is
  checked against croniter on ordinary days before any fixture is written.

Run: python3 scripts/cron-fixtures.py   (deterministic: same seed, same files)
"""
import random, sys
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo
from croniter import croniter

OUT = "Tests/TickworkTests/Fixtures"
MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]

# --- an expression parser of our own, after Vixie's entry.c ---------------

def parse_field(text, lo, hi, names=()):
    def value(s):
        s = s.lower()
        if s in names:
            return names.index(s) + (1 if lo == 1 and names is MONTHS else 0)
        return int(s)
    bits = set()
    for part in text.split(","):
        base, _, step = part.partition("/")
        step = int(step) if step else 1
        if base == "*":
            a, b = lo, hi
        elif "-" in base:
            a, b = (value(x) for x in base.split("-"))
        else:
            a = value(base)
            # `a/n` runs to the field's end; a day of the week ends at Saturday.
            b = (6 if hi == 7 else hi) if "/" in part else a
        bits.update(range(a, b + 1, step))
    return bits

class Entry:
    def __init__(self, expr):
        f = expr.split()
        self.minute = parse_field(f[0], 0, 59)
        self.hour = parse_field(f[1], 0, 23)
        self.dom = parse_field(f[2], 1, 31)
        self.month = parse_field(f[3], 1, 12, MONTHS)
        dow = parse_field(f[4], 0, 7, DAYS)
        if 7 in dow:
            dow = (dow - {7}) | {0}
        self.dow = dow
        self.dom_star = f[2].startswith("*")
        self.dow_star = f[4].startswith("*")
        self.wild = f[0].startswith("*") or f[1].startswith("*")

    def matches(self, wall):  # wall: a naive datetime of local civil time
        dow = (wall.weekday() + 1) % 7
        if self.dom_star or self.dow_star:
            day = wall.day in self.dom and dow in self.dow
        else:
            day = wall.day in self.dom or dow in self.dow
        return wall.minute in self.minute and wall.hour in self.hour and wall.month in self.month and day

# --- Vixie's main loop, minute by real minute ------------------------------

EPOCH = datetime(1970, 1, 1)

def wall_minute(t_min, zone):
    """Local civil time at real minute t_min (minutes since the epoch, UTC), in minutes."""
    local = datetime.fromtimestamp(t_min * 60, zone).replace(tzinfo=None)
    return int((local - EPOCH).total_seconds() // 60)

def vixie_fires(entry, zone, start_min, end_min):
    """Real minutes in (start_min, end_min] at which cron runs the entry."""
    fires = []
    virtual = wall_minute(start_min, zone)
    def find(vt, do_wild, do_nonwild):
        wall = EPOCH + timedelta(minutes=vt)
        if entry.matches(wall) and ((do_nonwild and not entry.wild) or (do_wild and entry.wild)):
            return True
        return False
    for t in range(start_min + 1, end_min + 1):
        running = wall_minute(t, zone)
        diff = running - virtual
        ran = False
        if diff == 1:
            virtual = running
            ran = find(virtual, True, True)
        elif diff > 180 or diff < -180:
            virtual = running
            ran = find(running, True, True)
        elif diff > 5:
            ran = find(running, True, False)
            while virtual < running:
                virtual += 1
                ran = find(virtual, False, True) or ran
        elif diff > 0:
            while virtual < running:
                virtual += 1
                ran = find(virtual, True, True) or ran
        else:
            ran = find(running, True, False)
        if ran:  # job_add queues an entry once per wake-up
            fires.append(t)
    return fires

# --- random expressions -----------------------------------------------------

def random_field(rng, lo, hi, names=None, day_field=False):
    kind = rng.random()
    def v():
        x = rng.randint(lo, hi)
        if names and rng.random() < 0.3:
            return names[x - lo] if x - lo < len(names) else str(x)
        return str(x)
    if kind < 0.25:
        return "*"
    if kind < 0.4:
        return "*/%d" % rng.randint(2, max(2, (hi - lo) // 2))
    if kind < 0.55:
        return v()
    # Ranges of two values or more: croniter 7.0.0 reads a day-of-week
    # range like `2-2` as `*` (2027-07-10, a Saturday, matched `* * 6 * 2-2`).
    if kind < 0.7:
        a = rng.randint(lo, hi - 1); b = rng.randint(a + 1, hi)
        return "%d-%d" % (a, b)
    if kind < 0.8:
        a = rng.randint(lo, hi - 1); b = rng.randint(a + 1, hi)
        return "%d-%d/%d" % (a, b, rng.randint(2, 4))
    if kind < 0.85:
        return "%d/%d" % (rng.randint(lo, hi), rng.randint(2, 7))
    return ",".join(sorted(set(str(rng.randint(lo, hi)) for _ in range(rng.randint(2, 4))), key=int))

def random_expression(rng):
    return " ".join([
        random_field(rng, 0, 59), random_field(rng, 0, 23),
        random_field(rng, 1, 31, day_field=True), random_field(rng, 1, 12, MONTHS),
        # 7 (Sunday) only alone: `7/6` is 0,6 to croniter (Vixie has no `a/n`).
        "7" if rng.random() < 0.03 else random_field(rng, 0, 6, DAYS, day_field=True),
    ])

def epoch(dt):
    return int(dt.timestamp())

def main():
    rng = random.Random(20261201)
    utc = timezone.utc
    # Random expressions in UTC, five fires each, by croniter.
    rows = []
    while len(rows) < 3000:
        expr = random_expression(rng)
        start = datetime(2024, 1, 1, tzinfo=utc) + timedelta(seconds=rng.randint(0, 7 * 365 * 86400))
        try:
            it = croniter(expr, start, implement_cron_bug=True)
            fires = [epoch(it.get_next(datetime)) for _ in range(5)]
        except Exception:
            continue  # croniter refuses it (e.g. a date that never comes)
        rows.append("UTC\t%s\t%d\t%s" % (expr, epoch(start), ",".join(map(str, fires))))
    # The simulation agrees with croniter on ordinary days (checks the simulator).
    for row in rows[:300]:
        _, expr, start, fires = row.split("\t")
        first = int(fires.split(",")[0])
        if first - int(start) > 3 * 86400:
            continue
        sim = vixie_fires(Entry(expr), utc, int(start) // 60, first // 60)
        if not sim or sim[0] * 60 != first:
            sys.exit("simulator disagrees with croniter on %r from %s: %s vs %s" % (expr, start, sim[:1], first))
    with open(OUT + "/cron-random.tsv", "w") as f:
        f.write("# zone\texpression\tstart (unix s)\tthe next five fires (unix s); croniter 7.0.0, implement_cron_bug=True\n")
        f.write("\n".join(rows) + "\n")

    # DST days: every fire across each transition day, by the Vixie simulation.
    zones = {
        "America/New_York": [datetime(2026, 3, 8), datetime(2026, 11, 1)],
        "Europe/London": [datetime(2026, 3, 29), datetime(2026, 10, 25)],
        "Australia/Lord_Howe": [datetime(2026, 4, 5), datetime(2026, 10, 4)],
    }
    fixed = ["30 2 * * *", "5 0-4 * * *", "10,35 2 * * *", "0 1 * * *", "30 1 * * *", "0 2 * * *",
             "15 1,2,3 * * *", "0 3 * * *", "45 1 * * *", "59 1 * * *", "0 0 * * *", "40 2 8 3 *"]
    wild = ["*/20 * * * *", "0 * * * *", "*/15 1-3 * * *", "30 * * * *", "* 2 * * *", "*/7 * * * *",
            "5 */2 * * *", "@hourly", "10,35 * * * *", "*/30 1 * * *"]
    drng = random.Random(7)
    randoms = []
    while len(randoms) < 40:
        e = random_expression(drng)
        f = e.split()
        # Keep ones that fire near the change: hours 0-4 named or starred.
        if f[2] == "*" and f[4] == "*" and f[3] == "*":
            randoms.append(e)
    dst_rows = []
    for name, days in zones.items():
        zone = ZoneInfo(name)
        for day in days:
            begin = epoch(day.replace(tzinfo=zone) - timedelta(hours=2)) // 60
            end = begin + 30 * 60
            for expr in fixed + wild + randoms:
                text = "0 * * * *" if expr == "@hourly" else expr
                fires = vixie_fires(Entry(text), zone, begin, end)
                dst_rows.append("%s\t%s\t%d\t%d\t%s" % (name, expr, begin * 60, end * 60, ",".join(str(m * 60) for m in fires)))
    with open(OUT + "/cron-dst.tsv", "w") as f:
        f.write("# zone\texpression\tfrom (unix s)\tthrough (unix s)\tevery fire in (from, through] (unix s); Vixie cron 4.1's loop, simulated\n")
        f.write("\n".join(dst_rows) + "\n")
    print("wrote %d random and %d DST cases" % (len(rows), len(dst_rows)))

if __name__ == "__main__":
    main()
