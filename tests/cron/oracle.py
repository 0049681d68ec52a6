#!/usr/bin/env python3
"""An independent, brute-force evaluator of robfig/cron v1.2.0 schedules.

It shares no code with src/cron.c.  Each field becomes a Python set of
the values it allows plus a flag saying whether one of its elements began
with '*' or '?' (robfig's "star bit").  The next run after an instant is
found by walking the calendar with datetime: day by day, then minute by
minute through a matching day, then second by second through a matching
minute.  Like robfig, it gives up past the year of (after + 1s) plus five.

Usage:
  oracle.py next EXPR AFTER [N]      print N next runs (RFC3339) after AFTER
  oracle.py fixture FILE             check a fixture of expected next runs
  oracle.py invalid FILE             check that a fixture's expressions are
                                     all rejected
  oracle.py random DRIVER [N] [SEED] compare DRIVER with the oracle on N
                                     random expressions, a fifth of them
                                     corrupted (both must reject those)
"""
import datetime as dt
import random
import re
import subprocess
import sys

UTC = dt.timezone.utc
FIELDS = [  # name, low, high, names
    ("seconds", 0, 59, None),
    ("minutes", 0, 59, None),
    ("hours", 0, 23, None),
    ("day of month", 1, 31, None),
    ("month", 1, 12, ["jan", "feb", "mar", "apr", "may", "jun", "jul",
                      "aug", "sep", "oct", "nov", "dec"]),
    ("day of week", 0, 6, ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]),
]


class Spec:
    def __init__(self, sets=None, stars=None, every=None):
        self.sets = sets
        self.stars = stars
        self.every = every


def value(tok, low, high, names):
    if names and tok.lower() in names:
        return names.index(tok.lower()) + low
    if not re.fullmatch(r"[0-9]+", tok):
        raise ValueError("not a number: %r" % tok)
    v = int(tok)
    if v < low or v > high:
        raise ValueError("out of range: %r" % tok)
    return v


def field(text, low, high, names):
    allowed, star = set(), False
    for elem in text.split(","):
        if elem == "":
            raise ValueError("empty element")
        rng, _, step = elem.partition("/")
        if elem.count("/") > 1:
            raise ValueError("two slashes")
        n = 1
        if "/" in elem:
            if not re.fullmatch(r"[0-9]+", step) or int(step) == 0:
                raise ValueError("bad step")
            n = int(step)
        if rng in ("*", "?"):
            first, last, star = low, high, True
        elif "-" in rng:
            a, b = rng.split("-", 1)
            first, last = value(a, low, high, names), value(b, low, high, names)
            if first > last:
                raise ValueError("reversed")
        else:
            first = value(rng, low, high, names)
            last = high if "/" in elem else first
        allowed.update(range(first, last + 1, n))
    return allowed, star


def go_duration_seconds(text):
    units = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600}
    if not re.fullmatch(r"([0-9]+(\.[0-9]*)?[a-z]+)+", text):
        raise ValueError("bad duration")
    total = 0.0
    for num, unit in re.findall(r"([0-9.]+)([a-z]+)", text):
        if unit not in units:
            raise ValueError("unknown unit %r" % unit)
        total += float(num) * units[unit]
    return int(total)


def parse(expr):
    descriptors = {
        "@yearly": "0 0 0 1 1 *", "@annually": "0 0 0 1 1 *",
        "@monthly": "0 0 0 1 * *", "@weekly": "0 0 0 * * 0",
        "@daily": "0 0 0 * * *", "@midnight": "0 0 0 * * *",
        "@hourly": "0 0 * * * *",
    }
    if expr.startswith("@every "):
        every = go_duration_seconds(expr[len("@every "):])
        if every < 1:
            raise ValueError("interval under 1s")
        return Spec(every=every)
    expr = descriptors.get(expr, expr)
    parts = expr.split()
    if len(parts) != 6:
        raise ValueError("need six fields")
    sets, stars = [], []
    for text, (_, low, high, names) in zip(parts, FIELDS):
        s, st = field(text, low, high, names)
        sets.append(s)
        stars.append(st)
    return Spec(sets, stars)


