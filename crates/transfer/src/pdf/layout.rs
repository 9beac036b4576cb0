//! Laying out a printed form: text measured with the same shaper krilla draws with, wrapped to
//! a width, tables with ruled lines that break across pages (repeating their header, and
//! splitting a row taller than a page), ruled lines to write on, and pages drawn at the end so
//! that each knows how many there are.

use std::cell::RefCell;
use std::collections::HashMap;

use krilla::Document;
use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point};
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::surface::Surface;
use krilla::text::{Font, TextDirection};

/// DejaVu Sans 2.37 (Debian's fonts-dejavu-core), see `fonts/LICENSE`.
static REGULAR: &[u8] = include_bytes!("../../fonts/DejaVuSans.ttf");
static BOLD: &[u8] = include_bytes!("../../fonts/DejaVuSans-Bold.ttf");

/// A colour of the form.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ink {
    Text,
    Quiet,
    Rule,
    Shade,
    Accent,
}

impl Ink {
    fn rgb(self) -> rgb::Color {
        match self {
            Ink::Text => rgb::Color::new(0x1c, 0x25, 0x2b),
            Ink::Quiet => rgb::Color::new(0x55, 0x60, 0x68),
            Ink::Rule => rgb::Color::new(0x8c, 0x97, 0x9e),
            Ink::Shade => rgb::Color::new(0xea, 0xef, 0xf1),
            Ink::Accent => rgb::Color::new(0x1d, 0x4f, 0x5c),
        }
    }
}

/// How a run of text looks.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Style {
    pub size: f32,
    pub bold: bool,
    pub ink: Ink,
}

impl Style {
    pub const fn new(size: f32, bold: bool, ink: Ink) -> Style {
        Style { size, bold, ink }
    }

    /// The distance from one line's top to the next.
    pub fn leading(self) -> f32 {
        self.size * 1.32
    }

    /// Where the baseline sits below the top of a line.
    fn baseline(self) -> f32 {
        self.size * 1.02
    }
}

/// The two faces of the font, for measuring.
pub struct Fonts {
    regular: rustybuzz::Face<'static>,
    bold: rustybuzz::Face<'static>,
    pdf_regular: Font,
    pdf_bold: Font,
    /// Widths already measured, at size 1, by face: a worksheet repeats its words a lot.
    widths: RefCell<HashMap<(bool, String), f32>>,
}

impl Fonts {
    pub fn load() -> Fonts {
        // The fonts are part of the binary: failing to read them is a broken build.
        Fonts {
            regular: rustybuzz::Face::from_slice(REGULAR, 0).expect("the embedded regular font"),
            bold: rustybuzz::Face::from_slice(BOLD, 0).expect("the embedded bold font"),
            pdf_regular: Font::new(REGULAR.into(), 0).expect("the embedded regular font"),
            pdf_bold: Font::new(BOLD.into(), 0).expect("the embedded bold font"),
            widths: RefCell::new(HashMap::new()),
        }
    }

    /// The width of `text` in points.
    pub fn width(&self, text: &str, style: Style) -> f32 {
        if text.is_empty() {
            return 0.0;
        }
        let key = (style.bold, text.to_string());
        if let Some(w) = self.widths.borrow().get(&key) {
            return w * style.size;
        }
        let face = if style.bold {
            &self.bold
        } else {
            &self.regular
        };
        let mut buffer = rustybuzz::UnicodeBuffer::new();
        buffer.push_str(text);
        let shaped = rustybuzz::shape(face, &[], buffer);
        let units: i32 = shaped.glyph_positions().iter().map(|p| p.x_advance).sum();
        let unit = units as f32 / face.units_per_em() as f32;
        self.widths.borrow_mut().insert(key, unit);
        unit * style.size
    }

