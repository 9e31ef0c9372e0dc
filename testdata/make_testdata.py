"""Writes the binary and non-UTF-8 fixtures in testdata/ (GBK CSV, XLSX, bad bytes).

Run once by hand (`python3 testdata/make_testdata.py`, needs openpyxl); the
outputs are committed so `cargo test` needs no Python. Check digits of the ID
numbers and credit codes were computed with python-stdnum (cn.ric, cn.uscc).
"""
import os

HERE = os.path.dirname(os.path.abspath(__file__))


def write(name, data):
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data)


# A customers export as Excel on Chinese Windows saves it: GBK, Chinese headers,
# full-width digits, +86 phones, 万 amounts, Chinese kinds, a duplicate row, a row
# without a name, a mobile one digit short, an extra column (微信号).
customers_gbk = """客户编号,客户名称,客户性质,所在地区,城市,联系人,手机号码,固定电话,电子邮件,身份证号码,统一社会信用代码,信用额度（元）,信用等级,状态,建档日期,业务员,微信号,备注
,广州市恒通贸易有限公司,企业,广东,广州,陈志明,+86 138-0013-8000,(020)87654321,sales@HengTong.COM,,91440101MA59ABCD1D,５万,aa,交易中,2023/1/15,李娜,hengtong88,老客户
,张伟,个人,北京,北京,,１３９１２３４５６７８,,,110105199003071239,,8000元,B,活跃,2023年6月1日,王强,,
C000007,深圳前海星辰科技有限公司,企业,广东省,深圳,刘洋,13700001111,0755 8888 6666 转 123,,,91440300MA5FXY123H,"￥120,000.00",A,交易中,20220310,李娜,,重点客户
,,个人,上海,,,13600002222,,,,,,,,,,,没有名字
,广州市恒通贸易有限公司,企业,,,,+86 13800138000,,,,91440101MA59ABCD1D,,,,,,hengtong_new,更新微信
,李秀英,个人,浙江,杭州,,1380013800,,,,,,,,2023.9.9,王强,,手机号少一位
"""
write("customers_gbk.csv", customers_gbk.replace("\n", "\r\n").encode("gbk"))

# Neither valid UTF-8 nor valid GB18030: 0xFF never starts a character in either.
write("bad/bad_bytes.csv", "客户名称,手机\n张三,13800138000\n".encode("utf-8") + b"\xff\xfe\xff,1\n")

# Binary garbage
write("bad/garbage.csv", bytes((i * 37 + 11) % 256 for i in range(4096)))

try:
    import openpyxl
    from datetime import date
except ImportError:  # the XLSX stays as committed
    openpyxl = None

if openpyxl:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "客户"
    ws.append(["档案编号", "客户名称", "客户类型", "省份", "手机", "建档日期", "授信额度", "身份证号"])
    ws.append(["C000100", "王芳", "个人", "江苏", 13912345679, date(2024, 3, 5), 5000, "33010619851120001x"])
    ws.append(["C000101", "苏州工业园区宏远机械有限公司", "企业", "江苏省", "13812345670", 45356, 1234.567, None])
    ws.append([None, None, None, None, None, None, None, None])
    ws.append(["C000102", "赵磊", "经销商", "山东", "+86 137 1234 5671", "2024年3月6日", "1.5万", None])
    ws2 = wb.create_sheet("说明")
    ws2.append(["这一页不是数据"])
    wb.save(os.path.join(HERE, "customers.xlsx"))
