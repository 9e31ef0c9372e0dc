//! `dangan.yaml`: the archive's settings, every one with a built-in default.
//!
//! ```yaml
//! archive:
//!   id_prefix: C        # new archive numbers: C000001, C000002, ...
//!   id_width: 6
//!   bom: false          # write archive CSVs with a UTF-8 BOM (for Excel users)
//!   format: csv         # format of tables a new archive creates: csv | yaml
//!   cache: true         # keep binary copies of big CSV tables in .cache/
//!   cache_min_mb: 16    # ... from this size on (src/analytics/cache.rs)
//!   prepare: true       # writers make again what show/find kept (src/analytics/prepared.rs)
//! import:
//!   on_duplicate: merge # merge | skip | error
//!   aliases:            # extra header names, per table
//!     customers: { 客户全名: name, 微信号: wechat }
//! validate:             # see src/check/rules.rs
//!   stale_days: 60
//! classify:             # see src/analytics/tiers.rs
//!   method: pareto
//! due:                 # see src/analytics/schedule.rs
//!   new_record: [3, 30, 60]
//!   anniversaries: [结婚纪念日]
//! analyze:
//!   age_bands: [35, 60]           # --by age_band: under 35, 35-59, 60 and over
//!   age_band_names: [青年, 中年, 老年]
//! confidential: [健康状况, 配偶情况]  # masked like id_number, mobile, phone, email
//! complaints:           # see src/analytics/complaints.rs
//!   response_hours: { major: 24, serious: 48, minor: 72 }
//!   open_days: 30
//! report:               # see src/commands/report.rs
//!   followup_days: { A: 30, B: 60, C: 90 }
//!   birthday_days: 14
//!   top: 10
//! ```

use anyhow::{Result, anyhow, bail};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
#[derive(Default)]
pub struct Settings {
    pub archive: ArchiveSettings,
    pub import: ImportSettings,
    pub validate: crate::check::rules::ValidateSettings,
    pub classify: crate::analytics::tiers::ClassifySettings,
    pub report: ReportSettings,
    pub due: crate::analytics::schedule::DueSettings,
    pub analyze: AnalyzeSettings,
    pub complaints: crate::analytics::complaints::ComplaintSettings,
    /// columns masked besides id_number, mobile, phone and email (extra
    /// columns such as 健康状况); canonical names or the extra column's header
    pub confidential: Vec<String>,
}

/// `analyze:` in dangan.yaml: the age bands of `--by age_band` (ages under
/// each bound, then the rest), by default 青年 under 35, 中年 35–59, 老年 60
/// and over.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AnalyzeSettings {
    pub age_bands: Vec<u32>,
    pub age_band_names: Vec<String>,
}

impl Default for AnalyzeSettings {
    fn default() -> Self {
        AnalyzeSettings {
            age_bands: vec![35, 60],
            age_band_names: vec!["青年".into(), "中年".into(), "老年".into()],
        }
    }
}

impl AnalyzeSettings {
    /// The band of an age.
    pub fn band(&self, age: u32) -> &str {
        let i = self.age_bands.iter().take_while(|b| age >= **b).count();
        self.age_band_names.get(i).map(String::as_str).unwrap_or("")
    }

    fn check(&self) -> Result<()> {
        if self.age_band_names.len() != self.age_bands.len() + 1 {
            bail!(crate::tr!(
                "age_band_names",
                names = self.age_band_names.len(),
                bounds = self.age_bands.len()
            ));
        }
        if self.age_bands.windows(2).any(|w| w[0] >= w[1]) {
            bail!(crate::tr!("age_bands_increase"));
        }
        Ok(())
    }
}

/// `report:` in dangan.yaml.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ReportSettings {
    /// days between follow-ups per tier (两月一回访 ...)
    pub followup_days: BTreeMap<crate::analytics::tiers::Tier, i64>,
    /// how far ahead birthdays are listed
    pub birthday_days: i64,
    /// rows of the top-N tables
    pub top: usize,
}

