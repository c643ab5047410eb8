//! The peak-period report (seed plan II.6): crashes of the period against the same
//! period of the year before, congestion incidents and their durations, parking
//! occupancy. As a DOCX in the Decree 30/2020 layout (through [`crate::docx`]) and as
//! an XLSX workbook with typed cells. Numbers are written as officials write them
//! ([`crate::exports::format_int`]).

use crate::docx::{self, AdminDoc, Block, Layout};
use crate::exports::{format_int, format_signed, place_date};
use atgt_core::events::DurationStats;
use atgt_core::i18n::{Lang, t, tf};
use atgt_store::crashes::stats::Stats;
use atgt_store::events::{AreaOccupancy, CongestionStats, Incident, Peak};
use jiff::civil::Date;
use rust_xlsxwriter::{Color, Format, FormatAlign, FormatBorder, Workbook};

/// Everything the report shows.
#[derive(Debug, Clone)]
pub struct PeakReport {
    pub peak: Peak,
    pub crashes: Stats,
    pub congestion: CongestionStats,
    pub incidents: Vec<Incident>,
    pub parking: Vec<AreaOccupancy>,
    pub issuer: String,
    pub issuer_parent: String,
    pub signer: String,
    pub date: Date,
    pub chain_head: Option<String>,
}

fn dmy(iso: &str) -> String {
    iso.parse::<Date>()
        .map(atgt_core::time::format_date)
        .unwrap_or_else(|_| iso.to_string())
}

fn dec(lang: Lang, v: f64) -> String {
    let s = format!("{v:.1}");
    if lang == Lang::Vi {
        s.replace('.', ",")
    } else {
        s
    }
}

fn time(us: i64) -> String {
    atgt_core::time::format_local(atgt_core::time::from_micros(us))
}

/// The duration lines: (label, value in minutes as text).
fn duration_rows(d: &DurationStats, lang: Lang) -> Vec<Vec<String>> {
    vec![
        vec![
            t(lang, "events.stat_count").into(),
            format_int(d.count, lang),
        ],
        vec![
            t(lang, "events.stat_total").into(),
            format_int(d.total_min, lang),
        ],
        vec![t(lang, "events.stat_mean").into(), dec(lang, d.mean_min)],
        vec![
            t(lang, "events.stat_median").into(),
            dec(lang, d.median_min),
        ],
        vec![
            t(lang, "events.stat_p90").into(),
            format_int(d.p90_min, lang),
        ],
        vec![
            t(lang, "events.stat_longest").into(),
            format_int(d.longest_min, lang),
        ],
        vec![
            tf(
                lang,
                "events.stat_prolonged",
                &[("n", &format_int(d.threshold_min, lang))],
            ),
            format_int(d.over_threshold, lang),
        ],
    ]
}