    /// `text` broken into lines no wider than `width`: at spaces, and inside a word only when
    /// the word alone is wider. Line breaks in the text are kept; an empty text is one empty line.
    pub fn wrap(&self, text: &str, width: f32, style: Style) -> Vec<String> {
        let mut lines = Vec::new();
        let space = self.width(" ", style);
        for para in text.split('\n') {
            let para = para.replace(['\t', '\r'], " ");
            let mut line = String::new();
            let mut line_w = 0.0;
            for word in para.split(' ').filter(|w| !w.is_empty()) {
                let w = self.width(word, style);
                let extra = if line.is_empty() { w } else { space + w };
                if line_w + extra <= width {
                    if !line.is_empty() {
                        line.push(' ');
                    }
                    line.push_str(word);
                    line_w += extra;
                    continue;
                }
                if !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                    line_w = 0.0;
                }
                if w <= width {
                    line.push_str(word);
                    line_w = w;
                    continue;
                }
                // A word wider than the line: break it where it fills the line.
                for c in word.chars() {
                    let cw = self.width(c.encode_utf8(&mut [0; 4]), style);
                    if line_w + cw > width && !line.is_empty() {
                        lines.push(std::mem::take(&mut line));
                        line_w = 0.0;
                    }
                    line.push(c);
                    line_w += cw;
                }
            }
            lines.push(line);
        }
        lines
    }
}

/// One drawing operation, in points from the page's top left.
#[derive(Clone, Debug)]
enum Op {
    Text {
        x: f32,
        y: f32,
        style: Style,
        text: String,
    },
    Line {
        from: (f32, f32),
        to: (f32, f32),
        width: f32,
        ink: Ink,
    },
    Rect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        ink: Ink,
    },
}

/// A column of a table: a fixed width in points, or a share of what is left.
#[derive(Clone, Copy, Debug)]
pub enum Width {
    Fixed(f32),
    Share(f32),
}

/// One cell: runs of text, each wrapped on its own lines (a name, then its relationship).
pub type Cell = Vec<(String, Style)>;

/// The page size and margins.
#[derive(Clone, Copy, Debug)]
pub struct Page {
    pub width: f32,
    pub height: f32,
    pub margin: f32,
    pub top: f32,
    pub bottom: f32,
}

impl Page {
    pub fn content_width(&self) -> f32 {
        self.width - 2.0 * self.margin
    }
}

pub const BODY: Style = Style::new(9.5, false, Ink::Text);
pub const SMALL: Style = Style::new(8.0, false, Ink::Quiet);
pub const CELL: Style = Style::new(8.5, false, Ink::Text);
pub const CELL_HEAD: Style = Style::new(8.0, true, Ink::Text);
const PAD_X: f32 = 4.0;
const PAD_Y: f32 = 3.0;

/// Lays out pages, one after the other.
pub struct Composer<'f> {
    pub fonts: &'f Fonts,
    pub page: Page,
    pages: Vec<Vec<Op>>,
    /// The top of what is drawn next, from the page's top.
    pub y: f32,
}

impl<'f> Composer<'f> {
    pub fn new(fonts: &'f Fonts, page: Page) -> Composer<'f> {
        let mut c = Composer {
            fonts,
            page,
            pages: Vec::new(),
            y: 0.0,
        };
        c.new_page();
        c
    }

    pub fn left(&self) -> f32 {
        self.page.margin
    }

    pub fn right(&self) -> f32 {
        self.page.width - self.page.margin
    }

    fn bottom(&self) -> f32 {
        self.page.height - self.page.bottom
    }

    /// The room left on this page.
    pub fn room(&self) -> f32 {
        self.bottom() - self.y
    }

    /// Whether nothing has been drawn below the top of this page yet.
    pub fn at_top(&self) -> bool {
        self.y <= self.page.top + 0.01
    }

    pub fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = self.page.top;
    }

    /// Starts a new page unless `h` points fit on this one.
    pub fn need(&mut self, h: f32) {
        if self.room() < h && !self.at_top() {
            self.new_page();
        }
    }

    fn op(&mut self, op: Op) {
        self.pages.last_mut().expect("a page").push(op);
    }

    pub fn text(&mut self, x: f32, top: f32, style: Style, text: &str) {
        if text.is_empty() {
            return;
        }
        self.op(Op::Text {
            x,
            y: top + style.baseline(),
            style,
            text: text.to_string(),
        });
    }

    pub fn line(&mut self, from: (f32, f32), to: (f32, f32), width: f32, ink: Ink) {
        self.op(Op::Line {
            from,
            to,
            width,
            ink,
        });
    }

