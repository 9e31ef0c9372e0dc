//! A report as one self-contained HTML file: no script, no external font,
//! style sheet or image; charts are inline SVG (bars for compositions, a
//! donut for tiers, a line for the monthly trend), text in the system's
//! Chinese fonts.

use crate::render::document::{Block, Chart, Document, TableBlock, people_rows, pick};
use crate::render::output::{Cell, Lang};
use std::fmt::Write as _;

const PALETTE: [&str; 10] = [
    "#2563eb", "#16a34a", "#f59e0b", "#dc2626", "#7c3aed", "#0891b2", "#db2777", "#65a30d",
    "#ea580c", "#475569",
];

const STYLE: &str = r#"
:root { color-scheme: light; }
body { margin: 0; background: #f5f6f8; color: #1f2937;
  font: 14px/1.5 "PingFang SC", "Hiragino Sans GB", "Microsoft YaHei", "Noto Sans CJK SC",
    "Source Han Sans SC", "WenQuanYi Micro Hei", system-ui, sans-serif; }
main { max-width: 1040px; margin: 0 auto; padding: 24px; }
h1 { font-size: 24px; margin: 0 0 4px; }
.meta { color: #6b7280; margin: 0 0 16px; }
section { background: #fff; border-radius: 8px; padding: 16px 20px; margin: 16px 0;
  box-shadow: 0 1px 2px rgba(0,0,0,.06); }
h2 { font-size: 18px; margin: 0 0 12px; border-left: 4px solid #2563eb; padding-left: 8px; }
h3 { font-size: 15px; margin: 16px 0 8px; color: #374151; }
dl.fields { display: grid; grid-template-columns: repeat(auto-fill, minmax(150px, 1fr));
  gap: 8px; margin: 0 0 8px; }
dl.fields div { background: #f9fafb; border-radius: 6px; padding: 8px 10px; }
dt { color: #6b7280; font-size: 12px; }
dd { margin: 0; font-size: 18px; font-weight: 600; font-variant-numeric: tabular-nums; }
table { border-collapse: collapse; width: 100%; margin: 4px 0 8px; font-size: 13px; }
th, td { padding: 4px 8px; border-bottom: 1px solid #e5e7eb; text-align: left; white-space: nowrap; }
th { background: #f3f4f6; font-weight: 600; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
tr.total td { font-weight: 600; border-top: 2px solid #9ca3af; }
.scroll { overflow-x: auto; }
svg { display: block; margin: 4px 0 8px; max-width: 100%; height: auto; }
svg text { font-size: 12px; fill: #374151; }
p.note { color: #4b5563; margin: 4px 0 8px; }
p.none { color: #9ca3af; }
"#;

pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The value a chart draws (money in yuan, counts, percentages).
fn magnitude(c: &Cell) -> f64 {
    match c {
        Cell::Int(i) => *i as f64,
        Cell::Fen(f) | Cell::Pct(f) => *f as f64 / 100.0,
        Cell::Qty(q) => *q as f64 / crate::values::money::QTY_SCALE as f64,
        _ => 0.0,
    }
}

pub fn render(doc: &Document, lang: Lang) -> String {
    let mut h = String::new();
    let title = escape(&pick(lang, &doc.title));
    let html_lang = if lang == Lang::Zh { "zh-CN" } else { "en" };
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"{html_lang}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n<h1>{title}</h1>\n"
    );
    let meta: Vec<String> = doc
        .meta
        .iter()
        .map(|(l, c)| {
            format!(
                "{} {}",
                escape(&pick(lang, &(&l.zh, &l.en))),
                escape(&c.render_people())
            )
        })
        .collect();
    let _ = writeln!(h, "<p class=\"meta\">{}</p>", meta.join(" · "));
    for (n, s) in doc.sections.iter().enumerate() {
        let _ = writeln!(
            h,
            "<section id=\"{}\">\n<h2>{}. {}</h2>",
            s.key,
            n + 1,
            escape(&pick(lang, &s.title))
        );
        for b in &s.blocks {
            match b {
                Block::Note(zh, en) => {
                    let _ = writeln!(
                        h,
                        "<p class=\"note\">{}</p>",
                        escape(&pick(lang, &(zh, en)))
                    );
                }
                Block::Fields(f) => {
                    h.push_str("<dl class=\"fields\">\n");
                    for (l, c) in f {
                        let _ = writeln!(
                            h,
                            "<div><dt>{}</dt><dd>{}</dd></div>",
                            escape(&pick(lang, &(&l.zh, &l.en))),
                            escape(&c.render_people())
                        );
                    }
                    h.push_str("</dl>\n");
                }
                Block::Table(t) => table(&mut h, t, lang),
            }
        }
        h.push_str("</section>\n");
    }
    h.push_str("</main>\n</body>\n</html>\n");
    h
}

fn table(h: &mut String, t: &TableBlock, lang: Lang) {
    if let Some(c) = &t.caption {
        let _ = writeln!(h, "<h3>{}</h3>", escape(&pick(lang, c)));
    }
    if t.rows.is_empty() {
        let _ = writeln!(h, "<p class=\"none\">{}</p>", lang.pick("（无）", "(none)"));
        return;
    }
    let rows = people_rows(t, lang);
    // the chart draws the rows, not the total
    let body = &rows[..t.rows.len()];
    match t.chart {
        Some(Chart::Bars { label, value }) => bars(h, body, label, value),
        Some(Chart::Donut { label, value }) => donut(h, body, label, value),
        Some(Chart::Line { label, value }) => line(h, body, label, value),
        None => {}
    }
    h.push_str("<div class=\"scroll\"><table>\n<thead><tr>");
    for c in &t.columns {
        let _ = write!(h, "<th>{}</th>", escape(&pick(lang, &(&c.zh, &c.en))));
    }
    h.push_str("</tr></thead>\n<tbody>\n");
    let mut write_row = |row: &[Cell], class: &str| {
        let _ = write!(h, "<tr{class}>");
        for c in row {
            let numeric = c.is_number();
            let _ = write!(
                h,
                "<td{}>{}</td>",
                if numeric { " class=\"n\"" } else { "" },
                escape(&c.render_people())
            );
        }
        h.push_str("</tr>\n");
    };
    for (i, r) in rows.iter().enumerate() {
        let total = t.footer.is_some() && i + 1 == rows.len();
        write_row(r, if total { " class=\"total\"" } else { "" });
    }
    h.push_str("</tbody></table></div>\n");
}

fn bars(h: &mut String, rows: &[Vec<Cell>], label: usize, value: usize) {
    let rows: Vec<(String, f64, String)> = rows
        .iter()
        .map(|r| {
            (
                r.get(label).map(Cell::render).unwrap_or_default(),
                r.get(value).map(magnitude).unwrap_or(0.0),
                r.get(value).map(Cell::render).unwrap_or_default(),
            )
        })
        .collect();
    let max = rows.iter().map(|r| r.1.abs()).fold(0.0, f64::max);
    let (row_h, label_w, bar_w) = (24.0, 180.0, 420.0);
    let height = rows.len() as f64 * row_h + 8.0;
    let _ = writeln!(
        h,
        "<svg role=\"img\" viewBox=\"0 0 720 {height}\" width=\"720\" height=\"{height}\">"
    );
    for (i, (l, v, shown)) in rows.iter().enumerate() {
        let y = i as f64 * row_h + 4.0;
        let w = if max > 0.0 {
            v.max(0.0) / max * bar_w
        } else {
            0.0
        };
        let colour = PALETTE[i % PALETTE.len()];
        let name: String = l.chars().take(14).collect();
        let _ = writeln!(
            h,
            "<text x=\"{x}\" y=\"{ty}\" text-anchor=\"end\">{name}</text>\
             <rect x=\"{bx}\" y=\"{y}\" width=\"{w:.1}\" height=\"{bh}\" rx=\"3\" fill=\"{colour}\"/>\
             <text x=\"{vx:.1}\" y=\"{ty}\">{shown}</text>",
            x = label_w - 8.0,
            ty = y + 15.0,
            name = escape(&name),
            bx = label_w,
            bh = row_h - 6.0,
            vx = label_w + w + 6.0,
            shown = escape(shown),
        );
    }
    h.push_str("</svg>\n");
}

fn donut(h: &mut String, rows: &[Vec<Cell>], label: usize, value: usize) {
    let parts: Vec<(String, f64)> = rows
        .iter()
        .map(|r| {
            (
                r.get(label).map(Cell::render).unwrap_or_default(),
                r.get(value).map(magnitude).unwrap_or(0.0).max(0.0),
            )
        })
        .collect();
    let total: f64 = parts.iter().map(|p| p.1).sum();
    let (r, cx, cy) = (70.0, 100.0, 100.0);
    let circumference = 2.0 * std::f64::consts::PI * r;
    let _ = writeln!(
        h,
        "<svg role=\"img\" viewBox=\"0 0 420 200\" width=\"420\" height=\"200\">\
         <circle cx=\"{cx}\" cy=\"{cy}\" r=\"{r}\" fill=\"none\" stroke=\"#e5e7eb\" stroke-width=\"30\"/>"
    );
    let mut offset = 0.0;
    for (i, (l, v)) in parts.iter().enumerate() {
        let colour = PALETTE[i % PALETTE.len()];
        let len = if total > 0.0 {
            v / total * circumference
        } else {
            0.0
        };
        let _ = writeln!(
            h,
            "<circle cx=\"{cx}\" cy=\"{cy}\" r=\"{r}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"30\" \
             stroke-dasharray=\"{len:.2} {rest:.2}\" stroke-dashoffset=\"{off:.2}\" transform=\"rotate(-90 {cx} {cy})\"/>\
             <rect x=\"220\" y=\"{ly}\" width=\"12\" height=\"12\" fill=\"{colour}\"/>\
             <text x=\"240\" y=\"{ty}\">{name} {pct:.1}%</text>",
            rest = circumference - len,
            off = -offset,
            ly = 40 + i * 24,
            ty = 51 + i * 24,
            name = escape(l),
            pct = if total > 0.0 { v / total * 100.0 } else { 0.0 },
        );
        offset += len;
    }
    h.push_str("</svg>\n");
}

fn line(h: &mut String, rows: &[Vec<Cell>], label: usize, value: usize) {
    let pts: Vec<(String, f64)> = rows
        .iter()
        .map(|r| {
            (
                r.get(label).map(Cell::render).unwrap_or_default(),
                r.get(value).map(magnitude).unwrap_or(0.0),
            )
        })
        .collect();
    let (w, ht, left, top, bottom) = (720.0, 220.0, 90.0, 12.0, 30.0);
    let max = pts.iter().map(|p| p.1).fold(0.0, f64::max);
    let min = pts.iter().map(|p| p.1).fold(0.0, f64::min);
    let span = if max > min { max - min } else { 1.0 };
    let plot_w = w - left - 48.0;
    let plot_h = ht - top - bottom;
    let x = |i: usize| {
        if pts.len() > 1 {
            left + plot_w * i as f64 / (pts.len() - 1) as f64
        } else {
            left + plot_w / 2.0
        }
    };
    let y = |v: f64| top + plot_h * (1.0 - (v - min) / span);
    let _ = writeln!(
        h,
        "<svg role=\"img\" viewBox=\"0 0 {w} {ht}\" width=\"{w}\" height=\"{ht}\">\
         <line x1=\"{left}\" y1=\"{y0:.1}\" x2=\"{x2}\" y2=\"{y0:.1}\" stroke=\"#9ca3af\"/>\
         <text x=\"{lx}\" y=\"{ymax:.1}\" text-anchor=\"end\">{maxl:.0}</text>\
         <text x=\"{lx}\" y=\"{ymin:.1}\" text-anchor=\"end\">{minl:.0}</text>",
        y0 = y(0.0),
        x2 = w - 48.0,
        lx = left - 8.0,
        ymax = y(max) + 4.0,
        ymin = y(min) + 4.0,
        maxl = max,
        minl = min,
    );
    let path: Vec<String> = pts
        .iter()
        .enumerate()
        .map(|(i, p)| format!("{:.1},{:.1}", x(i), y(p.1)))
        .collect();
    let _ = writeln!(
        h,
        "<polyline fill=\"none\" stroke=\"{}\" stroke-width=\"2\" points=\"{}\"/>",
        PALETTE[0],
        path.join(" ")
    );
    for (i, p) in pts.iter().enumerate() {
        let _ = write!(
            h,
            "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"3\" fill=\"{}\"/>",
            x(i),
            y(p.1),
            PALETTE[0]
        );
        // every other month named, and the last
        if i % 2 == 0 || i + 1 == pts.len() {
            let _ = write!(
                h,
                "<text x=\"{:.1}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
                x(i),
                ht - 8.0,
                escape(&p.0)
            );
        }
    }
    h.push_str("\n</svg>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            escape("<a href='x'>&\"</a>"),
            "&lt;a href=&#39;x&#39;&gt;&amp;&quot;&lt;/a&gt;"
        );
    }
}