def day_ok(spec, d):
    sec, minute, hour, dom, month, dow = spec.sets
    if d.month not in month:
        return False
    in_dom = d.day in dom
    in_dow = (d.isoweekday() % 7) in dow   # Sunday is 0
    if spec.stars[3] or spec.stars[5]:
        return in_dom and in_dow
    return in_dom or in_dow


def next_run(spec, after):
    """The first run strictly after `after` (aware datetime), or None."""
    if spec.every is not None:
        return after + dt.timedelta(seconds=spec.every)
    start = after + dt.timedelta(seconds=1)
    limit = start.year + 5
    day = start.date()
    while day.year <= limit:
        if day_ok(spec, day):
            t = dt.datetime(day.year, day.month, day.day, tzinfo=UTC)
            if day == start.date():
                t = start.replace(second=0)
            while t.date() == day:       # minute by minute
                if t.hour in spec.sets[2] and t.minute in spec.sets[1]:
                    s = t
                    while s.minute == t.minute:   # second by second
                        if s >= start and s.second in spec.sets[0]:
                            return s
                        s += dt.timedelta(seconds=1)
                t += dt.timedelta(minutes=1)
        day += dt.timedelta(days=1)
    return None


def runs(spec, after, n):
    out = []
    for _ in range(n):
        after = next_run(spec, after)
        out.append(after)
        if after is None:
            break
    return out


def rfc3339(t):
    return "none" if t is None else t.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_rfc3339(text):
    return dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def check_fixture(path):
    bad = 0
    count = 0
    for line in open(path, encoding="utf-8"):
        line = line.rstrip("\n")
        if not line or line.startswith("#"):
            continue
        expr, start, *want = line.split("\t")
        got = [rfc3339(t) for t in runs(parse(expr), parse_rfc3339(start),
                                         len(want))]
        got += ["none"] * (len(want) - len(got))
        count += 1
        if got != want:
            bad += 1
            print("MISMATCH %r after %s: fixture %s, oracle %s"
                  % (expr, start, want, got))
    print("fixture: %d rows, %d mismatches" % (count, bad))
    return bad == 0


def check_invalid_fixture(path):
    """Every expression of the invalid fixture must be rejected here too."""
    bad = 0
    count = 0
    for line in open(path, encoding="utf-8"):
        line = line.rstrip("\n")
        if not line or line.startswith("#"):
            continue
        expr = line.split("\t")[0]
        count += 1
        try:
            parse(expr)
        except ValueError:
            continue
        bad += 1
        print("ACCEPTED %r, which the fixture says is invalid" % expr)
    print("invalid fixture: %d rows, %d accepted" % (count, bad))
    return bad == 0


def corrupt(rnd, expr):
    """Make a probably-invalid variant of a six-field expression."""
    parts = expr.split()
    i = rnd.randrange(6)
    _, low, high, _ = FIELDS[i]
    parts[i] = rnd.choice([
        str(high + rnd.randint(1, 3)), str(low - 1) if low else "60",
        "%d-%d" % (high, low), "*/0", "1,,2", "%d/" % low, "x", "1-2-3",
        "*/2/2", "-%d" % high, "%d-" % low, "7" if i == 5 else "0" * 3 + "9",
        "+5", "*-5", "?/0", "jan" if i != 4 else "sun",
    ])
    if rnd.random() < 0.1:
        parts = parts[1:]   # five fields
    return " ".join(parts)


