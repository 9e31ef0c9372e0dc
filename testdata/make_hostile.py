"""Makes the hostile workbooks of testdata/hostile/ (committed; run again only
to change them): python3 testdata/make_hostile.py

- zip_bomb.xlsx: a workbook whose one sheet unpacks to 1 GiB of XML (about
  1 MB on disk); dangan must refuse it before parsing any of it.
- sparse_bomb.xlsx: two cells, A1 and XFD1048576; read as a grid it would be
  17 billion cells.
"""
import os
import zipfile

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "hostile")
os.makedirs(HERE, exist_ok=True)

CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
</Types>"""
RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>
</Relationships>"""
WORKBOOK = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets>
</workbook>"""
WB_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>
</Relationships>"""
HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
TAIL = "</sheetData></worksheet>"


def workbook(path, write_sheet):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES)
        z.writestr("_rels/.rels", RELS)
        z.writestr("xl/workbook.xml", WORKBOOK)
        z.writestr("xl/_rels/workbook.xml.rels", WB_RELS)
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as f:
            write_sheet(f)


def bomb(f):
    f.write(HEAD.encode())
    row = b'<row><c t="inlineStr"><is><t>x</t></is></c></row>'
    block = row * (1 << 14)
    total = 0
    while total < (1 << 30):
        f.write(block)
        total += len(block)
    f.write(TAIL.encode())


def sparse(f):
    f.write(
        (
            HEAD
            + '<row r="1"><c r="A1" t="inlineStr"><is><t>客户名称</t></is></c></row>'
            + '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'
            + TAIL
        ).encode()
    )


workbook(os.path.join(HERE, "zip_bomb.xlsx"), bomb)
workbook(os.path.join(HERE, "sparse_bomb.xlsx"), sparse)
