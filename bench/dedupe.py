"""Beside `dangan dedupe` in bench/dedupe.sh (issue 19): the simple baseline
and the scoring of both against the generator's labels.

    python bench/dedupe.py exact-key ARCHIVE OUT.csv   # pairs whose names are equal after
                                                       # half-width, no spaces, lower case
    python bench/dedupe.py score ARCHIVE PAIRS.csv [MIN,...]  # precision and recall per threshold
"""
import csv
import sys
import unicodedata
from collections import defaultdict


def name_key(s):
    # what dangan's `name_key` does: full-width to half-width, no white space, lower case
    s = "".join(unicodedata.normalize("NFKC", c) if "\uff01" <= c <= "\uff5e" or c == "\u3000" else c for c in s)
    return "".join(c for c in s if not c.isspace()).lower()


def exact_key(archive, out):
    groups = defaultdict(list)
    with open(f"{archive}/customers.csv", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            groups[name_key(r["name"])].append(r["id"])
    n = 0
    with open(out, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["left_id", "right_id", "score"])
        for ids in groups.values():
            ids.sort()
            for i, a in enumerate(ids):
                for b in ids[i + 1:]:
                    w.writerow([a, b, 100])
                    n += 1
    print(n)


def score(archive, pairs, mins):
    with open(f"{archive}/labels.csv", encoding="utf-8") as f:
        truth = {(r["left_id"], r["right_id"]) for r in csv.DictReader(f)}
    with open(pairs, encoding="utf-8") as f:
        got = [((r["left_id"], r["right_id"]), int(r["score"])) for r in csv.DictReader(f)]
    for m in mins:
        pred = {k for k, s in got if s >= m}
        tp = len(pred & truth)
        p = tp / len(pred) if pred else 0.0
        print(f"min-score {m}\tpairs {len(pred)}\ttrue {tp}\tprecision {p:.4f}\trecall {tp / len(truth):.4f}\t(labelled pairs {len(truth)})")


if __name__ == "__main__":
    if sys.argv[1] == "exact-key":
        exact_key(sys.argv[2], sys.argv[3])
    else:
        mins = [int(x) for x in (sys.argv[4] if len(sys.argv) > 4 else "50").split(",")]
        score(sys.argv[2], sys.argv[3], mins)
