#!/usr/bin/env python3
"""Writes a customer archive with known duplicates, for 查重 (`dangan dedupe`).

    python3 testdata/make_dedupe.py                      # testdata/dedupe/ (the labelled set)
    python3 testdata/make_dedupe.py --n 1000000 --out DIR [--dup-rate 0.02]   # the benchmark

Writes DIR/customers.csv (the archive's customers) and DIR/labels.csv
(`left_id,right_id,kind`): every pair of records that are the same customer,
with the way it was written twice (kind). The labelled set (the default) is
committed, so `cargo test` needs no Python; it also carries hard negatives
that are NOT in labels.csv and are listed in DIR/negatives.csv with why:
branches, one-character trade-name differences, the same trade name in
another industry or city, namesakes, and two different credit codes.

Deterministic (seeded): the same command writes the same files.
"""
import argparse
import csv
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))

# (province, city, districts); the codes are GB/T 2260
PLACES = [
    ("广东省", "深圳市", "4403", ["南山区", "福田区", "宝安区", "龙岗区"]),
    ("广东省", "广州市", "4401", ["天河区", "越秀区", "番禺区", "白云区"]),
    ("广东省", "佛山市", "4406", ["顺德区", "南海区", "禅城区"]),
    ("广东省", "东莞市", "4419", []),
    ("浙江省", "杭州市", "3301", ["西湖区", "余杭区", "滨江区"]),
    ("浙江省", "宁波市", "3302", ["鄞州区", "海曙区"]),
    ("浙江省", "温州市", "3303", ["鹿城区", "瑞安市"]),
    ("江苏省", "南京市", "3201", ["鼓楼区", "江宁区"]),
    ("江苏省", "苏州市", "3205", ["姑苏区", "吴中区", "昆山市"]),
    ("上海市", "上海市", "3101", ["浦东新区", "徐汇区", "闵行区"]),
    ("北京市", "北京市", "1101", ["朝阳区", "海淀区", "丰台区"]),
    ("四川省", "成都市", "5101", ["武侯区", "锦江区", "高新区"]),
    ("湖北省", "武汉市", "4201", ["江汉区", "洪山区"]),
    ("山东省", "青岛市", "3702", ["市南区", "黄岛区"]),
    ("福建省", "厦门市", "3502", ["思明区", "湖里区"]),
    ("河南省", "郑州市", "4101", ["金水区", "二七区"]),
    ("湖南省", "长沙市", "4301", ["岳麓区", "雨花区"]),
    ("重庆市", "重庆市", "5001", ["渝中区", "江北区"]),
]
AREA = {"4403": "0755", "4401": "020", "4406": "0757", "4419": "0769", "3301": "0571",
        "3302": "0574", "3303": "0577", "3201": "025", "3205": "0512", "3101": "021",
        "1101": "010", "5101": "028", "4201": "027", "3702": "0532", "3502": "0592",
        "4101": "0371", "4301": "0731", "5001": "023"}
TRADE_CHARS = ("鸿宏华恒永金银盛兴达源泰丰瑞嘉德信诚安康顺通远博创新星光明辉宇天地海"
               "润泽祥和福佳美优腾飞龙凤鹏锦绣方圆正中东南西北联合众力实友义仁智广隆昌"
               "旺发鑫淼森磊晶晟昊煜烨炜璟琪瑜珑骏驰航舟帆益升腾越卓越凯旋万千百亿乾坤")
INDUSTRIES = ["贸易", "科技", "电子", "机械", "食品", "服装", "物流", "建材", "化工", "医药",
              "家具", "五金", "塑料", "包装", "印刷", "汽车服务", "餐饮管理", "酒店管理",
              "文化传媒", "建筑工程", "装饰工程", "农业", "纺织", "环保", "能源", "信息技术"]
SYNONYM = {"贸易": "商贸", "科技": "技术", "服装": "服饰", "物流": "运输", "家具": "家居",
           "塑料": "塑胶", "文化传媒": "文化传播", "装饰工程": "装修工程"}