    pub fn rect(&mut self, x: f32, y: f32, w: f32, h: f32, ink: Ink) {
        self.op(Op::Rect { x, y, w, h, ink });
    }

    /// Space below what was drawn.
    pub fn gap(&mut self, h: f32) {
        self.y += h;
    }

    /// Text wrapped to the width between `indent` and the right margin, breaking across pages.
    pub fn paragraph(&mut self, text: &str, style: Style, indent: f32) {
        let x = self.left() + indent;
        let width = self.right() - x;
        for line in self.fonts.wrap(text, width, style) {
            self.need(style.leading());
            self.text(x, self.y, style, &line);
            self.y += style.leading();
        }
    }

    /// A heading, kept with at least `with` points of what follows it.
    pub fn heading(&mut self, text: &str, style: Style, with: f32) {
        let lines = self.fonts.wrap(text, self.page.content_width(), style);
        let h = lines.len() as f32 * style.leading();
        self.need(h + with);
        for line in lines {
            self.text(self.left(), self.y, style, &line);
            self.y += style.leading();
        }
        self.y += style.size * 0.3;
    }

    /// A label and a line to write on after it, across the given width.
    pub fn blank(&mut self, x: f32, width: f32, label: &str) {
        let style = BODY;
        self.text(x, self.y, style, label);
        let start = x + self.fonts.width(label, style) + 4.0;
        let base = self.y + style.baseline() + 2.0;
        if start < x + width {
            self.line((start, base), (x + width, base), 0.6, Ink::Rule);
        }
    }

    /// Ruled lines to write on, filling the room left on the page (at least `min` lines,
    /// on a new page if they do not fit here).
    pub fn writing_lines(&mut self, label: &str, min: usize) {
        let gap = 22.0;
        let head = BODY.leading() + 6.0;
        if self.room() < head + gap * min as f32 {
            self.new_page();
        }
        self.text(self.left(), self.y, Style::new(9.5, true, Ink::Text), label);
        self.y += head;
        while self.room() >= gap {
            self.y += gap;
            let y = self.y;
            self.line((self.left(), y), (self.right(), y), 0.5, Ink::Rule);
        }
    }

    fn widths(&self, cols: &[Width]) -> Vec<f32> {
        let total = self.page.content_width();
        let fixed: f32 = cols
            .iter()
            .map(|c| match c {
                Width::Fixed(w) => *w,
                Width::Share(_) => 0.0,
            })
            .sum();
        let shares: f32 = cols
            .iter()
            .map(|c| match c {
                Width::Share(s) => *s,
                Width::Fixed(_) => 0.0,
            })
            .sum();
        let free = (total - fixed).max(0.0);
        cols.iter()
            .map(|c| match c {
                Width::Fixed(w) => *w,
                Width::Share(s) if shares > 0.0 => free * s / shares,
                Width::Share(_) => 0.0,
            })
            .collect()
    }

    /// Each cell's lines, each with its style.
    fn lay_cells(&self, cells: &[Cell], widths: &[f32]) -> Vec<Vec<(String, Style)>> {
        cells
            .iter()
            .zip(widths)
            .map(|(cell, w)| {
                let mut lines = Vec::new();
                for (text, style) in cell {
                    if text.is_empty() {
                        continue;
                    }
                    for l in self.fonts.wrap(text, w - 2.0 * PAD_X, *style) {
                        lines.push((l, *style));
                    }
                }
                lines
            })
            .collect()
    }

    /// Draws lines `from..to` of a row's cells in a band starting at the current `y`.
    fn band(
        &mut self,
        cells: &[Vec<(String, Style)>],
        widths: &[f32],
        lh: f32,
        from: usize,
        to: usize,
        shaded: bool,
    ) {
        let h = (to - from) as f32 * lh + 2.0 * PAD_Y;
        let top = self.y;
        if shaded {
            self.rect(self.left(), top, self.page.content_width(), h, Ink::Shade);
        }
        let mut x = self.left();
        for (lines, w) in cells.iter().zip(widths) {
            for (i, (text, style)) in lines.iter().enumerate().take(to).skip(from) {
                let y = top + PAD_Y + (i - from) as f32 * lh;
                self.text(x + PAD_X, y, *style, text);
            }
            x += w;
        }
        // Ruled lines: the columns, then the line under the band.
        let mut x = self.left();
        self.line((x, top), (x, top + h), 0.6, Ink::Rule);
        for w in widths {
            x += w;
            self.line((x, top), (x, top + h), 0.6, Ink::Rule);
        }
        self.line(
            (self.left(), top + h),
            (self.right(), top + h),
            if shaded { 0.9 } else { 0.5 },
            Ink::Rule,
        );
        self.y = top + h;
    }

