//! The catalogue of what people read on stderr, in both languages: errors,
//! hints, the "written to" lines, clap's usage errors. One entry per
//! message, `{name}` placeholders filled by [`msg`]; a test proves that every
//! entry has both languages and the same placeholders. Rule names, column
//! names, file names and flags stay canonical inside the Chinese text, so
//! that scripts can grep for them.
//!
//! The language is set once at start-up ([`set_lang`]: `--lang`, else
//! `$DANGAN_LANG`/`$LANG`), so that a message made deep in the library
//! (an unreadable cell) is in the user's language too.
//!
//! [`phrase`] translates a fixed English phrase (a reason such as `not a
//! date`, a repair hint) when the catalogue has it, and keeps it otherwise.

use crate::render::output::Lang;
use std::sync::OnceLock;

/// One message: its key, its English and its Chinese text.
pub struct Message {
    pub key: &'static str,
    pub en: &'static str,
    pub zh: &'static str,
}

const fn m(key: &'static str, en: &'static str, zh: &'static str) -> Message {
    Message { key, en, zh }
}

/// Every message. Keys of templates are names; keys of phrases are their
/// English text.
pub static CATALOGUE: &[Message] = &[
    // the frame of every error
    m(
        "error",
        "dangan: error: {message}",
        "dangan：错误：{message}",
    ),
    m("written_to", "written to {file}", "已写入 {file}"),
    m(
        "report_written_to",
        "report written to {file}",
        "报告已写入 {file}",
    ),
    m(
        "xlsx_to_terminal",
        "an XLSX workbook is binary and is not shown in a terminal: give --output FILE.xlsx (or redirect to a file)",
        "XLSX 工作簿是二进制文件，不能显示在终端里：请加 --output 文件.xlsx（或重定向到文件）",
    ),
    m(
        "import_no_xlsx",
        "`dangan import --format` sets its summary (table, csv, json, yaml); the cleaned rows become a workbook with --output FILE.xlsx",
        "`dangan import --format` 只决定导入摘要的格式（table、csv、json、yaml）；要把清洗后的数据存为工作簿，请用 --output 文件.xlsx",
    ),
    m(
        "export_is_parquet",
        "`dangan export` writes Parquet: --format parquet, or no --format",
        "`dangan export` 写出 Parquet 文件：用 --format parquet，或不给 --format",
    ),
    m(
        "parquet_is_for_export",
        "--format parquet is for `dangan export DIR`",
        "--format parquet 只用于 `dangan export DIR`",
    ),
    m("exported", "{file}: {rows} rows", "{file}：{rows} 行"),
    m(
        "html_is_for_report",
        "--format html is for `dangan report`",
        "--format html 只用于 `dangan report`",
    ),
    // the archive and its lock (src/archive)
    m(
        "archive_missing",
        "archive {dir}: no such directory",
        "档案目录 {dir} 不存在",
    ),
    m(
        "archive_not_dir",
        "archive {dir}: not a directory",
        "档案 {dir} 不是目录",
    ),
    m(
        "archive_two_files",
        "archive {dir} has both {a} and {b}: keep one",
        "档案 {dir} 里同时有 {a} 和 {b}：请只保留一个",
    ),
    m(
        "archive_no_customers",
        "archive {dir}: no customers.csv or customers.yaml",
        "档案 {dir} 里没有 customers.csv 或 customers.yaml",
    ),
    m(
        "archive_locked",
        "archive {dir} is locked by another dangan process ({holder}){waited}; try again when it has finished, or give --wait SECONDS",
        "档案 {dir} 正被另一个 dangan 进程占用（{holder}）{waited}；请等它结束后再试，或加 --wait 秒数",
    ),
    m(
        "lock_waited",
        " (waited {seconds} s)",
        "（已等待 {seconds} 秒）",
    ),
    m(
        "cannot_lock",
        "{file}: cannot lock: {why}",
        "{file}：无法加锁：{why}",
    ),
    m(
        "interrupted",
        "interrupted: nothing was changed",
        "已中断：没有改动任何文件",
    ),
    // files that cannot be read (src/read)
    m(
        "cannot_open",
        "{file}: cannot open: {why}",
        "{file}：无法打开：{why}",
    ),
    m("no such file", "no such file", "文件不存在"),
    m("permission denied", "permission denied", "没有权限"),
    m(
        "is_a_directory",
        "{file}: is a directory, not a file",
        "{file} 是目录，不是文件",
    ),
    m(
        "empty_file",
        "{file}: empty file (no header row)",
        "{file}：空文件（没有表头行）",
    ),
    m(
        "undecodable",
        "{place}: undecodable byte sequence (not valid in the detected encoding; try --encoding)",
        "{place}：无法解码的字节（不符合识别出的编码；请用 --encoding 指定）",
    ),
    m(
        "undecodable_utf8",
        "{file}:{line}: undecodable byte sequence (not valid UTF-8)",
        "{file}:{line}：无法解码的字节（不是有效的 UTF-8）",
    ),
    m(
        "undecodable_any",
        "{file}:{line}: undecodable byte sequence near byte {offset}: neither UTF-8 nor GBK/GB18030 (give --encoding)",
        "{file}:{line}：第 {offset} 字节附近无法解码：既不是 UTF-8，也不是 GBK/GB18030（请用 --encoding 指定）",
    ),
    m(
        "quote_never_closed",
        "{file}:{line}: a quote opened on this line is never closed (the rest of the file was read as one value)",
        "{file}:{line}：这一行的引号没有闭合（文件其余部分被当成了一个值）",
    ),
    m(
        "row_width",
        "{file}:{line}: row has {values} values but the header has {width} columns",
        "{file}:{line}：这一行有 {values} 个值，但表头有 {width} 列",
    ),
    m(
        "row_width_quote",
        "{file}:{line}: row has {values} values but the header has {width} columns (a quote may be left open)",
        "{file}:{line}：这一行有 {values} 个值，但表头有 {width} 列（可能有引号没有闭合）",
    ),
    // looking a customer up (show, history)
    m(
        "no_such_customer",
        "no customer has the archive number, mobile, credit code, ID number or name {key}; try {hint}",
        "没有档案编号、手机、信用代码、身份证号或名称为 {key} 的客户；试试 {hint}",
    ),
    m(
        "`dangan find` with a part of it",
        "`dangan find` with a part of it",
        "用其中一部分运行 `dangan find`",
    ),
    m(
        "no_such_customer_or_revision",
        "no customer (and no revision) has the archive number, mobile, credit code, ID number or name {key}; try `dangan find`",
        "没有档案编号、手机、信用代码、身份证号或名称为 {key} 的客户（也没有它的变更记录）；试试 `dangan find`",
    ),
    // periods (src/analytics/period.rs)
    m(
        "flag_not_a_period",
        "not a period: {value} (use 12m, 6m, 1y, 2q, 4w, 90d, 2024, 2024-10 or 2024Q3)",
        "不是统计期：{value}（请写 12m、6m、1y、2q、4w、90d、2024、2024-10 或 2024Q3）",
    ),
    m(
        "period_or_range",
        "give either --period or --from/--to, not both",
        "--period 与 --from/--to 只能二选一",
    ),
    m(
        "from_after_to",
        "--from {from} is after --to {to}",
        "--from {from} 晚于 --to {to}",
    ),
    // what a run found (exit 1)
    m("findings", "dangan: {message}", "dangan：{message}"),
    m(
        "findings_at_fail_on",
        "{n} finding(s) at or above --fail-on",
        "{n} 条问题达到或超过 --fail-on 的级别",
    ),
    m(
        "not_canonical_files",
        "{n} file(s) not canonical (run `dangan fmt` to rewrite them)",
        "{n} 个文件不是规范格式（运行 `dangan fmt` 重写）",
    ),
    m("rows_rejected", "{n} row(s) rejected", "{n} 行被拒收"),
    // import's lines on stderr (src/commands/import)
    m(
        "kept_as_it_was",
        "{file}:{line}: column {column}: {value} kept as it was: {why}",
        "{file}:{line}：列 {column}：{value} 原样保留：{why}",
    ),
    m("warning", "warning: {message}", "警告：{message}"),
    m("would", "would {message}", "将会{message}"),
    m("and_more", "... and {n} {what}", "……另有 {n} {what}"),
    m("and_n_more", "... and {n} more", "……另有 {n} 条"),
    m(
        "more values kept as they were",
        "more values kept as they were",
        "个值原样保留",
    ),
    m("more changes", "more changes", "处改动"),
    m(
        "dry_run",
        "dry run: nothing was written",
        "试运行：没有写入任何文件",
    ),
    m("rejected", "rejected: {message}", "拒收：{message}"),
    m(
        "rejected_written",
        "{n} rejected row(s) written to {file}",
        "{n} 行拒收记录已写入 {file}",
    ),
    m(
        "would_be_rejected",
        "{n} row(s) would be rejected",
        "将有 {n} 行被拒收",
    ),
    m(
        "backup_kept",
        "previous files kept in {dir}",
        "原文件已备份到 {dir}",
    ),
    // why a value is kept as it was (src/values/normalize.rs)
    m(
        "not an e-mail address",
        "not an e-mail address",
        "不是电子邮箱地址",
    ),
    m(
        "not an ID number (18 characters, or 15 digits)",
        "not an ID number (18 characters, or 15 digits)",
        "不是身份证号（应为 18 位，或 15 位数字）",
    ),
    m(
        "not a credit code (18 letters and digits)",
        "not a credit code (18 letters and digits)",
        "不是统一社会信用代码（应为 18 位字母和数字）",
    ),
    m("not a quantity", "not a quantity", "不是数量"),
    m(
        "not an 11-digit mobile number",
        "not an 11-digit mobile number",
        "不是 11 位手机号",
    ),
    m("not a phone number", "not a phone number", "不是电话号码"),
    // the commands' own usage errors (src/commands, src/analytics)
    m(
        "by_needs_a_column",
        "--by needs at least one column",
        "--by 至少要给一列",
    ),
    m(
        "team_no_by",
        "analyze team is one row per owner: no --by or --top",
        "analyze team 每个负责人一行：不能加 --by 或 --top",
    ),
    m(
        "complaints_no_top",
        "analyze complaints and satisfaction have one row per group: no --top",
        "analyze complaints 和 satisfaction 每组一行：不能加 --top",
    ),
    m(
        "filter_not_with_file",
        "--owner and --where check the archive's customers: not with a FILE",
        "--owner 和 --where 针对档案里的客户：不能与 FILE 一起用",
    ),
    m(
        "reassign_need_names",
        "--from and --to need a name",
        "--from 和 --to 都要写负责人姓名",
    ),
    m(
        "reassign_to_self",
        "--to {from}: the customers are already {from}'s",
        "--to {from}：这些客户本来就是 {from} 的",
    ),
    m(
        "reassign_twice",
        "--to names a receiver twice: {names}",
        "--to 里有接收人写了两次：{names}",
    ),
    m(
        "reassign_no_owner_column",
        "the customers file has no owner column: nobody's customers to move",
        "客户文件没有 owner（负责人）列：没有可移交的客户",
    ),
    m(
        "reassign_unknown_owner",
        "--from {from}: no customer or follow-up has this owner (owners: {owners})",
        "--from {from}：没有客户或回访记录属于这个负责人（现有负责人：{owners}）",
    ),
    m(
        "keep_together_unknown",
        "--keep-together {column}: the customers have no such column (they have: {columns})",
        "--keep-together {column}：客户没有这一列（现有列：{columns}）",
    ),
    m(
        "changed_nothing_moved",
        "{file}: the file changed while it was read; nothing was moved",
        "{file}：读取期间文件被改动了；没有移交任何客户",
    ),
    m(
        "report_formats",
        "a report is text, markdown, html, json or xlsx (--format)",
        "报告的格式是 text、markdown、html、json 或 xlsx（--format）",
    ),
    m(
        "on_duplicate_error",
        "--on-duplicate error: {n} row(s) match customers already known; nothing was imported:\n  {rows}",
        "--on-duplicate error：有 {n} 行与已有客户重复；没有导入任何数据：\n  {rows}",
    ),
    m(
        "header_only",
        "{file}:{line}: no data rows (header only)",
        "{file}:{line}：没有数据行（只有表头）",
    ),
    m(
        "changed_nothing_merged",
        "{file}: the file changed while it was read; nothing was merged",
        "{file}：读取期间文件被改动了；没有合并任何客户",
    ),
    m(
        "by_twice",
        "--by names a group twice: {names}",
        "--by 里有分组写了两次：{names}",
    ),
    m(
        "by_tag_once",
        "--by tag can be given once",
        "--by tag 只能写一次",
    ),
    m(
        "cannot_group_by",
        "cannot group by {column}: neither the customers nor the transactions have such a column (groups: {groups}; customers: {customers}; transactions: {transactions})",
        "不能按 {column} 分组：客户和交易都没有这一列（分组：{groups}；客户列：{customers}；交易列：{transactions}）",
    ),
    m(
        "which_table",
        "{file}: cannot tell which table the headers ({headers}) belong to; give --table customers|transactions|followups|complaints",
        "{file}：看不出这些表头（{headers}）属于哪张表；请加 --table customers|transactions|followups|complaints",
    ),
    m(
        "two_headers_one_column",
        "{file}:{line}: columns {a} and {b} both map to {column}; drop one, or map one elsewhere with --map",
        "{file}:{line}：列 {a} 和 {b} 都对应到 {column}；请删掉一列，或用 --map 把其中一列对应到别处",
    ),
    m(
        "pairs_columns",
        "{file}:{line}: needs the columns left_id and right_id (as `dedupe --format csv` lists them); it has: {columns}",
        "{file}:{line}：需要 left_id 和 right_id 两列（即 `dedupe --format csv` 输出的列）；现有列：{columns}",
    ),
    m(
        "output_one_table",
        "--output writes one table, but the files hold {tables}: import them separately",
        "--output 只能写一张表，但这些文件包含 {tables}：请分开导入",
    ),
    m(
        "where_unknown_column",
        "--where {column}: the customers have no such column (they have: {columns}, and tier, segment as graded)",
        "--where {column}：客户没有这一列（现有列：{columns}，以及分级得出的 tier、segment）",
    ),
    // input and output (every file)
    m("cannot_write", "{file}: cannot write", "{file}：无法写入"),
    m("cannot_read", "{file}: cannot read", "{file}：无法读取"),
    m(
        "cannot_read_why",
        "{file}: cannot read: {why}",
        "{file}：无法读取：{why}",
    ),
    m(
        "cannot_write_why",
        "{file}: cannot write: {why}",
        "{file}：无法写入：{why}",
    ),
    m("cannot_create", "{file}: cannot create", "{file}：无法创建"),
    m(
        "cannot_create_temp",
        "{file}: cannot create a temp file",
        "{file}：无法创建临时文件",
    ),
    m("cannot_append", "{file}: cannot append", "{file}：无法追加"),
    m(
        "cannot_replace",
        "{file}: cannot replace",
        "{file}：无法替换",
    ),
    m(
        "cannot_open_plain",
        "{file}: cannot open",
        "{file}：无法打开",
    ),
    m(
        "cannot_create_lock",
        "{file}: cannot create the lock file",
        "{file}：无法创建锁文件",
    ),
    m(
        "damaged_journal",
        "{file}: damaged journal",
        "{file}：提交日志已损坏",
    ),
    m(
        "changed_while_read",
        "{file}: changed while it was read",
        "{file}：读取期间被改动了",
    ),
    m(
        "cannot_register",
        "{file}: cannot register this --no-mask run",
        "{file}：无法登记这次 --no-mask 查阅",
    ),
    m(
        "cannot_decode_as",
        "{file}: cannot be decoded as {encoding}",
        "{file}：不能按 {encoding} 解码",
    ),
    m(
        "log_foreign_header",
        "{file}:1: the header is {header}, not {want}: this is not dangan's log; move it aside (nothing was changed)",
        "{file}:1：表头是 {header}，不是 {want}：这不是 dangan 的变更记录；请把它移走（没有改动任何文件）",
    ),
    m(
        "log_torn",
        "{file}:{line}: the last line is torn (no line end): the file was cut or edited by hand; repair or remove that line before dangan appends to it (nothing was changed)",
        "{file}:{line}：最后一行不完整（没有换行）：文件被截断或手工改过；请先修好或删掉这一行，dangan 才能继续追加（没有改动任何文件）",
    ),
    m(
        "not_a_workbook",
        "{file}: not a readable workbook: {why}",
        "{file}：不是可读取的工作簿：{why}",
    ),
    m(
        "sheet_unreadable",
        "{file}: sheet {sheet} cannot be read: {why}",
        "{file}：工作表 {sheet} 无法读取：{why}",
    ),
    m(
        "workbook_no_sheets",
        "{file}: workbook has no sheets",
        "{file}：工作簿里没有工作表",
    ),
    m(
        "sheet_empty",
        "{file}: sheet {sheet} is empty (no header row)",
        "{file}：工作表 {sheet} 是空的（没有表头行）",
    ),
    m(
        "workbook_from_stdin",
        "{file}: a workbook cannot be read from standard input; give its path",
        "{file}：不能从标准输入读取工作簿；请给出文件路径",
    ),
    m(
        "no_such_sheet",
        "{file}: no sheet named {sheet} (sheets: {sheets})",
        "{file}：没有名为 {sheet} 的工作表（现有：{sheets}）",
    ),
    m(
        "which_table_short",
        "{file}: cannot tell which table the headers belong to; give --table",
        "{file}：看不出表头属于哪张表；请加 --table",
    ),
    m("not valid YAML", "not valid YAML", "不是有效的 YAML"),
    m("invalid settings", "invalid settings", "设置有误"),
    m("invalid rules", "invalid rules", "规则有误"),
    // classify --write (src/commands/classify.rs)
    m(
        "grades_unchanged",
        "{file}: grades unchanged, nothing written",
        "{file}：分级没有变化，未写入",
    ),
    m(
        "grades_written",
        "{file}: tier, segment, classified_at written ({n} customer(s) changed)",
        "{file}：已写入 tier、segment、classified_at（{n} 位客户有变化）",
    ),
    m(
        "backup_kept_file",
        "previous file kept in {dir}",
        "原文件已备份到 {dir}",
    ),
    // settings and the limits that refuse hostile files
    m(
        "age_band_names",
        "analyze.age_band_names: {names} names for {bounds} bounds (one more name than bounds)",
        "analyze.age_band_names：{names} 个名称对 {bounds} 个分界（名称应比分界多一个）",
    ),
    m(
        "age_bands_increase",
        "analyze.age_bands: the bounds must increase",
        "analyze.age_bands：分界必须递增",
    ),
    m(
        "aliases_unknown_table",
        "{file}: import.aliases: unknown table {table} (customers, transactions, followups, complaints)",
        "{file}：import.aliases：没有 {table} 这张表（customers、transactions、followups、complaints）",
    ),
    m(
        "id_width",
        "{file}: archive.id_width must be between 1 and 18",
        "{file}：archive.id_width 必须在 1 到 18 之间",
    ),
    m(
        "map_expected",
        "{file}: expected a map of header: column",
        "{file}：应为“表头: 列名”的映射",
    ),
    m(
        "map_keys_text",
        "{file}: keys must be text",
        "{file}：键必须是文本",
    ),
    m(
        "map_pairs_text",
        "{file}: {key}: expected header: column pairs of text",
        "{file}：{key}：应为文本的“表头: 列名”对",
    ),
    m(
        "map_value",
        "{file}: {key}: expected a column name, or a table name with a map",
        "{file}：{key}：应为列名，或表名加一个映射",
    ),
    m(
        "required_unknown_column",
        "validation settings: required.{table}: {column} is not a column of {table}",
        "检查设置：required.{table}：{column} 不是 {table} 的列",
    ),
    m(
        "yaml_indent",
        "{file}:{line}: indented {indent} columns, more than {max}: a table is a list of flat maps, refusing to parse it",
        "{file}:{line}：缩进 {indent} 列，超过 {max}：表应是扁平映射的列表，拒绝解析",
    ),
    m(
        "yaml_depth",
        "{file}:{line}: nested more than {max} levels deep: a table is a list of flat maps, refusing to parse it",
        "{file}:{line}：嵌套超过 {max} 层：表应是扁平映射的列表，拒绝解析",
    ),
    m(
        "yaml_not_list",
        "{file}:1: expected a list of maps (one map per record), found {found}",
        "{file}:1：应为映射的列表（每条记录一个映射），实际是 {found}",
    ),
    m(
        "yaml_item_not_map",
        "{file}:{line}: item {item} is {found}, expected a map of column: value",
        "{file}:{line}：第 {item} 项是 {found}，应为“列: 值”的映射",
    ),
    m(
        "yaml_key_not_text",
        "{file}:{line}: item {item} has a key that is not text",
        "{file}:{line}：第 {item} 项有一个不是文本的键",
    ),
    m(
        "yaml_value_kind",
        "{file}:{line}: item {item}, key {key}: value is {found}, expected text or a number",
        "{file}:{line}：第 {item} 项，键 {key}：值是 {found}，应为文本或数字",
    ),
    m(
        "quote_maybe_open",
        " (a quote opened on line {line} may never be closed)",
        "（第 {line} 行的引号可能没有闭合）",
    ),
    m(
        "line_too_long",
        "{file}: line {line} is longer than {max} MiB; refusing to read it{quote}",
        "{file}：第 {line} 行超过 {max} MiB，拒绝读取{quote}",
    ),
    m(
        "value_too_long",
        "{file}:{line}: value of column {column} is {len} bytes, over the {max} KiB limit",
        "{file}:{line}：列 {column} 的值有 {len} 字节，超过 {max} KiB 的上限",
    ),
    m(
        "too_many_columns",
        "{file}:{line}: {n} columns, more than the {max} a table may have (Excel's limit); refusing to read it",
        "{file}:{line}：{n} 列，超过一张表最多的 {max} 列（Excel 的上限），拒绝读取",
    ),
    m(
        "duplicate_header",
        "{file}:{line}: duplicate header {header} in columns {a} and {b}",
        "{file}:{line}：第 {a} 列和第 {b} 列的表头 {header} 重复",
    ),
    m(
        "binary_data",
        "{file}:{line}: binary data (a NUL byte at offset {offset}); not a text, YAML or workbook file",
        "{file}:{line}：二进制数据（偏移 {offset} 处有 NUL 字节）；不是文本、YAML 或工作簿文件",
    ),
    m(
        "workbook_too_big",
        "{file}: the workbook unpacks to more than {max} MiB (a zip bomb, or a sheet too large to read from a workbook: save it as CSV)",
        "{file}：工作簿解压后超过 {max} MiB（可能是压缩炸弹，或工作表太大，不适合从工作簿读取：请另存为 CSV）",
    ),
    m(
        "sheet_too_wide",
        "{file}:{line}: sheet {sheet} has a value in column {column}, beyond the {max} columns a sheet may have",
        "{file}:{line}：工作表 {sheet} 第 {column} 列有值，超过一张表最多的 {max} 列",
    ),
    m(
        "sheet_row_beyond",
        "{file}:{line}: sheet {sheet} row has values beyond the {width} headed columns",
        "{file}:{line}：工作表 {sheet} 这一行在有表头的 {width} 列之外还有值",
    ),
    m(
        "credit_groups",
        "credit is per customer: group by customer_id, tier, region, city, kind or owner, not {by}",
        "信用按客户计算：请按 customer_id、tier、region、city、kind 或 owner 分组，不能按 {by}",
    ),
    m(
        "pct_range",
        "{name} must be a percentage above 0 and at most 100, not {value}",
        "{name} 必须是大于 0、不超过 100 的百分比，而不是 {value}",
    ),
    m(
        "a_above_b",
        "a ({a}) must not be above b ({b})",
        "a（{a}）不能大于 b（{b}）",
    ),
    m(
        "thresholds",
        "thresholds must satisfy a_min >= b_min > 0",
        "门槛必须满足 a_min >= b_min > 0",
    ),
    m(
        "grace_days",
        "grace_days must not be negative",
        "grace_days 不能为负数",
    ),
    m(
        "unknown_risk_rule",
        "off: unknown risk rule {rule} (one of {rules})",
        "off：没有 {rule} 这条风险规则（可选：{rules}）",
    ),
    m(
        "response_hours",
        "complaints.response_hours.{name}: {value} is not a number of hours above 0",
        "complaints.response_hours.{name}：{value} 不是大于 0 的小时数",
    ),
    m(
        "open_days",
        "complaints.open_days: {value} is below 0",
        "complaints.open_days：{value} 小于 0",
    ),
    m(
        "risk_major",
        "complaints.risk_major: must be at least 1",
        "complaints.risk_major：至少为 1",
    ),
    m(
        "xlsx_too_many_rows",
        "{n} rows do not fit in one Excel sheet (1,048,576 rows): use --format csv, or narrow it (--owner, --where, --period)",
        "{n} 行放不进一个 Excel 工作表（最多 1,048,576 行）：请用 --format csv，或缩小范围（--owner、--where、--period）",
    ),
    // a cell no reader can take (src/read/cells.rs)
    m(
        "unreadable_cell",
        "{file}:{line}: column {column}: {value}: {why}; {repair} (`dangan validate` lists every such cell)",
        "{file}:{line}：列 {column}：{value}：{why}；{repair}（`dangan validate` 会列出所有这样的单元格）",
    ),
    m(
        "repair_enum",
        "write one of {words}",
        "请填写以下之一：{words}",
    ),
    // why a cell is unreadable (src/values/normalize.rs)
    m("not a date", "not a date", "不是日期"),
    m("not a date and time", "not a date and time", "不是日期时间"),
    m("not an amount", "not an amount", "不是金额"),
    m("not a number", "not a number", "不是数字"),
    m(
        "not a satisfaction score from 1 to 5",
        "not a satisfaction score from 1 to 5",
        "不是 1 到 5 的满意度评分",
    ),
    // how to repair it (src/read/cells.rs: repair)
    m(
        "write an amount in yuan, e.g. 1234.50 (¥, 元, 万 and thousands separators are read)",
        "write an amount in yuan, e.g. 1234.50 (¥, 元, 万 and thousands separators are read)",
        "请填写以元为单位的金额，如 1234.50（可以带 ¥、元、万和千位分隔符）",
    ),
    m(
        "write a number, e.g. 12 or 2.5",
        "write a number, e.g. 12 or 2.5",
        "请填写数字，如 12 或 2.5",
    ),
    m(
        "write a date, e.g. 2026-08-15 (2026/8/15, 2026年8月15日 and 20260815 are read)",
        "write a date, e.g. 2026-08-15 (2026/8/15, 2026年8月15日 and 20260815 are read)",
        "请填写日期，如 2026-08-15（也可以写 2026/8/15、2026年8月15日 或 20260815）",
    ),
    m(
        "write a date, or a date and time, e.g. 2026-08-15 14:30 (2026/8/15 下午2:30 and 2026年8月15日14时30分 are read)",
        "write a date, or a date and time, e.g. 2026-08-15 14:30 (2026/8/15 下午2:30 and 2026年8月15日14时30分 are read)",
        "请填写日期或日期时间，如 2026-08-15 14:30（也可以写 2026/8/15 下午2:30 或 2026年8月15日14时30分）",
    ),
    m(
        "write 1, 2, 3, 4 or 5 (非常满意, 满意, 基本满意, 不满意, 非常不满意, 4分 and ★★★★ are read)",
        "write 1, 2, 3, 4 or 5 (非常满意, 满意, 基本满意, 不满意, 非常不满意, 4分 and ★★★★ are read)",
        "请填写 1、2、3、4 或 5（也可以写 非常满意、满意、基本满意、不满意、非常不满意、4分 或 ★★★★）",
    ),
    m("correct the value", "correct the value", "请更正该值"),
    // clap's usage errors, rebuilt from their parts (src/bin/dangan.rs)
    m(
        "usage_unknown_argument",
        "error: unexpected argument '{arg}'{tip}\n\nFor more information, try '--help'.",
        "错误：无法识别的参数 '{arg}'{tip}\n\n查看用法：加 '--help'。",
    ),
    m(
        "usage_tip",
        "\n\n  tip: did you mean '{suggested}'?",
        "\n\n  提示：是不是要写 '{suggested}'？",
    ),
    m(
        "usage_invalid_value",
        "error: invalid value '{value}' for '{arg}'{why}{valid}\n\nFor more information, try '--help'.",
        "错误：'{arg}' 的值 '{value}' 无效{why}{valid}\n\n查看用法：加 '--help'。",
    ),
    m("usage_why", ": {why}", "：{why}"),
    m(
        "flag_not_a_date",
        "not a date: {value} (use YYYY-MM-DD)",
        "不是日期：{value}（请写 YYYY-MM-DD）",
    ),
    m("not_one_of", "not one of {words}", "不是以下之一：{words}"),
    m(
        "usage_valid",
        "\n  [possible values: {values}]",
        "\n  [可选值：{values}]",
    ),
    m(
        "usage_missing",
        "error: the following required arguments were not provided: {args}\n\nFor more information, try '--help'.",
        "错误：缺少必需的参数：{args}\n\n查看用法：加 '--help'。",
    ),
    m(
        "usage_unknown_command",
        "error: unrecognized subcommand '{command}'{tip}\n\nFor more information, try '--help'.",
        "错误：没有命令 '{command}'{tip}\n\n查看用法：加 '--help'。",
    ),
    m(
        "usage_missing_value",
        "error: a value is required for '{arg}' but none was supplied\n\nFor more information, try '--help'.",
        "错误：'{arg}' 需要一个值，但没有给出\n\n查看用法：加 '--help'。",
    ),
    m(
        "usage_conflict",
        "error: the argument '{arg}' cannot be used with '{other}'\n\nFor more information, try '--help'.",
        "错误：参数 '{arg}' 不能与 '{other}' 同时使用\n\n查看用法：加 '--help'。",
    ),
];

