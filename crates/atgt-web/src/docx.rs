//! DOCX writer for Vietnamese administrative documents.
//!
//! Two layouts:
//! - [`Layout::State`]: the format of Decree 30/2020/NĐ-CP, Appendix I (state bodies);
//! - [`Layout::Party`]: the format of Guidance 36-HD/VPTW (Party bodies).
//!
//! Page: A4 portrait, margins top/bottom 20 mm, left 30 mm, right 20 mm; Times New Roman
//! 14 pt body, exact 19 pt line pitch, justified paragraphs with a 1 cm first-line indent.
//! Page numbers sit centred in the top margin from page 2 on (page 1 shows none).
//!
//! The header (issuer block | national title or Party name, then number | place and date)
//! and the closing block (recipients | signature) are borderless two-column tables, as
//! Word templates for these documents do.
//!
//! `scripts/check-docx.sh FILE.docx [TEXT...]` renders a file through LibreOffice to PDF
//! and PNG pages for a look at the layout.

use docx_rs::{
    AlignmentType, BorderType, Docx, Header, LineSpacing, LineSpacingType, PageMargin, PageNum,
    Paragraph, ParagraphBorder, ParagraphBorderPosition, ParagraphBorders, Run, RunFonts,
    SpecialIndentType, Table, TableBorder, TableBorderPosition, TableBorders, TableCell,
    TableLayoutType, TableRow, VAlignType, WidthType,
};

/// Which national layout to follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// State administrative document, Decree 30/2020/NĐ-CP.
    State,
    /// Party document, Guidance 36-HD/VPTW.
    Party,
}

/// One block of the document body.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// Bold section heading, e.g. "I. KẾT QUẢ".
    Heading(String),
    /// Justified body paragraph, first-line indent 1 cm.
    Para(String),
    /// "- " items, one paragraph each.
    Bullets(Vec<String>),
    /// Bordered table; header row bold and centred; cells that read as numbers or
    /// percentages are right-aligned. `widths_pct` gives relative column widths (any
    /// positive numbers; scaled to the text width); if its length does not match the
    /// column count, columns are equal.
    Table {
        header: Vec<String>,
        rows: Vec<Vec<String>>,
        widths_pct: Vec<u8>,
    },
}

/// A complete administrative document.
#[derive(Debug, Clone, PartialEq)]
pub struct AdminDoc {
    pub layout: Layout,
    /// Line 1 of the issuer block, e.g. "UBND TỈNH KHÁNH HÒA" / "ĐẢNG BỘ TỈNH KHÁNH HÒA"; may be empty.
    pub issuer_parent: String,
    /// Issuing body, e.g. "CÔNG AN XÃ XUÂN HẢI" / "HUYỆN ỦY NINH HẢI" (bold).
    pub issuer: String,
    /// e.g. "Số: 12/BC-CA" (State) or "Số 12-BC/HU" (Party).
    pub number: String,
    /// e.g. "Ninh Hải, ngày 20 tháng 9 năm 2023" (italic).
    pub place_date: String,
    /// e.g. "BÁO CÁO" (bold, centred).
    pub title: String,
    /// e.g. "Tình hình trật tự, an toàn giao thông 9 tháng năm 2023" (bold, centred).
    pub subtitle: String,
    pub body: Vec<Block>,
    /// "Nơi nhận:" items, bottom left; a "- " is put before items that lack one.
    pub recipients: Vec<String>,
    /// e.g. ["T/M BAN THƯỜNG VỤ", "BÍ THƯ"], bottom right, centred.
    pub signer_title: Vec<String>,
    /// Bold, after a blank gap for the signature.
    pub signer_name: String,
    /// Small italic line at the very end (e.g. the audit chain head).
    pub footer_note: Option<String>,
}

/// The national title line of a State document.
pub const STATE_NATIONAL_TITLE: &str = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM";
/// The motto line of a State document.
pub const STATE_MOTTO: &str = "Độc lập - Tự do - Hạnh phúc";
/// The Party name line of a Party document.
pub const PARTY_NAME: &str = "ĐẢNG CỘNG SẢN VIỆT NAM";

const FONT: &str = "Times New Roman";