    /// The header row, or (for a table without one) the rule over the first row.
    fn head_band(&mut self, head: &[Vec<(String, Style)>], widths: &[f32], lh: f32) {
        let top = self.y;
        self.line((self.left(), top), (self.right(), top), 0.9, Ink::Rule);
        if !head.is_empty() {
            let n = head.iter().map(Vec::len).max().unwrap_or(1).max(1);
            self.band(head, widths, lh, 0, n, true);
        }
    }

    /// A table with a header row (none if `header` is empty) and ruled lines. It breaks across
    /// pages between rows, with the header again at the top of each page; a row taller than a
    /// page is split.
    pub fn table(&mut self, cols: &[Width], header: &[&str], rows: &[Vec<Cell>]) {
        let widths = self.widths(cols);
        let head_cells: Vec<Cell> = header
            .iter()
            .map(|h| vec![(h.to_string(), CELL_HEAD)])
            .collect();
        let head = self.lay_cells(&head_cells, &widths);
        let lh = CELL.leading();
        let head_h = if head.is_empty() {
            0.0
        } else {
            head.iter().map(Vec::len).max().unwrap_or(1) as f32 * lh + 2.0 * PAD_Y
        };
        let laid: Vec<Vec<Vec<(String, Style)>>> =
            rows.iter().map(|r| self.lay_cells(r, &widths)).collect();
        let first_h = laid
            .first()
            .map(|c| c.iter().map(Vec::len).max().unwrap_or(1).max(1) as f32 * lh + 2.0 * PAD_Y)
            .unwrap_or(0.0);
        // The header and the first row (or a few of its lines) together.
        self.need(head_h + first_h.min(4.0 * lh + 2.0 * PAD_Y));
        self.head_band(&head, &widths, lh);
        for cells in &laid {
            let n = cells.iter().map(Vec::len).max().unwrap_or(1).max(1);
            let mut from = 0;
            while from < n {
                let fit = ((self.room() - 2.0 * PAD_Y) / lh).floor().max(0.0) as usize;
                let left = n - from;
                let whole_page = ((self.bottom() - self.page.top - head_h - 2.0 * PAD_Y) / lh)
                    .floor()
                    .max(1.0) as usize;
                if fit >= left {
                    self.band(cells, &widths, lh, from, n, false);
                    from = n;
                } else if left > whole_page && fit >= 2 {
                    // Taller than a page: as much as fits here, the rest on the next page.
                    self.band(cells, &widths, lh, from, from + fit, false);
                    from += fit;
                    self.new_page();
                    self.head_band(&head, &widths, lh);
                } else {
                    self.new_page();
                    self.head_band(&head, &widths, lh);
                }
            }
        }
    }