static LANG: OnceLock<Lang> = OnceLock::new();

/// The language of stderr for this run (set once, at start-up).
pub fn set_lang(lang: Lang) {
    let _ = LANG.set(lang);
}

/// The language of stderr: as set, else from the environment.
pub fn lang() -> Lang {
    *LANG.get_or_init(Lang::from_env)
}

fn entry(key: &str) -> Option<&'static Message> {
    CATALOGUE.iter().find(|e| e.key == key)
}

/// The message `key` in the language of this run, its `{name}`
/// placeholders filled from `args`. An unknown key is shown as it is.
pub fn msg(key: &str, args: &[(&str, &str)]) -> String {
    msg_in(lang(), key, args)
}

/// [`msg`] in a given language.
pub fn msg_in(lang: Lang, key: &str, args: &[(&str, &str)]) -> String {
    let template = entry(key).map_or(key, |e| lang.pick(e.zh, e.en));
    fill(template, args)
}

/// A fixed English phrase in the language of this run (kept as it is when
/// the catalogue has no Chinese for it); `not one of a, b` is a template.
pub fn phrase(en: &str) -> String {
    if let Some(words) = en.strip_prefix("not one of ") {
        return msg("not_one_of", &[("words", words)]);
    }
    match (lang(), entry(en)) {
        (Lang::Zh, Some(e)) => e.zh.to_string(),
        _ => en.to_string(),
    }
}

