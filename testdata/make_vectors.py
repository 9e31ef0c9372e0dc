"""Writes testdata/vectors/{ric,uscc}.csv: generated ID numbers and credit
codes, valid and corrupted, each with python-stdnum's verdict (cn.ric,
cn.uscc), so `cargo test` checks our check-character code against an
independent implementation without Python. Run: python3 testdata/make_vectors.py
(needs python-stdnum). Deterministic (seeded)."""
import csv, datetime, os, random
from stdnum.cn import ric, uscc

HERE = os.path.dirname(os.path.abspath(__file__))
rnd = random.Random(20261122)
def county_codes():
    """Six-digit place codes stdnum knows that were never retired."""
    from stdnum import numdb
    path = os.path.join(os.path.dirname(numdb.__file__), "cn", "loc.dat")
    codes, prov = [], None
    for line in open(path, encoding="utf-8"):
        if line[:2].isdigit() and line[2] == " ":
            prov = line[:2]
        elif prov and line.startswith("  ") and line[2:6].isdigit() and "[" not in line and line[4:6] != "00":
            codes.append(prov + line[2:6])
    return codes


COUNTIES = county_codes()


def ric_number():
    d = datetime.date(1930, 1, 1) + datetime.timedelta(days=rnd.randrange(0, 33000))
    body = rnd.choice(COUNTIES) + d.strftime("%Y%m%d") + "%03d" % rnd.randrange(1000)
    return body + ric.calc_check_digit(body + "0")


def uscc_number():
    a = uscc._alphabet
    body = rnd.choice("159") + rnd.choice("123") + "%06d" % rnd.randrange(110000, 659999) + "".join(rnd.choice(a) for _ in range(9))
    return body + uscc.calc_check_digit(body + "0")


def corrupt(s, alphabet):
    i = rnd.randrange(len(s))
    c = rnd.choice([x for x in alphabet if x != s[i]])
    return s[:i] + c + s[i + 1:]


def verdict(mod, s):
    try:
        mod.validate(s)
        return "valid"
    except Exception as e:  # which check failed is stdnum's business; we compare valid/invalid
        return "invalid"


for name, mod, make, alphabet in [
    ("ric", ric, ric_number, "0123456789X"),
    ("uscc", uscc, uscc_number, uscc._alphabet),
]:
    with open(os.path.join(HERE, "vectors", name + ".csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["number", "stdnum"])
        for _ in range(2000):
            n = make()
            w.writerow([n, verdict(mod, n)])
            bad = corrupt(n, alphabet)
            w.writerow([bad, verdict(mod, bad)])