    /// Draws every page into a PDF: the header and footer of each, then what was laid out.
    /// `running` is the title at the top of every page; `note` is a line at the foot.
    pub fn finish(self, running: &str, made: &str, note: Option<&str>, title: &str) -> Vec<u8> {
        let mut doc = Document::new();
        doc.set_metadata(
            krilla::metadata::Metadata::new()
                .title(title.to_string())
                .creator("Amends".to_string())
                .language("en".to_string()),
        );
        let total = self.pages.len();
        let page = self.page;
        for (i, ops) in self.pages.iter().enumerate() {
            let Some(settings) = PageSettings::from_wh(page.width, page.height) else {
                continue;
            };
            let mut p = doc.start_page_with(settings);
            let mut s = p.surface();
            // Shading first, so that rules and text lie on top of it.
            for op in ops {
                if let Op::Rect { x, y, w, h, ink } = op {
                    let mut pb = PathBuilder::new();
                    pb.move_to(*x, *y);
                    pb.line_to(x + w, *y);
                    pb.line_to(x + w, y + h);
                    pb.line_to(*x, y + h);
                    pb.close();
                    if let Some(path) = pb.finish() {
                        s.set_stroke(None);
                        s.set_fill(Some(Fill {
                            paint: ink.rgb().into(),
                            ..Fill::default()
                        }));
                        s.draw_path(&path);
                    }
                }
            }
            for op in ops {
                match op {
                    Op::Text { x, y, style, text } => {
                        put_text(&mut s, self.fonts, *x, *y, *style, text)
                    }
                    Op::Line {
                        from,
                        to,
                        width,
                        ink,
                    } => put_line(&mut s, *from, *to, *width, *ink),
                    Op::Rect { .. } => {}
                }
            }
            // The running header and the footer.
            let head_y = page.top - 26.0;
            put_text(&mut s, self.fonts, page.margin, head_y, SMALL, running);
            let made_w = self.fonts.width(made, SMALL);
            put_text(
                &mut s,
                self.fonts,
                page.width - page.margin - made_w,
                head_y,
                SMALL,
                made,
            );
            put_line(
                &mut s,
                (page.margin, page.top - 20.0),
                (page.width - page.margin, page.top - 20.0),
                0.6,
                Ink::Rule,
            );
            let foot_y = page.height - page.bottom + 30.0;
            let number = format!("Page {} of {}", i + 1, total);
            let number_w = self.fonts.width(&number, SMALL);
            put_text(
                &mut s,
                self.fonts,
                page.width - page.margin - number_w,
                foot_y,
                SMALL,
                &number,
            );
            if let Some(note) = note {
                let room = page.width - 2.0 * page.margin - number_w - 20.0;
                let first = self
                    .fonts
                    .wrap(note, room, SMALL)
                    .into_iter()
                    .next()
                    .unwrap_or_default();
                put_text(&mut s, self.fonts, page.margin, foot_y, SMALL, &first);
            }
            s.finish();
            p.finish();
        }
        // Every page and font is made here from known parts; a failure is a bug, not input.
        doc.finish().expect("a PDF from the worksheet's own pages")
    }
}

fn put_text(s: &mut Surface<'_>, fonts: &Fonts, x: f32, y: f32, style: Style, text: &str) {
    s.set_stroke(None);
    s.set_fill(Some(Fill {
        paint: style.ink.rgb().into(),
        ..Fill::default()
    }));
    let font = if style.bold {
        fonts.pdf_bold.clone()
    } else {
        fonts.pdf_regular.clone()
    };
    s.draw_text(
        Point::from_xy(x, y),
        font,
        style.size,
        text,
        false,
        TextDirection::Auto,
    );
}

fn put_line(s: &mut Surface<'_>, from: (f32, f32), to: (f32, f32), width: f32, ink: Ink) {
    let mut pb = PathBuilder::new();
    pb.move_to(from.0, from.1);
    pb.line_to(to.0, to.1);
    if let Some(path) = pb.finish() {
        s.set_fill(None);
        s.set_stroke(Some(Stroke {
            paint: ink.rgb().into(),
            width,
            opacity: NormalizedF32::ONE,
            ..Stroke::default()
        }));
        s.draw_path(&path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_wraps_at_spaces_and_inside_long_words() {
        let f = Fonts::load();
        let w = f.width("Mary Jones", BODY);
        assert!(w > 30.0 && w < 80.0, "{w}");
        assert!(f.width("Mary Jones", Style::new(9.5, true, Ink::Text)) > w);
        let lines = f.wrap("one two three four five six seven", 60.0, BODY);
        assert!(lines.len() > 2, "{lines:?}");
        for l in &lines {
            assert!(f.width(l, BODY) <= 60.0, "{l}");
        }
        assert_eq!(lines.join(" "), "one two three four five six seven");
        let long = "x".repeat(200);
        let lines = f.wrap(&long, 100.0, BODY);
        assert!(lines.len() > 3);
        assert_eq!(lines.concat(), long);
        assert_eq!(f.wrap("a\n\nb", 100.0, BODY), ["a", "", "b"]);
        assert_eq!(f.wrap("", 100.0, BODY), [""]);
    }
}