// Geometry, in twentieths of a point (twips). 1 mm = 56.7 twips.
const PAGE_W: u32 = 11906; // 210 mm
const PAGE_H: u32 = 16838; // 297 mm
const MARGIN_TOP: i32 = 1134; // 20 mm
const MARGIN_BOTTOM: i32 = 1134; // 20 mm
const MARGIN_LEFT: i32 = 1701; // 30 mm
const MARGIN_RIGHT: i32 = 1134; // 20 mm
const HEADER_DIST: i32 = 567; // page number 10 mm from the top edge
const FOOTER_DIST: i32 = 567;
const TEXT_W: usize = (PAGE_W as i32 - MARGIN_LEFT - MARGIN_RIGHT) as usize; // 9071
const FIRST_LINE: i32 = 567; // 1 cm
const CELL_PAD: usize = 108 * 2; // Word's default left + right cell margins

// Closing table: recipients | signature.
const END_LEFT: usize = TEXT_W * 9 / 20;
const END_RIGHT: usize = TEXT_W - END_LEFT;

// Font sizes in half-points.
const SZ_BODY: usize = 28; // 14 pt
const SZ_HEAD: usize = 26; // 13 pt: issuer block and motto
const SZ_NATIONAL: usize = 24; // 12 pt: "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
const SZ_PARTY_NAME: usize = 30; // 15 pt: "ĐẢNG CỘNG SẢN VIỆT NAM"
const SZ_TABLE: usize = 26; // 13 pt
const SZ_RECIPIENT_HEAD: usize = 24; // 12 pt
const SZ_RECIPIENT_STATE: usize = 22; // 11 pt
const SZ_RECIPIENT_PARTY: usize = 24; // 12 pt
const SZ_NOTE: usize = 20; // 10 pt

const BODY_PITCH: i32 = 380; // exact 19 pt between body lines
const BODY_BEFORE: u32 = 120; // 6 pt before each body paragraph

// Header table column widths.
// State: 40/60, so "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" (12 pt bold) fits on one line.
// Party: 45/55, so a 14 pt "ĐẢNG BỘ TỈNH …" line has room and 15 pt "ĐẢNG CỘNG SẢN VIỆT NAM" fits.
fn head_widths(layout: Layout) -> (usize, usize) {
    let left = match layout {
        Layout::State => TEXT_W * 2 / 5,
        Layout::Party => TEXT_W * 9 / 20,
    };
    (left, TEXT_W - left)
}

/// Renders the document as DOCX bytes.
pub fn render(doc: &AdminDoc) -> anyhow::Result<Vec<u8>> {
    let fonts = RunFonts::new()
        .ascii(FONT)
        .hi_ansi(FONT)
        .cs(FONT)
        .east_asia(FONT);
    let page_header = Header::new().add_paragraph(
        Paragraph::new()
            .align(AlignmentType::Center)
            .add_page_num(PageNum::new()),
    );
    let mut docx = Docx::new()
        .page_size(PAGE_W, PAGE_H)
        .page_margin(
            PageMargin::new()
                .top(MARGIN_TOP)
                .bottom(MARGIN_BOTTOM)
                .left(MARGIN_LEFT)
                .right(MARGIN_RIGHT)
                .header(HEADER_DIST)
                .footer(FOOTER_DIST)
                .gutter(0),
        )
        .default_fonts(fonts)
        .default_size(SZ_BODY)
        .default_line_spacing(single())
        .header(page_header)
        // Decree 30: no number on the first page.
        .first_header(Header::new().add_paragraph(Paragraph::new()));

    docx = docx.add_table(header_table(doc));
    for p in title_block(doc) {
        docx = docx.add_paragraph(p);
    }
    for block in &doc.body {
        match block {
            Block::Heading(t) => {
                docx = docx.add_paragraph(
                    body_para()
                        .keep_next(true)
                        .add_run(text_run(t, SZ_BODY).bold()),
                )
            }
            Block::Para(t) => docx = docx.add_paragraph(body_para().add_run(text_run(t, SZ_BODY))),
            Block::Bullets(items) => {
                for it in items {
                    docx = docx.add_paragraph(
                        body_para().add_run(text_run(&format!("- {}", it.trim_start()), SZ_BODY)),
                    );
                }
            }
            Block::Table {
                header,
                rows,
                widths_pct,
            } => {
                docx = docx
                    .add_paragraph(spacer(BODY_BEFORE))
                    .add_table(data_table(header, rows, widths_pct))
            }
        }
    }
    docx = docx
        .add_paragraph(spacer(240))
        .add_table(closing_table(doc));
    if let Some(note) = doc.footer_note.as_deref().filter(|n| !n.trim().is_empty()) {
        docx = docx.add_paragraph(
            Paragraph::new()
                .align(AlignmentType::Left)
                .line_spacing(single().before(360))
                .add_run(text_run(note, SZ_NOTE).italic()),
        );
    }

    let mut out = std::io::Cursor::new(Vec::new());
    docx.build().pack(&mut out)?;
    Ok(out.into_inner())
}