impl Default for ReportSettings {
    fn default() -> Self {
        ReportSettings {
            followup_days: [
                (crate::analytics::tiers::Tier::A, 30),
                (crate::analytics::tiers::Tier::B, 60),
                (crate::analytics::tiers::Tier::C, 90),
            ]
            .into(),
            birthday_days: 14,
            top: 10,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ArchiveSettings {
    pub id_prefix: String,
    pub id_width: usize,
    pub bom: bool,
    pub format: StoreFormat,
    /// keep binary copies of big CSV tables in `.cache/` (see src/analytics/cache.rs)
    pub cache: bool,
    /// the size from which a CSV table gets a copy
    pub cache_min_mb: u64,
    /// after a write, make again the files `show` and `find` kept (see
    /// src/analytics/prepared.rs); false: the next `show` makes them
    pub prepare: bool,
}

impl Default for ArchiveSettings {
    fn default() -> Self {
        ArchiveSettings {
            id_prefix: "C".into(),
            id_width: 6,
            bom: false,
            format: StoreFormat::Csv,
            cache: true,
            cache_min_mb: 16,
            prepare: true,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum StoreFormat {
    #[default]
    Csv,
    Yaml,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum OnDuplicate {
    /// non-empty incoming values replace archived ones
    #[default]
    Merge,
    /// rows that match an existing customer are left out
    Skip,
    /// a row that matches an existing customer stops the import (exit 2)
    Error,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct ImportSettings {
    pub on_duplicate: Option<OnDuplicate>,
    /// table → (header → column)
    pub aliases: BTreeMap<String, BTreeMap<String, String>>,
}

impl Settings {
    /// Read `DIR/dangan.yaml`; built-in defaults when there is none.
    pub fn load(dir: &Path) -> Result<Settings> {
        let path = dir.join("dangan.yaml");
        match std::fs::read_to_string(&path) {
            Ok(text) => Settings::parse(&text, &path.display().to_string()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Settings::default()),
            Err(e) => Err(anyhow!(crate::tr!(
                "cannot_read_why",
                file = path.display(),
                why = e
            ))),
        }
    }

    pub fn parse(text: &str, name: &str) -> Result<Settings> {
        if text.trim().is_empty() {
            return Ok(Settings::default());
        }
        crate::read::yaml::check_yaml_depth(name, text)?;
        let s: Settings = serde_yaml::from_str(text)
            .map_err(|e| crate::read::yaml::yaml_error(name, "invalid settings", e))?;
        for table in s.import.aliases.keys() {
            if crate::archive::schema::TableKind::parse(table).is_none() {
                bail!(crate::tr!(
                    "aliases_unknown_table",
                    file = name,
                    table = format!("{table:?}")
                ));
            }
        }
        s.analyze.check().map_err(|e| anyhow!("{name}: {e}"))?;
        s.complaints.check().map_err(|e| anyhow!("{name}: {e}"))?;
        if let Err(e) = s.validate.check() {
            bail!("{name}: validate: {e}");
        }
        if let Err(e) = s.classify.resolve() {
            bail!("{name}: classify: {e}");
        }
        if s.archive.id_width == 0 || s.archive.id_width > 18 {
            bail!(crate::tr!("id_width", file = name));
        }
        Ok(s)
    }

    /// The user's header aliases for one table, as (header, column) pairs.
    pub fn aliases(&self, table: crate::archive::schema::TableKind) -> Vec<(String, String)> {
        aliases_for(&self.import.aliases, table)
    }
}

/// Aliases per table (`import.aliases`, `--map`).
pub type Aliases = BTreeMap<String, BTreeMap<String, String>>;

/// One table's aliases as (header, column) pairs.
pub fn aliases_for(
    aliases: &Aliases,
    table: crate::archive::schema::TableKind,
) -> Vec<(String, String)> {
    aliases
        .get(table.name())
        .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default()
}

/// Read a `--map FILE`: either `{header: column}` for every table, or the
/// per-table form of `import.aliases`.
pub fn load_map_file(path: &Path) -> Result<Aliases> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path)
        .map_err(|e| anyhow!(crate::tr!("cannot_read_why", file = name, why = e)))?;
    crate::read::yaml::check_yaml_depth(&name, &text)?;
    let value: serde_yaml::Value = serde_yaml::from_str(&text)
        .map_err(|e| crate::read::yaml::yaml_error(&name, "not valid YAML", e))?;
    let serde_yaml::Value::Mapping(m) = value else {
        bail!(crate::tr!("map_expected", file = name));
    };
    let mut out: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for (k, v) in m {
        let key = k
            .as_str()
            .ok_or_else(|| anyhow!(crate::tr!("map_keys_text", file = name)))?
            .to_string();
        match v {
            serde_yaml::Value::String(col) => {
                for t in crate::archive::schema::TableKind::ALL {
                    out.entry(t.name().into())
                        .or_default()
                        .insert(key.clone(), col.clone());
                }
            }
            serde_yaml::Value::Mapping(inner)
                if crate::archive::schema::TableKind::parse(&key).is_some() =>
            {
                for (h, c) in inner {
                    let (Some(h), Some(c)) = (h.as_str(), c.as_str()) else {
                        bail!(crate::tr!("map_pairs_text", file = name, key = key));
                    };
                    out.entry(key.clone())
                        .or_default()
                        .insert(h.into(), c.into());
                }
            }
            _ => bail!(crate::tr!(
                "map_value",
                file = name,
                key = format!("{key:?}")
            )),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_errors() {
        let s = Settings::parse("", "x").unwrap();
        assert_eq!(s.archive.id_prefix, "C");
        let s = Settings::parse("archive:\n  id_prefix: KH\n  id_width: 4\n", "x").unwrap();
        assert_eq!(
            (s.archive.id_prefix.as_str(), s.archive.id_width),
            ("KH", 4)
        );
        let e = Settings::parse("archive:\n  id_prefx: KH\n", "dangan.yaml")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("dangan.yaml:2:"), "{e}");
        assert!(e.contains("id_prefx"), "{e}");
    }
}