/// A catalogue message with named arguments: `tr!("cannot_open", file =
/// name, why = reason)` is `msg("cannot_open", &[("file", …), ("why", …)])`,
/// each value taken by its `Display`.
#[macro_export]
macro_rules! tr {
    ($key:expr $(, $name:ident = $val:expr)* $(,)?) => {
        $crate::render::messages::msg($key, &[$((stringify!($name), $val.to_string().as_str())),*])
    };
}

/// `{name}` → its value, in one pass (a value that holds `{x}` stays).
fn fill(template: &str, args: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) => {
                let name = &after[..close];
                match args.iter().find(|(k, _)| *k == name) {
                    Some((_, v)) => out.push_str(v),
                    None => {
                        out.push('{');
                        out.push_str(name);
                        out.push('}');
                    }
                }
                rest = &after[close + 1..];
            }
            None => {
                out.push_str(&rest[open..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// The `{name}` placeholders of a template, sorted.
pub fn placeholders(template: &str) -> Vec<&str> {
    let mut v = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else { break };
        let name = &after[..close];
        if !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            v.push(name);
        }
        rest = &after[close + 1..];
    }
    v.sort_unstable();
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_message_has_both_languages_with_the_same_placeholders() {
        let mut keys = std::collections::BTreeSet::new();
        for e in CATALOGUE {
            assert!(keys.insert(e.key), "{}: twice", e.key);
            assert!(!e.en.trim().is_empty(), "{}: no English", e.key);
            assert!(!e.zh.trim().is_empty(), "{}: no Chinese", e.key);
            assert_ne!(e.en, e.zh, "{}: not translated", e.key);
            assert!(
                e.zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)
                    || ('\u{ff00}'..='\u{ffef}').contains(&c)),
                "{}: the Chinese has no hanzi nor full-width punctuation",
                e.key
            );
            assert_eq!(
                placeholders(e.en),
                placeholders(e.zh),
                "{}: the placeholders differ",
                e.key
            );
            // a phrase is keyed by its English text
            if e.key.contains(' ') {
                assert_eq!(e.key, e.en, "a phrase's key is its English");
            }
        }
    }

    #[test]
    fn templates_are_filled_and_canonical_names_stay() {
        let args = [
            ("file", "transactions.csv"),
            ("line", "42"),
            ("column", "amount"),
            ("value", "\"12..50\""),
            ("why", "不是金额"),
            ("repair", "请更正该值"),
        ];
        assert_eq!(
            msg_in(Lang::Zh, "unreadable_cell", &args),
            "transactions.csv:42：列 amount：\"12..50\"：不是金额；请更正该值（`dangan validate` 会列出所有这样的单元格）"
        );
        assert_eq!(
            fill("{a} and {b}", &[("a", "{b}"), ("b", "x")]),
            "{b} and x"
        );
        assert_eq!(fill("no {close", &[]), "no {close");
        assert_eq!(msg_in(Lang::En, "no_such_key", &[]), "no_such_key");
    }
}