fn single() -> LineSpacing {
    LineSpacing::new()
        .line_rule(LineSpacingType::Auto)
        .line(240)
        .before(0)
        .after(0)
}

fn text_run(text: &str, size: usize) -> Run {
    Run::new()
        .fonts(
            RunFonts::new()
                .ascii(FONT)
                .hi_ansi(FONT)
                .cs(FONT)
                .east_asia(FONT),
        )
        .size(size)
        .add_text(text)
}

fn centered(before: u32) -> Paragraph {
    Paragraph::new()
        .align(AlignmentType::Center)
        .line_spacing(single().before(before))
}

/// An empty paragraph of a given height, to space tables from their neighbours.
fn spacer(height: u32) -> Paragraph {
    Paragraph::new().size(4).line_spacing(
        LineSpacing::new()
            .line_rule(LineSpacingType::Exact)
            .line(height as i32)
            .before(0)
            .after(0),
    )
}

/// A short centred horizontal rule of about `len` twips within a box `width` twips wide:
/// an empty, tiny paragraph with a bottom border, narrowed by equal indents.
fn rule(len: usize, width: usize) -> Paragraph {
    let len = len.min(width);
    let side = ((width - len) / 2) as i32;
    let mut p = Paragraph::new()
        .size(2)
        .indent(Some(side), None, Some(side), None)
        .line_spacing(
            LineSpacing::new()
                .line_rule(LineSpacingType::Exact)
                .line(60)
                .before(60)
                .after(0),
        );
    // Only the bottom edge: `set_border` alone would keep docx-rs's default box.
    p.property = p.property.set_borders(
        ParagraphBorders::with_empty().set(
            ParagraphBorder::new(ParagraphBorderPosition::Bottom)
                .val(BorderType::Single)
                .size(6)
                .space(0)
                .color("000000"),
        ),
    );
    p
}

/// Rough width in twips of a line of Times New Roman at `size` half-points, for sizing rules.
fn approx_width(text: &str, size: usize, upper_bold: bool) -> usize {
    let em = size * 10; // twips per em
    let per_char = if upper_bold { 70 } else { 48 }; // hundredths of an em
    text.chars()
        .map(|c| if c == ' ' { 25 } else { per_char })
        .sum::<usize>()
        * em
        / 100
}

fn borderless_cell(width: usize) -> TableCell {
    TableCell::new()
        .width(width, WidthType::Dxa)
        .vertical_align(VAlignType::Top)
}

fn header_table(doc: &AdminDoc) -> Table {
    let (head_left, head_right) = head_widths(doc.layout);
    let left_inner = head_left - CELL_PAD;
    let mut left = borderless_cell(head_left);
    let mut right = borderless_cell(head_right);
    let issuer_parent = doc.issuer_parent.trim().to_uppercase();
    let issuer = doc.issuer.trim().to_uppercase();

    match doc.layout {
        Layout::State => {
            if !issuer_parent.is_empty() {
                left = left.add_paragraph(centered(0).add_run(text_run(&issuer_parent, SZ_HEAD)));
            }
            left = left.add_paragraph(centered(0).add_run(text_run(&issuer, SZ_HEAD).bold()));
            // Decree 30: a solid rule 1/3 to 1/2 as long as the issuer line, centred below it.
            let issuer_w = approx_width(&issuer, SZ_HEAD, true).min(left_inner);
            left = left.add_paragraph(rule((issuer_w * 2 / 5).max(800), left_inner));

            right = right
                .add_paragraph(
                    centered(0).add_run(text_run(STATE_NATIONAL_TITLE, SZ_NATIONAL).bold()),
                )
                .add_paragraph(
                    centered(0).add_run(text_run(STATE_MOTTO, SZ_HEAD).bold().underline("single")),
                );
        }
        Layout::Party => {
            if !issuer_parent.is_empty() {
                left = left.add_paragraph(centered(0).add_run(text_run(&issuer_parent, SZ_BODY)));
            }
            left = left
                .add_paragraph(centered(0).add_run(text_run(&issuer, SZ_BODY).bold()))
                .add_paragraph(centered(0).add_run(text_run("*", SZ_BODY)));
            right = right.add_paragraph(
                centered(0).add_run(
                    text_run(PARTY_NAME, SZ_PARTY_NAME)
                        .bold()
                        .underline("single"),
                ),
            );
        }
    }

    let number_size = match doc.layout {
        Layout::State => SZ_HEAD,
        Layout::Party => SZ_BODY,
    };
    let number = borderless_cell(head_left)
        .add_paragraph(centered(80).add_run(text_run(doc.number.trim(), number_size)));
    let date_align = match doc.layout {
        Layout::State => AlignmentType::Center,
        Layout::Party => AlignmentType::Right,
    };
    let date = borderless_cell(head_right).add_paragraph(
        Paragraph::new()
            .align(date_align)
            .line_spacing(single().before(80))
            .add_run(text_run(doc.place_date.trim(), SZ_BODY).italic()),
    );

    Table::without_borders(vec![
        TableRow::new(vec![left, right]).cant_split(),
        TableRow::new(vec![number, date]).cant_split(),
    ])
    .set_grid(vec![head_left, head_right])
    .width(TEXT_W, WidthType::Dxa)
    .layout(TableLayoutType::Fixed)
}