FORMS = ["有限公司", "有限公司", "有限公司", "有限责任公司", "股份有限公司"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董潘袁蔡蒋余于杜叶程魏苏吕丁任沈姚卢"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍建国志红海燕鹏辉波斌宇浩凯健俊帆"
COMMON_PEOPLE = ["张伟", "王芳", "李娜", "刘洋", "王静", "李强", "张敏", "王磊"]
OWNERS = ["李娜", "王芳", "张伟", "刘洋", "陈静", "赵磊"]
ROADS = ["深南大道", "科技园路", "人民路", "解放路", "中山路", "建设路", "滨江大道", "学府路",
         "长江路", "黄河路", "工业大道", "创业路", "文化路", "新华路", "和平路", "光明路"]
USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_W = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
RIC_W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


def uscc(rng, code6):
    body = "91" + code6 + "".join(rng.choice(USCC_CHARS) for _ in range(9))
    s = sum(USCC_CHARS.index(c) * w for c, w in zip(body, USCC_W))
    return body + USCC_CHARS[(31 - s % 31) % 31]


def ric(rng, code6):
    y, m, d = rng.randint(1960, 2000), rng.randint(1, 12), rng.randint(1, 28)
    body = f"{code6}{y:04d}{m:02d}{d:02d}{rng.randint(0, 999):03d}"
    s = sum(int(c) * w for c, w in zip(body, RIC_W))
    return body + "10X98765432"[s % 11]


class Gen:
    def __init__(self, seed, n_hint):
        self.rng = random.Random(seed)
        self.rows = []
        self.labels = []
        self.negatives = []
        self.next_id = 1
        self.mobiles = set()
        self.used_keys = set()  # (trade, industry, city code)
        self.width = max(4, len(str(n_hint * 2)))

    def new_id(self):
        i = f"C{self.next_id:0{self.width}d}"
        self.next_id += 1
        return i

    def mobile(self):
        while True:
            m = self.rng.choice(["13", "15", "18", "17", "19"]) + "".join(
                self.rng.choice("0123456789") for _ in range(9))
            if m not in self.mobiles:
                self.mobiles.add(m)
                return m

    def landline(self, code):
        return f"{AREA[code]}-{self.rng.randint(2, 8)}{self.rng.randint(0, 9999999):07d}"

    def person(self):
        return self.rng.choice(SURNAMES) + "".join(
            self.rng.choice(GIVEN) for _ in range(self.rng.choice([1, 2, 2])))

    def place(self):
        return self.rng.choice(PLACES)

    def trade(self):
        return "".join(self.rng.sample(TRADE_CHARS, 2))

    def address(self, place):
        prov, city, code, districts = place
        d = self.rng.choice(districts) if districts else ""
        return f"{city}{d}{self.rng.choice(ROADS)}{self.rng.randint(1, 999)}号"

    def add(self, **f):
        row = {"id": self.new_id(), "kind": "enterprise", "owner": self.rng.choice(OWNERS),
               "created": f"20{self.rng.randint(19, 25)}-{self.rng.randint(1, 12):02d}-{self.rng.randint(1, 28):02d}"}
        row.update(f)
        self.rows.append(row)
        return row

    def company(self, trade=None, industry=None, place=None):
        rng = self.rng
        for _ in range(100):
            t = trade or self.trade()
            ind = industry or rng.choice(INDUSTRIES)
            pl = place or self.place()
            if (t, ind, pl[2]) not in self.used_keys:
                break
            trade = None  # try another 字号
        self.used_keys.add((t, ind, pl[2]))
        prov, city, code, districts = pl
        form = rng.choice(FORMS)
        name = f"{city}{t}{ind}{form}" if rng.random() < 0.8 else f"{t}{ind}{form}"
        district = rng.choice(districts) if districts and rng.random() < 0.15 else ""
        if district and name.startswith(city):
            name = name.replace(city, city + district, 1)
        return self.add(
            name=name, industry="", region=prov, city=city, address=self.address(pl),
            contact=self.person(), mobile=self.mobile() if rng.random() < 0.85 else "",
            phone=self.landline(code) if rng.random() < 0.6 else "",
            email=f"{rng.choice(['sales', 'info', 'hr', 'cw'])}{rng.randint(1, 99)}@{t.encode('utf-8').hex()[:6]}{rng.randint(100, 999)}.com.cn" if rng.random() < 0.3 else "",
            credit_code=uscc(rng, code + "00") if rng.random() < 0.5 else "",
            _trade=t, _industry=ind, _form=form, _place=pl,
        )

    def individual(self, name=None, place=None):
        rng = self.rng
        pl = place or self.place()
        return self.add(
            name=name or self.person(), kind="individual", region=pl[0], city=pl[1],
            address=self.address(pl) if rng.random() < 0.7 else "",
            mobile=self.mobile(), phone="",
            id_number=ric(rng, pl[2] + "01") if rng.random() < 0.3 else "",
            _place=pl,
        )

    def label(self, a, b, kind):
        x, y = sorted([a["id"], b["id"]])
        self.labels.append((x, y, kind))

    # the ways one company is written twice
    def company_twice(self, base):
        rng = self.rng
        t, ind, form, pl = base["_trade"], base["_industry"], base["_form"], base["_place"]
        prov, city, code, districts = pl
        short = city.rstrip("市")
        ways = ["brackets", "no_shi", "no_region", "fullwidth_spaces", "province_city",
                "synonym", "other_form", "landline_only", "suffix_region"]
        way = rng.choice(ways)
        if way == "brackets":
            name = f"{t}{ind}({short}){form}"
        elif way == "no_shi":
            name = f"{short}{t}{ind}{form}"
        elif way == "no_region":
            name = f"{t}{ind}{form}"
        elif way == "fullwidth_spaces":
            name = f"{t}{ind}（{short}） {form}" if rng.random() < 0.5 else f"{city} {t}{ind} {form}"
        elif way == "province_city":
            name = f"{prov}{city}{t}{ind}{form}"
        elif way == "synonym":
            name = f"{city}{t}{SYNONYM.get(ind, ind)}{form}"
        elif way == "other_form":
            name = f"{city}{t}{ind}{'有限责任公司' if form != '有限责任公司' else '有限公司'}"
        elif way == "suffix_region":
            name = f"{t}{ind}{short}{form}"
        else:  # landline_only: the name as the base, a landline instead of the mobile
            name = base["name"]
        keep = lambda v, p: v if rng.random() < p else ""
        dup = self.add(
            name=name, industry="", region=keep(prov, 0.6), city=keep(city, 0.6),
            address=keep(base["address"], 0.4), contact=keep(base["contact"], 0.5),
            mobile=keep(base["mobile"], 0.3) if way != "landline_only" else "",
            phone=base["phone"] or self.landline(code) if way == "landline_only" else keep(base["phone"], 0.3),
            email=keep(base["email"], 0.3),
            credit_code=keep(base["credit_code"], 0.1),
            owner=self.rng.choice(OWNERS),
        )
        self.label(base, dup, way)
        return dup

    def person_twice(self, base):
        rng = self.rng
        way = rng.choice(["same_mobile", "plus86", "id_number", "address_phone"])
        f = dict(name=base["name"], kind="individual", region=base["region"], city=base["city"])
        if way == "same_mobile":
            f.update(mobile=base["mobile"], address="")
        elif way == "plus86":
            m = base["mobile"]
            f.update(mobile=f"+86 {m[:3]} {m[3:7]} {m[7:]}")
        elif way == "id_number":
            if not base.get("id_number"):
                base["id_number"] = ric(rng, base["_place"][2] + "01")
            f.update(id_number=base["id_number"], mobile=self.mobile())
        else:
            if not base.get("address"):
                base["address"] = self.address(base["_place"])
            phone = self.landline(base["_place"][2])
            base["phone"] = phone
            f.update(address=base["address"], phone=phone, mobile="")
        dup = self.add(**f)
        self.label(base, dup, "person_" + way)
        return dup

    # harder positives: what a scorer may well miss
    def typo_twice(self, base):
        """the 字号 mistyped (a homophone or a slip), the same mobile"""
        t = base["_trade"]
        i = self.rng.randint(0, 1)
        c = self.rng.choice([x for x in TRADE_CHARS if x not in t])
        t2 = t[:i] + c + t[i + 1:]
        if not base["mobile"]:
            base["mobile"] = self.mobile()
        keep = lambda v, p: v if self.rng.random() < p else ""
        dup = self.add(name=f"{base['_place'][1]}{t2}{base['_industry']}{base['_form']}",
                       region=base["region"], city=base["city"], mobile=base["mobile"],
                       contact=keep(base["contact"], 0.5), address=keep(base["address"], 0.3))
        self.label(base, dup, "typo")

    def generic_twice(self, base):
        """实业 or no trade at all instead of the industry: 鸿达实业有限公司"""
        keep = lambda v, p: v if self.rng.random() < p else ""
        word = self.rng.choice(["实业", "", "发展"])
        dup = self.add(name=f"{base['_place'][1]}{base['_trade']}{word}有限公司", region=base["region"],
                       city=base["city"], contact=keep(base["contact"], 0.6),
                       address=keep(base["address"], 0.3), phone=keep(base["phone"], 0.3))
        self.label(base, dup, "generic_word")

    def shop(self, place=None):
        """a 个体 shop: no legal form"""
        pl = place or self.place()
        t = self.trade()
        kind = self.rng.choice(["五金店", "商行", "超市", "便利店", "经营部"])
        return self.add(name=f"{t}{kind}", kind="enterprise", region=pl[0], city=pl[1],
                        address=self.address(pl), contact=self.person(), mobile=self.mobile(),
                        _place=pl)

    def shop_twice(self, base):
        dup = self.add(name=f"{base['_place'][1]}{base['name']}", region=base["region"], city=base["city"],
                       contact=base["contact"], mobile=base["mobile"])
        self.label(base, dup, "shop")

    # hard negatives
    def shop_namesake(self, base):
        """another shop of the same name in the same city: different owner, mobile, street"""
        b = self.add(name=base["name"], region=base["region"], city=base["city"],
                     address=self.address(base["_place"]), contact=self.person(), mobile=self.mobile())
        self.negative(base, b, "shop_namesake")

    def sister(self, base):
        """a sister company of the group: same 字号, another trade, the group's switchboard"""
        if not base["phone"]:
            base["phone"] = self.landline(base["_place"][2])
        ind = self.rng.choice([i for i in INDUSTRIES if i != base["_industry"] and SYNONYM.get(i) != base["_industry"]])
        b = self.add(name=f"{base['_place'][1]}{base['_trade']}{ind}有限公司", region=base["region"],
                     city=base["city"], phone=base["phone"], contact=self.person(), mobile=self.mobile())
        self.negative(base, b, "sister_company")

    def negative(self, a, b, why):
        x, y = sorted([a["id"], b["id"]])
        self.negatives.append((x, y, why))

    def branch_of(self, base):
        prov, city, code, districts = self.rng.choice(PLACES)
        mark = self.rng.choice(["分公司", "分公司", "营业部", "办事处"])
        b = self.add(name=f"{base['name']}{city.rstrip('市')}{mark}", region=prov, city=city,
                     address=self.address((prov, city, code, districts)), contact=self.person(),
                     mobile=self.mobile(), phone=self.landline(code))
        self.negative(base, b, "branch")

    def one_char_off(self, base):
        t = base["_trade"]
        i = self.rng.randint(0, 1)
        c = self.rng.choice([x for x in TRADE_CHARS if x not in t])
        t2 = t[:i] + c + t[i + 1:]
        b = self.company(trade=t2, industry=base["_industry"], place=base["_place"])
        self.negative(base, b, "one_character")

    def other_industry(self, base):
        ind = self.rng.choice([i for i in INDUSTRIES if i != base["_industry"] and SYNONYM.get(i) != base["_industry"]])
        b = self.company(trade=base["_trade"], industry=ind, place=base["_place"])
        self.negative(base, b, "other_industry")

    def other_city(self, base):
        pl = self.rng.choice([p for p in PLACES if p[2] != base["_place"][2]])
        b = self.company(trade=base["_trade"], industry=base["_industry"], place=pl)
        b["name"] = f"{pl[1]}{base['_trade']}{base['_industry']}{base['_form']}"
        self.negative(base, b, "other_city")

    def other_credit_code(self, base):
        if not base["credit_code"]:
            base["credit_code"] = uscc(self.rng, base["_place"][2] + "00")
        b = self.add(name=base["name"], region=base["region"], city=base["city"],
                     address=self.address(base["_place"]), contact=self.person(),
                     mobile=self.mobile(), credit_code=uscc(self.rng, base["_place"][2] + "00"))
        self.negative(base, b, "credit_code_differs")

    def namesakes(self, name):
        a = self.individual(name=name)
        b = self.individual(name=name)
        self.negative(a, b, "namesake")


def labelled(g):
    """The committed set: about 400 customers, every case several times."""
    bases = [g.company() for _ in range(230)]
    people = [g.individual() for _ in range(40)]
    for b in bases[:45]:
        g.company_twice(b)
    for b in bases[45:52]:  # a company written three times
        g.label(g.company_twice(b), g.company_twice(b), "third_spelling")
    for p in people[:10]:
        g.person_twice(p)
    for b in bases[60:72]:
        g.branch_of(b)
    for b in bases[72:84]:
        g.one_char_off(b)
    for b in bases[84:96]:
        g.other_industry(b)
    for b in bases[96:104]:
        g.other_city(b)
    for b in bases[104:110]:
        g.other_credit_code(b)
    for name in COMMON_PEOPLE:
        g.namesakes(name)
    for b in bases[110:118]:
        g.typo_twice(b)
    for b in bases[118:126]:
        g.generic_twice(b)
    for b in bases[126:132]:
        g.sister(b)
    shops = [g.shop() for _ in range(16)]
    for s in shops[:6]:
        g.shop_twice(s)
    for s in shops[6:12]:
        g.shop_namesake(s)


def bench(g, n, rate):
    """n customers, `rate` of them a second spelling of another."""
    dups = int(n * rate)
    base_n = n - dups
    people_n = base_n // 5
    bases = [g.company() for _ in range(base_n - people_n)]
    people = [g.individual() for _ in range(people_n)]
    for i in range(dups):
        if i % 5 == 4:
            g.person_twice(people[i % len(people)])
        else:
            g.company_twice(bases[i])


def third_spelling_labels(g):
    """A company written three times: the third pair (base, second) too."""
    by_pair = {}
    for x, y, k in g.labels:
        by_pair.setdefault(x, set()).add(y)
        by_pair.setdefault(y, set()).add(x)
    # close every cluster: all pairs of its members
    kinds = {tuple(sorted([x, y])): k for x, y, k in g.labels}
    seen, out = set(), set()
    for start in list(by_pair):
        if start in seen:
            continue
        stack, members = [start], []
        while stack:
            m = stack.pop()
            if m in seen:
                continue
            seen.add(m)
            members.append(m)
            stack.extend(by_pair.get(m, ()))
        members.sort()
        for i, a in enumerate(members):
            for b in members[i + 1:]:
                out.add((a, b, kinds.get((a, b), "same_cluster")))
    return sorted(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=0)
    ap.add_argument("--dup-rate", type=float, default=0.02)
    ap.add_argument("--out", default=os.path.join(HERE, "dedupe"))
    a = ap.parse_args()
    g = Gen(2026 if a.n == 0 else 7, a.n or 400)
    if a.n == 0:
        labelled(g)
    else:
        bench(g, a.n, a.dup_rate)
    os.makedirs(a.out, exist_ok=True)
    cols = ["id", "name", "kind", "industry", "region", "city", "address", "contact", "mobile",
            "phone", "email", "id_number", "credit_code", "owner", "created"]
    # the archive's order is not the order of writing: shuffle, then by nothing
    rows = list(g.rows)
    g.rng.shuffle(rows)
    with open(os.path.join(a.out, "customers.csv"), "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(cols)
        for r in rows:
            w.writerow([r.get(c, "") for c in cols])
    labels = third_spelling_labels(g)
    with open(os.path.join(a.out, "labels.csv"), "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["left_id", "right_id", "kind"])
        w.writerows(labels)
    if a.n == 0:
        with open(os.path.join(a.out, "negatives.csv"), "w", encoding="utf-8", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(["left_id", "right_id", "why"])
            w.writerows(sorted(g.negatives))
    print(f"{a.out}: {len(rows)} customers, {len(labels)} duplicate pairs, "
          f"{len(g.negatives)} hard negatives")


if __name__ == "__main__":
    main()