def random_element(rnd, low, high, names):
    def val():
        v = rnd.randint(low, high)
        if names and rnd.random() < 0.3:
            name = names[v - low]
            return rnd.choice([name, name.upper(), name.capitalize()])
        return str(v)
    kind = rnd.randrange(7)
    if kind == 0:
        return rnd.choice(["*", "?"])
    if kind == 1:
        return "*/%d" % rnd.randint(1, max(1, (high - low) // 2))
    if kind == 2:
        a, b = sorted(rnd.sample(range(low, high + 1), 2))
        return "%d-%d" % (a, b)
    if kind == 3:
        a, b = sorted(rnd.sample(range(low, high + 1), 2))
        return "%d-%d/%d" % (a, b, rnd.randint(1, 5))
    if kind == 4:
        return "%s/%d" % (val(), rnd.randint(1, 10))
    return val()


def random_expr(rnd):
    r = rnd.random()
    if r < 0.05:
        return rnd.choice(["@yearly", "@annually", "@monthly", "@weekly",
                           "@daily", "@midnight", "@hourly"])
    if r < 0.10:
        return "@every " + rnd.choice(["90s", "1h30m", "45m", "2h", "1s",
                                        "36h", "1.5h", "10m30s"])
    parts = []
    for i, (_, low, high, names) in enumerate(FIELDS):
        # Keep seconds and minutes sparse sometimes, days restricted often.
        n = rnd.choice([1, 1, 1, 2, 3])
        elems = [random_element(rnd, low, high, names) for _ in range(n)]
        if i in (3, 5) and rnd.random() < 0.5:
            elems = [e for e in elems if e[0] not in "*?"] or [str(low + 1)]
        parts.append(",".join(elems))
    return " ".join(parts)


def random_check(driver, n, seed):
    rnd = random.Random(seed)
    cases = []
    for _ in range(n):
        expr = random_expr(rnd)
        if not expr.startswith("@") and rnd.random() < 0.2:
            expr = corrupt(rnd, expr)
        after = rnd.randint(int(dt.datetime(2020, 1, 1, tzinfo=UTC).timestamp()),
                            int(dt.datetime(2035, 1, 1, tzinfo=UTC).timestamp()))
        cases.append((expr, after))
    stdin = "".join("%d 3 %s\n" % (after, expr) for expr, after in cases)
    res = subprocess.run([driver], input=stdin, capture_output=True,
                         text=True, check=False)
    if res.returncode != 0:
        print("driver failed (exit %d): %s" % (res.returncode, res.stderr))
        return False
    lines = res.stdout.splitlines()
    if len(lines) != len(cases):
        print("driver gave %d lines for %d cases" % (len(lines), len(cases)))
        return False
    bad = invalid = 0
    for (expr, after), line in zip(cases, lines):
        try:
            spec = parse(expr)
        except ValueError:
            invalid += 1
            if not line.startswith("error: "):
                bad += 1
                print("MISMATCH %r: driver accepted it (%r), oracle did not"
                      % (expr, line))
            continue
        want = runs(spec, dt.datetime.fromtimestamp(after, UTC), 3)
        want = " ".join("-1" if t is None else str(int(t.timestamp()))
                        for t in want)
        if line != want:
            bad += 1
            print("MISMATCH %r after %d: driver %r, oracle %r"
                  % (expr, after, line, want))
    print("random: %d expressions (seed %d, %d invalid), %d mismatches"
          % (n, seed, invalid, bad))
    return bad == 0


def main(argv):
    if len(argv) >= 3 and argv[0] == "next":
        after = parse_rfc3339(argv[2])
        for t in runs(parse(argv[1]), after, int(argv[3]) if len(argv) > 3 else 3):
            print(rfc3339(t))
        return 0
    if len(argv) == 2 and argv[0] == "fixture":
        return 0 if check_fixture(argv[1]) else 1
    if len(argv) == 2 and argv[0] == "invalid":
        return 0 if check_invalid_fixture(argv[1]) else 1
    if len(argv) >= 2 and argv[0] == "random":
        n = int(argv[2]) if len(argv) > 2 else 300
        seed = int(argv[3]) if len(argv) > 3 else 20261124
        return 0 if random_check(argv[1], n, seed) else 1
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