fn title_block(doc: &AdminDoc) -> Vec<Paragraph> {
    let mut out = Vec::new();
    let title = doc.title.trim();
    let subtitle = doc.subtitle.trim();
    if !title.is_empty() {
        out.push(
            centered(480)
                .keep_next(true)
                .add_run(text_run(&title.to_uppercase(), SZ_BODY).bold()),
        );
    }
    if !subtitle.is_empty() {
        out.push(
            centered(if title.is_empty() { 480 } else { 0 })
                .keep_next(true)
                .add_run(text_run(subtitle, SZ_BODY).bold()),
        );
    }
    if !title.is_empty() || !subtitle.is_empty() {
        match doc.layout {
            Layout::State => {
                // A solid rule 1/3 to 1/2 as long as the subtitle line, centred below it.
                let line = approx_width(
                    if subtitle.is_empty() { title } else { subtitle },
                    SZ_BODY,
                    false,
                )
                .min(TEXT_W);
                out.push(rule((line * 2 / 5).max(1134), TEXT_W).keep_next(true));
            }
            Layout::Party => {
                out.push(
                    centered(0)
                        .keep_next(true)
                        .add_run(text_run("-----", SZ_BODY)),
                );
            }
        }
        out.push(spacer(240));
    }
    out
}

fn body_para() -> Paragraph {
    Paragraph::new()
        .align(AlignmentType::Both)
        .indent(
            None,
            Some(SpecialIndentType::FirstLine(FIRST_LINE)),
            None,
            None,
        )
        .line_spacing(
            LineSpacing::new()
                .line_rule(LineSpacingType::Exact)
                .line(BODY_PITCH)
                .before(BODY_BEFORE)
                .after(0),
        )
}

/// True when a cell reads as a number or a percentage ("1.234", "12,5%", "-3", "+4,2 %").
pub fn looks_numeric(s: &str) -> bool {
    let t = s.trim();
    let t = t.strip_suffix('%').map(str::trim_end).unwrap_or(t);
    let t = t
        .strip_prefix(['+', '-', '\u{2212}'])
        .map(str::trim_start)
        .unwrap_or(t);
    let starts = t.chars().next().is_some_and(|c| c.is_ascii_digit());
    let ends = t.chars().last().is_some_and(|c| c.is_ascii_digit());
    starts
        && ends
        && t.chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == ',')
}

/// Column widths in twips that add up to the text width.
fn column_widths(ncols: usize, pct: &[u8]) -> Vec<usize> {
    if ncols == 0 {
        return vec![];
    }
    let sum: usize = pct.iter().map(|&p| p as usize).sum();
    let mut w: Vec<usize> = if pct.len() == ncols && pct.iter().all(|&p| p > 0) {
        pct.iter().map(|&p| TEXT_W * p as usize / sum).collect()
    } else {
        vec![TEXT_W / ncols; ncols]
    };
    let used: usize = w.iter().sum();
    if let Some(last) = w.last_mut() {
        *last += TEXT_W - used;
    }
    w
}

fn data_cell(text: &str, width: usize, header: bool) -> TableCell {
    let align = if header {
        AlignmentType::Center
    } else if looks_numeric(text) {
        AlignmentType::Right
    } else {
        AlignmentType::Left
    };
    let mut run = text_run(text.trim(), SZ_TABLE);
    if header {
        run = run.bold();
    }
    TableCell::new()
        .width(width, WidthType::Dxa)
        .vertical_align(VAlignType::Center)
        .add_paragraph(
            Paragraph::new()
                .align(align)
                .line_spacing(single().before(40).after(40))
                .add_run(run),
        )
}