/// The report as DOCX bytes.
pub fn docx(r: &PeakReport, lang: Lang) -> anyhow::Result<Vec<u8>> {
    let (from, to) = (dmy(&r.peak.starts_on), dmy(&r.peak.ends_on));
    let c = &r.crashes.total;
    let d = &r.congestion.durations;
    let mut body = vec![
        Block::Para(tf(
            lang,
            "events.report_opening",
            &[
                ("name", &r.peak.name),
                ("from", &from),
                ("to", &to),
                ("visitors", &format_int(r.peak.expected_visitors, lang)),
            ],
        )),
        Block::Heading(format!("1. {}", t(lang, "events.report_crashes"))),
        Block::Para(tf(
            lang,
            "events.report_crashes_text",
            &[
                ("crashes", &format_int(c.crashes, lang)),
                ("deaths", &format_int(c.deaths, lang)),
                ("injured", &format_int(c.injured, lang)),
                ("prev_from", &dmy(&r.crashes.prev_from)),
                ("prev_to", &dmy(&r.crashes.prev_to)),
                ("prev_crashes", &format_int(c.prev_crashes, lang)),
                ("prev_deaths", &format_int(c.prev_deaths, lang)),
                ("prev_injured", &format_int(c.prev_injured, lang)),
            ],
        )),
        Block::Table {
            header: vec![
                t(lang, "export.indicator").into(),
                t(lang, "export.current").into(),
                t(lang, "export.previous").into(),
                t(lang, "export.change").into(),
            ],
            rows: [
                ("export.crit_crashes", c.crashes, c.prev_crashes),
                ("export.crit_deaths", c.deaths, c.prev_deaths),
                ("export.crit_injured", c.injured, c.prev_injured),
            ]
            .iter()
            .map(|(k, now, prev)| {
                vec![
                    t(lang, k).to_string(),
                    format_int(*now, lang),
                    format_int(*prev, lang),
                    format_signed(now - prev, lang),
                ]
            })
            .collect(),
            widths_pct: vec![40, 20, 20, 20],
        },
        Block::Heading(format!("2. {}", t(lang, "events.report_congestion"))),
        Block::Para(tf(
            lang,
            "events.report_congestion_text",
            &[
                ("count", &format_int(d.count + r.congestion.ongoing, lang)),
                ("prolonged", &format_int(d.over_threshold, lang)),
                ("threshold", &format_int(d.threshold_min, lang)),
                ("longest", &format_int(d.longest_min, lang)),
            ],
        )),
        Block::Table {
            header: vec![
                t(lang, "events.indicator").into(),
                t(lang, "events.minutes").into(),
            ],
            rows: duration_rows(d, lang),
            widths_pct: vec![70, 30],
        },
    ];
    if !r.incidents.is_empty() {
        body.push(Block::Table {
            header: [
                "events.started_at",
                "events.place",
                "events.cause",
                "events.queue_m",
                "events.duration_min",
            ]
            .iter()
            .map(|k| t(lang, k).to_string())
            .collect(),
            rows: r
                .incidents
                .iter()
                .map(|i| {
                    vec![
                        time(i.started_at_us),
                        i.place.clone(),
                        t(lang, &format!("congestion_cause.{}", i.cause)).to_string(),
                        format_int(i.queue_m, lang),
                        i.duration_min
                            .map(|m| format_int(m, lang))
                            .unwrap_or_else(|| t(lang, "events.ongoing").into()),
                    ]
                })
                .collect(),
            widths_pct: vec![22, 34, 18, 12, 14],
        });
    }
    body.push(Block::Heading(format!(
        "3. {}",
        t(lang, "events.report_parking")
    )));
    body.push(Block::Table {
        header: [
            "events.parking_area",
            "events.capacity",
            "events.reports",
            "events.peak_occupied",
            "events.peak_pct",
            "events.mean_pct",
            "events.full_reports",
        ]
        .iter()
        .map(|k| t(lang, k).to_string())
        .collect(),
        rows: r
            .parking
            .iter()
            .map(|o| {
                vec![
                    o.area.name.clone(),
                    format_int(o.area.capacity, lang),
                    format_int(o.stats.reports, lang),
                    format_int(o.stats.peak_occupied, lang),
                    format!("{}%", dec(lang, o.stats.peak_pct)),
                    format!("{}%", dec(lang, o.stats.mean_pct)),
                    format_int(o.stats.full_reports, lang),
                ]
            })
            .collect(),
        widths_pct: vec![28, 12, 12, 12, 12, 12, 12],
    });
    if !r.peak.measures.trim().is_empty() {
        body.push(Block::Heading(format!("4. {}", t(lang, "events.measures"))));
        body.push(Block::Para(r.peak.measures.clone()));
    }
    let doc = AdminDoc {
        layout: Layout::State,
        issuer_parent: r.issuer_parent.to_uppercase(),
        issuer: r.issuer.to_uppercase(),
        number: t(lang, "events.report_number").into(),
        place_date: place_date("", r.date, lang),
        title: t(lang, "export.docx_title").into(),
        subtitle: tf(
            lang,
            "events.report_subtitle",
            &[("name", &r.peak.name), ("from", &from), ("to", &to)],
        ),
        body,
        recipients: vec![
            t(lang, "crashes.report_recipient_1").into(),
            t(lang, "crashes.report_recipient_archive").into(),
        ],
        signer_title: vec![t(lang, "crashes.report_signer").into()],
        signer_name: r.signer.clone(),
        footer_note: r
            .chain_head
            .as_deref()
            .map(|h| tf(lang, "export.docx_chain_head", &[("head", h)])),
    };
    docx::render(&doc)
}

