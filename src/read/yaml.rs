//! A YAML file (a list of flat maps) as rows, with the depth and indentation
//! limits checked before the parser sees the text.

use super::source::*;
use anyhow::{Result, anyhow, bail};

/// How deep YAML may nest: flow brackets (`[[[…`) and indentation. An
/// archive table is a list of flat maps (depth 2); the YAML parser's time
/// grows with the square of the depth (100,000 brackets: 80 s), so deeper
/// text is refused before it is parsed.
pub const MAX_YAML_DEPTH: usize = 128;
pub const MAX_YAML_INDENT: usize = 1024;

pub fn check_yaml_depth(name: &str, text: &str) -> Result<()> {
    let mut depth = 0usize;
    for (i, line) in text.lines().enumerate() {
        let indent = line.len() - line.trim_start_matches([' ', '\t']).len();
        if indent > MAX_YAML_INDENT {
            bail!(crate::tr!(
                "yaml_indent",
                file = name,
                line = i + 1,
                indent = indent,
                max = MAX_YAML_INDENT
            ));
        }
        for b in line.bytes() {
            match b {
                b'[' | b'{' => depth += 1,
                b']' | b'}' => depth = depth.saturating_sub(1),
                _ => {}
            }
            if depth > MAX_YAML_DEPTH {
                bail!(crate::tr!(
                    "yaml_depth",
                    file = name,
                    line = i + 1,
                    max = MAX_YAML_DEPTH
                ));
            }
        }
    }
    Ok(())
}

pub(crate) fn read_yaml(name: String, text: &str) -> Result<Source> {
    check_yaml_depth(&name, text)?;
    let value: serde_yaml::Value =
        serde_yaml::from_str(text).map_err(|e| yaml_error(&name, "not valid YAML", e))?;
    let items = match value {
        serde_yaml::Value::Sequence(s) => s,
        serde_yaml::Value::Null => Vec::new(),
        other => bail!(crate::tr!(
            "yaml_not_list",
            file = name,
            found = yaml_kind(&other)
        )),
    };
    // the line of each top-level item: lines starting with "-" at column 0
    let item_lines: Vec<u64> = text
        .lines()
        .enumerate()
        .filter(|(_, l)| l.starts_with('-') && !l.starts_with("---"))
        .map(|(i, _)| i as u64 + 1)
        .collect();
    let n_items = items.len();
    let line_of = |i: usize| -> u64 {
        if item_lines.len() == n_items {
            item_lines[i]
        } else {
            i as u64 + 1
        }
    };
    let mut headers: Vec<String> = Vec::new();
    let mut maps = Vec::with_capacity(items.len());
    for (i, item) in items.into_iter().enumerate() {
        let serde_yaml::Value::Mapping(m) = item else {
            bail!(crate::tr!(
                "yaml_item_not_map",
                file = name,
                line = line_of(i),
                item = i + 1,
                found = yaml_kind(&item)
            ));
        };
        let mut pairs = Vec::with_capacity(m.len());
        for (k, v) in m {
            let key = scalar(&k).ok_or_else(|| {
                anyhow!(crate::tr!(
                    "yaml_key_not_text",
                    file = name,
                    line = line_of(i),
                    item = i + 1
                ))
            })?;
            let val = scalar(&v).ok_or_else(|| {
                anyhow!(crate::tr!(
                    "yaml_value_kind",
                    file = name,
                    line = line_of(i),
                    item = i + 1,
                    key = format!("{key:?}"),
                    found = yaml_kind(&v)
                ))
            })?;
            if !headers.contains(&key) {
                headers.push(key.clone());
            }
            pairs.push((key, val));
        }
        maps.push(pairs);
    }
    let rows: Vec<Row> = maps
        .into_iter()
        .enumerate()
        .map(|(i, pairs)| {
            let mut values = vec![String::new(); headers.len()];
            for (k, v) in pairs {
                if let Some(pos) = headers.iter().position(|h| *h == k) {
                    values[pos] = v;
                }
            }
            Row {
                line: line_of(i),
                values,
            }
        })
        .collect();
    Ok(Source {
        name,
        headers,
        header_line: 1,
        format: SourceFormat::Yaml,
        encoding: "UTF-8",
        size: None,
        rows: Rows::Mem(rows.into_iter()),
        reopen: None,
        delimiter: b',',
        data_start: (0, 0),
    })
}

pub(crate) fn yaml_kind(v: &serde_yaml::Value) -> &'static str {
    match v {
        serde_yaml::Value::Null => "empty",
        serde_yaml::Value::Bool(_) => "a boolean",
        serde_yaml::Value::Number(_) => "a number",
        serde_yaml::Value::String(_) => "text",
        serde_yaml::Value::Sequence(_) => "a list",
        serde_yaml::Value::Mapping(_) => "a map",
        serde_yaml::Value::Tagged(_) => "a tagged value",
    }
}

pub(crate) fn scalar(v: &serde_yaml::Value) -> Option<String> {
    match v {
        serde_yaml::Value::Null => Some(String::new()),
        serde_yaml::Value::Bool(b) => Some(b.to_string()),
        serde_yaml::Value::Number(n) => Some(n.to_string()),
        serde_yaml::Value::String(s) => Some(s.clone()),
        _ => None,
    }
}

/// A YAML error as `FILE:LINE: what: error`.
pub fn yaml_error(name: &str, what: &str, e: serde_yaml::Error) -> anyhow::Error {
    let at = e
        .location()
        .map(|l| format!(":{}", l.line()))
        .unwrap_or_default();
    anyhow!("{name}{at}: {}: {e}", crate::render::messages::phrase(what))
}