fn data_table(header: &[String], rows: &[Vec<String>], widths_pct: &[u8]) -> Table {
    let ncols = rows
        .iter()
        .map(Vec::len)
        .chain(std::iter::once(header.len()))
        .max()
        .unwrap_or(0)
        .max(1);
    let widths = column_widths(ncols, widths_pct);
    let make_row = |cells: &[String], is_header: bool| {
        let cells = (0..ncols)
            .map(|i| {
                let text = cells.get(i).map(String::as_str).unwrap_or("");
                data_cell(text, widths[i], is_header)
            })
            .collect();
        TableRow::new(cells).cant_split()
    };
    let mut table_rows = Vec::with_capacity(rows.len() + 1);
    if !header.is_empty() {
        table_rows.push(make_row(header, true));
    }
    for r in rows {
        table_rows.push(make_row(r, false));
    }
    if table_rows.is_empty() {
        table_rows.push(make_row(&[], false));
    }
    let border = |pos| {
        TableBorder::new(pos)
            .border_type(BorderType::Single)
            .size(4)
            .color("000000")
    };
    let borders = TableBorders::new()
        .set(border(TableBorderPosition::Top))
        .set(border(TableBorderPosition::Left))
        .set(border(TableBorderPosition::Bottom))
        .set(border(TableBorderPosition::Right))
        .set(border(TableBorderPosition::InsideH))
        .set(border(TableBorderPosition::InsideV));
    Table::new(table_rows)
        .set_grid(widths)
        .width(TEXT_W, WidthType::Dxa)
        .layout(TableLayoutType::Fixed)
        .set_borders(borders)
}