/// The report as an XLSX workbook: a summary sheet, the incidents, parking occupancy.
pub fn xlsx(r: &PeakReport, lang: Lang) -> anyhow::Result<Vec<u8>> {
    let base = Format::new()
        .set_font_name("Times New Roman")
        .set_font_size(12);
    let title = base.clone().set_bold().set_font_size(14);
    let header = base
        .clone()
        .set_bold()
        .set_text_wrap()
        .set_align(FormatAlign::Center)
        .set_background_color(Color::RGB(0xD9E1F2))
        .set_border(FormatBorder::Thin);
    let text = base.clone().set_border(FormatBorder::Thin);
    let int = base
        .clone()
        .set_num_format("#,##0")
        .set_border(FormatBorder::Thin);
    let dec1 = base
        .clone()
        .set_num_format("#,##0.0")
        .set_border(FormatBorder::Thin);

    let mut wb = Workbook::new();
    let (from, to) = (dmy(&r.peak.starts_on), dmy(&r.peak.ends_on));
    {
        let ws = wb.add_worksheet();
        ws.set_name(t(lang, "events.sheet_summary"))?;
        ws.set_column_width(0, 44)?;
        ws.set_column_width(1, 16)?;
        ws.set_column_width(2, 16)?;
        ws.write_string_with_format(
            0,
            0,
            tf(
                lang,
                "events.report_subtitle",
                &[("name", &r.peak.name), ("from", &from), ("to", &to)],
            ),
            &title,
        )?;
        ws.write_string_with_format(2, 0, t(lang, "export.indicator"), &header)?;
        ws.write_string_with_format(2, 1, t(lang, "export.current"), &header)?;
        ws.write_string_with_format(2, 2, t(lang, "export.previous"), &header)?;
        let c = &r.crashes.total;
        for (i, (k, now, prev)) in [
            ("export.crit_crashes", c.crashes, c.prev_crashes),
            ("export.crit_deaths", c.deaths, c.prev_deaths),
            ("export.crit_injured", c.injured, c.prev_injured),
        ]
        .iter()
        .enumerate()
        {
            let row = 3 + i as u32;
            ws.write_string_with_format(row, 0, t(lang, k), &text)?;
            ws.write_number_with_format(row, 1, *now as f64, &int)?;
            ws.write_number_with_format(row, 2, *prev as f64, &int)?;
        }
        let d = &r.congestion.durations;
        ws.write_string_with_format(7, 0, t(lang, "events.report_congestion"), &header)?;
        ws.write_string_with_format(7, 1, t(lang, "events.minutes"), &header)?;
        let nums: [(String, f64, bool); 7] = [
            (t(lang, "events.stat_count").into(), d.count as f64, false),
            (
                t(lang, "events.stat_total").into(),
                d.total_min as f64,
                false,
            ),
            (t(lang, "events.stat_mean").into(), d.mean_min, true),
            (t(lang, "events.stat_median").into(), d.median_min, true),
            (t(lang, "events.stat_p90").into(), d.p90_min as f64, false),
            (
                t(lang, "events.stat_longest").into(),
                d.longest_min as f64,
                false,
            ),
            (
                tf(
                    lang,
                    "events.stat_prolonged",
                    &[("n", &format_int(d.threshold_min, lang))],
                ),
                d.over_threshold as f64,
                false,
            ),
        ];
        for (i, (label, v, frac)) in nums.iter().enumerate() {
            let row = 8 + i as u32;
            ws.write_string_with_format(row, 0, label, &text)?;
            ws.write_number_with_format(row, 1, *v, if *frac { &dec1 } else { &int })?;
        }
    }
    {
        let ws = wb.add_worksheet();
        ws.set_name(t(lang, "events.sheet_incidents"))?;
        let cols = [
            "events.started_at",
            "events.ended_at",
            "events.place",
            "events.cause",
            "events.queue_m",
            "events.duration_min",
            "events.handling_unit",
        ];
        for (j, k) in cols.iter().enumerate() {
            ws.write_string_with_format(0, j as u16, t(lang, k), &header)?;
            ws.set_column_width(j as u16, if j == 2 { 40 } else { 18 })?;
        }
        for (i, inc) in r.incidents.iter().enumerate() {
            let row = 1 + i as u32;
            ws.write_string_with_format(row, 0, time(inc.started_at_us), &text)?;
            ws.write_string_with_format(
                row,
                1,
                inc.ended_at_us.map(time).unwrap_or_default(),
                &text,
            )?;
            ws.write_string_with_format(row, 2, &inc.place, &text)?;
            ws.write_string_with_format(
                row,
                3,
                t(lang, &format!("congestion_cause.{}", inc.cause)),
                &text,
            )?;
            ws.write_number_with_format(row, 4, inc.queue_m as f64, &int)?;
            if let Some(m) = inc.duration_min {
                ws.write_number_with_format(row, 5, m as f64, &int)?;
            }
            ws.write_string_with_format(row, 6, &inc.handling_unit, &text)?;
        }
        ws.set_freeze_panes(1, 0)?;
    }
    {
        let ws = wb.add_worksheet();
        ws.set_name(t(lang, "events.sheet_parking"))?;
        let cols = [
            "events.parking_area",
            "events.capacity",
            "events.reports",
            "events.peak_occupied",
            "events.peak_pct",
            "events.mean_pct",
            "events.full_reports",
        ];
        for (j, k) in cols.iter().enumerate() {
            ws.write_string_with_format(0, j as u16, t(lang, k), &header)?;
            ws.set_column_width(j as u16, if j == 0 { 36 } else { 14 })?;
        }
        for (i, o) in r.parking.iter().enumerate() {
            let row = 1 + i as u32;
            ws.write_string_with_format(row, 0, &o.area.name, &text)?;
            ws.write_number_with_format(row, 1, o.area.capacity as f64, &int)?;
            ws.write_number_with_format(row, 2, o.stats.reports as f64, &int)?;
            ws.write_number_with_format(row, 3, o.stats.peak_occupied as f64, &int)?;
            ws.write_number_with_format(row, 4, o.stats.peak_pct, &dec1)?;
            ws.write_number_with_format(row, 5, o.stats.mean_pct, &dec1)?;
            ws.write_number_with_format(row, 6, o.stats.full_reports as f64, &int)?;
        }
        ws.set_freeze_panes(1, 0)?;
    }
    Ok(wb.save_to_buffer()?)
}