fn closing_table(doc: &AdminDoc) -> Table {
    let mut left = borderless_cell(END_LEFT);
    if !doc.recipients.is_empty() {
        let heading = match doc.layout {
            // Decree 30: "Nơi nhận:" bold italic 12 pt, items 11 pt.
            Layout::State => text_run("Nơi nhận:", SZ_RECIPIENT_HEAD).bold().italic(),
            // Guidance 36: "Nơi nhận:" upright, underlined; items 12 pt.
            Layout::Party => text_run("Nơi nhận:", SZ_BODY).underline("single"),
        };
        left = left.add_paragraph(Paragraph::new().align(AlignmentType::Left).add_run(heading));
        let item_size = match doc.layout {
            Layout::State => SZ_RECIPIENT_STATE,
            Layout::Party => SZ_RECIPIENT_PARTY,
        };
        for r in &doc.recipients {
            let r = r.trim();
            let text = if r.starts_with('-') || r.starts_with('+') {
                r.to_string()
            } else {
                format!("- {r}")
            };
            left = left.add_paragraph(
                Paragraph::new()
                    .align(AlignmentType::Left)
                    .add_run(text_run(&text, item_size)),
            );
        }
    } else {
        left = left.add_paragraph(Paragraph::new());
    }

    let mut right = borderless_cell(END_RIGHT);
    for (i, line) in doc.signer_title.iter().enumerate() {
        let mut run = text_run(&line.trim().to_uppercase(), SZ_BODY);
        // Party (Guidance 36): the authority line ("T/M BAN THƯỜNG VỤ") is bold, the
        // signer's office below it ("BÍ THƯ") is not. State: the whole block is bold.
        if doc.layout == Layout::State || i == 0 {
            run = run.bold();
        }
        right = right.add_paragraph(centered(0).keep_next(true).add_run(run));
    }
    // Room for the signature and seal (about four lines).
    right = right
        .add_paragraph(centered(1440).add_run(text_run(doc.signer_name.trim(), SZ_BODY).bold()));

    Table::without_borders(vec![TableRow::new(vec![left, right]).cant_split()])
        .set_grid(vec![END_LEFT, END_RIGHT])
        .width(TEXT_W, WidthType::Dxa)
        .layout(TableLayoutType::Fixed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    const W_NS: &str = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";

    fn sample(layout: Layout) -> AdminDoc {
        let (parent, issuer, number, signer_title) = match layout {
            Layout::State => (
                "UBND tỉnh Khánh Hòa",
                "Công an xã Xuân Hải",
                "Số: 12/BC-CA",
                vec![
                    "KT. TRƯỞNG CÔNG AN".to_string(),
                    "PHÓ TRƯỞNG CÔNG AN".to_string(),
                ],
            ),
            Layout::Party => (
                "ĐẢNG BỘ TỈNH KHÁNH HÒA",
                "HUYỆN ỦY NINH HẢI",
                "Số 12-BC/HU",
                vec!["T/M BAN THƯỜNG VỤ".to_string(), "BÍ THƯ".to_string()],
            ),
        };
        AdminDoc {
            layout,
            issuer_parent: parent.into(),
            issuer: issuer.into(),
            number: number.into(),
            place_date: "Ninh Hải, ngày 20 tháng 9 năm 2023".into(),
            title: "Báo cáo".into(),
            subtitle: "Tình hình trật tự, an toàn giao thông 9 tháng năm 2023".into(),
            body: vec![
                Block::Heading("I. KẾT QUẢ THỰC HIỆN".into()),
                Block::Para(
                    "Trong 9 tháng năm 2023, trên địa bàn xã xảy ra 14 vụ tai nạn giao thông, \
                     làm chết 3 người, bị thương 17 người; so với cùng kỳ năm 2022 giảm 2 vụ, \
                     giảm 1 người chết, tăng 4 người bị thương. Lực lượng chức năng đã tuần tra, \
                     kiểm soát, xử lý nghiêm các hành vi vi phạm nồng độ cồn, quá tốc độ."
                        .into(),
                ),
                Block::Bullets(vec![
                    "Tổ chức 36 đợt tuyên truyền tại thôn Đông Hải, Mỹ Tân;".into(),
                    "Lập biên bản 212 trường hợp vi phạm, tạm giữ 45 phương tiện.".into(),
                ]),
                Block::Table {
                    header: vec!["Chỉ tiêu".into(), "Số vụ".into(), "So cùng kỳ".into()],
                    rows: vec![
                        vec!["Tai nạn giao thông".into(), "14".into(), "-12,5%".into()],
                        vec!["Người chết".into(), "3".into(), "-25%".into()],
                        vec!["Người bị thương".into(), "17".into(), "+30,8%".into()],
                        vec![
                            "Xử phạt (nghìn đồng)".into(),
                            "1.234.500".into(),
                            "Tăng".into(),
                        ],
                    ],
                    widths_pct: vec![50, 20, 30],
                },
                Block::Heading("II. PHƯƠNG HƯỚNG, NHIỆM VỤ QUÝ IV".into()),
                Block::Para(
                    "Tiếp tục đẩy mạnh tuyên truyền, phổ biến pháp luật về trật tự, an toàn \
                     giao thông; tăng cường tuần tra, kiểm soát vào các dịp lễ, Tết."
                        .into(),
                ),
            ],
            recipients: vec![
                "Huyện ủy Ninh Hải (b/c);".into(),
                "UBND xã;".into(),
                "- Lưu: VT.".into(),
            ],
            signer_title,
            signer_name: "Nguyễn Văn Ấn".into(),
            footer_note: Some("Chuỗi kiểm toán: 3f2a…9c1d".into()),
        }
    }

    /// Unzips `word/document.xml` from DOCX bytes.
    fn document_xml(bytes: &[u8]) -> String {
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip archive");
        let mut f = zip.by_name("word/document.xml").expect("word/document.xml");
        let mut s = String::new();
        f.read_to_string(&mut s).expect("UTF-8 XML");
        s
    }

    /// Text of every `w:p` under `node`, in document order.
    fn paragraphs(node: roxmltree::Node) -> Vec<String> {
        node.descendants()
            .filter(|n| n.has_tag_name((W_NS, "p")))
            .map(|p| {
                p.descendants()
                    .filter(|n| n.has_tag_name((W_NS, "t")))
                    .filter_map(|t| t.text())
                    .collect::<String>()
            })
            .collect()
    }

    fn w_attr<'a>(node: roxmltree::Node<'a, 'a>, name: &str) -> Option<&'a str> {
        node.attribute((W_NS, name))
    }

    fn check(doc: &AdminDoc, motto: &[&str]) -> Vec<u8> {
        let bytes = render(doc).expect("render");
        let xml = document_xml(&bytes);
        let tree = roxmltree::Document::parse(&xml).expect("well-formed document.xml");
        let root = tree.root_element();
        let body = root
            .children()
            .find(|n| n.has_tag_name((W_NS, "body")))
            .expect("w:body");
        let paras = paragraphs(body);

        // Page geometry: A4 portrait, left margin 30 mm.
        let sect = body
            .children()
            .find(|n| n.has_tag_name((W_NS, "sectPr")))
            .expect("w:sectPr");
        let pg_sz = sect
            .children()
            .find(|n| n.has_tag_name((W_NS, "pgSz")))
            .expect("w:pgSz");
        assert_eq!(w_attr(pg_sz, "w"), Some("11906"));
        assert_eq!(w_attr(pg_sz, "h"), Some("16838"));
        let pg_mar = sect
            .children()
            .find(|n| n.has_tag_name((W_NS, "pgMar")))
            .expect("w:pgMar");
        assert_eq!(w_attr(pg_mar, "left"), Some("1701"));
        assert_eq!(w_attr(pg_mar, "top"), Some("1134"));
        assert_eq!(w_attr(pg_mar, "bottom"), Some("1134"));
        assert_eq!(w_attr(pg_mar, "right"), Some("1134"));

        // Header: motto lines, issuer block upper-cased, number, place and date.
        let tables: Vec<_> = body
            .children()
            .filter(|n| n.has_tag_name((W_NS, "tbl")))
            .collect();
        assert_eq!(tables.len(), 3, "header, data and closing tables");
        let head = paragraphs(tables[0]);
        for line in motto {
            assert!(head.iter().any(|p| p == line), "{line:?} in {head:?}");
        }
        assert!(head.contains(&doc.number), "{head:?}");
        assert!(head.contains(&doc.place_date), "{head:?}");
        assert!(head.contains(&doc.issuer.to_uppercase()), "{head:?}");
        assert!(head.contains(&doc.issuer_parent.to_uppercase()), "{head:?}");

        // Title and subtitle, in that order, after the header table.
        let ti = paras.iter().position(|p| p == "BÁO CÁO").expect("title");
        assert_eq!(paras[ti + 1], doc.subtitle);
        assert!(paras.iter().any(|p| p == "I. KẾT QUẢ THỰC HIỆN"));
        assert!(
            paras
                .iter()
                .any(|p| p == "- Tổ chức 36 đợt tuyên truyền tại thôn Đông Hải, Mỹ Tân;")
        );

        // Every table cell, in order, with Vietnamese text intact.
        let Block::Table { header, rows, .. } = &doc.body[3] else {
            panic!("the fourth block is the table")
        };
        let expected: Vec<String> = header
            .iter()
            .chain(rows.iter().flatten())
            .cloned()
            .collect();
        let cells: Vec<String> = tables[1]
            .descendants()
            .filter(|n| n.has_tag_name((W_NS, "tc")))
            .map(|tc| paragraphs(tc).concat())
            .collect();
        assert_eq!(cells, expected);
        let trs: Vec<_> = tables[1]
            .children()
            .filter(|n| n.has_tag_name((W_NS, "tr")))
            .collect();
        assert_eq!(trs.len(), 5);
        // Column widths follow widths_pct and fill the 9071-twip text width.
        let grid: Vec<usize> = tables[1]
            .descendants()
            .filter(|n| n.has_tag_name((W_NS, "gridCol")))
            .map(|g| w_attr(g, "w").unwrap().parse().unwrap())
            .collect();
        assert_eq!(grid.len(), 3);
        assert_eq!(grid.iter().sum::<usize>(), 9071);
        // Numbers right-aligned, text left, header centred and bold.
        let jc_of = |tc: roxmltree::Node| {
            tc.descendants()
                .find(|n| n.has_tag_name((W_NS, "jc")))
                .and_then(|j| w_attr(j, "val"))
                .map(str::to_string)
        };
        let tcs: Vec<_> = tables[1]
            .descendants()
            .filter(|n| n.has_tag_name((W_NS, "tc")))
            .collect();
        assert_eq!(jc_of(tcs[0]).as_deref(), Some("center"));
        assert!(tcs[0].descendants().any(|n| n.has_tag_name((W_NS, "b"))));
        assert_eq!(jc_of(tcs[3]).as_deref(), Some("left"));
        assert_eq!(jc_of(tcs[4]).as_deref(), Some("right"));
        assert_eq!(jc_of(tcs[5]).as_deref(), Some("right"));
        assert_eq!(jc_of(tcs[13]).as_deref(), Some("right")); // "1.234.500"
        assert_eq!(jc_of(tcs[14]).as_deref(), Some("left")); // "Tăng"

        // Closing block: recipients left, signature right.
        let end = paragraphs(tables[2]);
        assert_eq!(end[0], "Nơi nhận:");
        assert!(end.contains(&"- Huyện ủy Ninh Hải (b/c);".to_string()));
        assert!(end.contains(&"- Lưu: VT.".to_string()));
        for t in &doc.signer_title {
            assert!(end.contains(t), "{t:?} in {end:?}");
        }
        assert_eq!(end.last(), Some(&doc.signer_name));
        assert_eq!(
            paras.last().map(String::as_str),
            Some("Chuỗi kiểm toán: 3f2a…9c1d")
        );

        // Times New Roman for every script in the defaults.
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(&bytes[..])).unwrap();
        let mut styles = String::new();
        zip.by_name("word/styles.xml")
            .unwrap()
            .read_to_string(&mut styles)
            .unwrap();
        let styles = roxmltree::Document::parse(&styles).unwrap();
        let fonts = styles
            .descendants()
            .find(|n| n.has_tag_name((W_NS, "rFonts")))
            .expect("default rFonts");
        for a in ["ascii", "hAnsi", "cs", "eastAsia"] {
            assert_eq!(w_attr(fonts, a), Some("Times New Roman"), "{a}");
        }

        if let Ok(dir) = std::env::var("ATGT_DOCX_SAMPLES") {
            let name = match doc.layout {
                Layout::State => "state.docx",
                Layout::Party => "party.docx",
            };
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(std::path::Path::new(&dir).join(name), &bytes).unwrap();
        }
        bytes
    }

    #[test]
    fn docx_state_document_reads_back() {
        check(&sample(Layout::State), &[STATE_NATIONAL_TITLE, STATE_MOTTO]);
    }

    #[test]
    fn docx_party_document_reads_back() {
        let doc = sample(Layout::Party);
        let bytes = check(&doc, &[PARTY_NAME, "*"]);
        let xml = document_xml(&bytes);
        assert!(!xml.contains(STATE_MOTTO));
        assert!(xml.contains("-----"));
    }

    #[test]
    fn docx_page_numbers_from_page_two() {
        let mut doc = sample(Layout::State);
        let para = doc.body[1].clone();
        doc.body.extend(std::iter::repeat_n(para, 12));
        let bytes = render(&doc).unwrap();
        let xml = document_xml(&bytes);
        let tree = roxmltree::Document::parse(&xml).unwrap();
        let sect = tree
            .descendants()
            .find(|n| n.has_tag_name((W_NS, "sectPr")))
            .unwrap();
        assert!(sect.children().any(|n| n.has_tag_name((W_NS, "titlePg"))));
        let kinds: Vec<&str> = sect
            .children()
            .filter(|n| n.has_tag_name((W_NS, "headerReference")))
            .filter_map(|n| w_attr(n, "type"))
            .collect();
        assert!(
            kinds.contains(&"default") && kinds.contains(&"first"),
            "{kinds:?}"
        );
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(&bytes[..])).unwrap();
        let mut found_page_field = false;
        for i in 0..zip.len() {
            let mut f = zip.by_index(i).unwrap();
            if f.name().starts_with("word/header") {
                let mut s = String::new();
                f.read_to_string(&mut s).unwrap();
                found_page_field |= s.contains("PAGE");
            }
        }
        assert!(found_page_field);
        if let Ok(dir) = std::env::var("ATGT_DOCX_SAMPLES") {
            std::fs::write(std::path::Path::new(&dir).join("long.docx"), &bytes).unwrap();
        }
    }

    #[test]
    fn docx_numeric_cells() {
        for s in ["14", "1.234.500", "12,5%", "-25%", "+30,8 %", " 3 ", "−4"] {
            assert!(looks_numeric(s), "{s:?}");
        }
        for s in ["", "-", "%", "Tăng", "12a", "1.", "N/A", "2023-09"] {
            assert!(!looks_numeric(s), "{s:?}");
        }
    }

    #[test]
    fn docx_column_widths_fill_text_width() {
        assert_eq!(
            column_widths(3, &[50, 20, 30]).iter().sum::<usize>(),
            TEXT_W
        );
        assert_eq!(column_widths(3, &[]).iter().sum::<usize>(), TEXT_W);
        assert_eq!(
            column_widths(2, &[1, 0]),
            vec![TEXT_W / 2, TEXT_W - TEXT_W / 2]
        );
        assert!(column_widths(0, &[]).is_empty());
    }
}
