//! A letter on paper: the bundled fonts, the paper styles, the one layout
//! (lines and pages) that both the window's preview and the PDF draw, and the
//! PDF itself, made with krilla with its fonts embedded (subset).
//!
//! The layout is computed here, once: the preview draws the very lines this
//! module breaks, in the same font at the same size, so the page on screen and
//! the page printed break their lines alike. A character the handwriting
//! font lacks falls back to a bundled font that has it (DejaVu Sans for most
//! scripts and symbols, Droid Sans Fallback for CJK and the rest), so any text
//! prints without boxes.

use std::sync::LazyLock;

use krilla::Document;
use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::metadata::Metadata;
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::{Fill, FillRule, Stroke};
use krilla::surface::Surface;
use krilla::text::{Font, TextDirection};
use serde::{Deserialize, Serialize};

use crate::error::{AppError, ErrorCode};

/// A handwriting font bundled with Hearth (each under the SIL Open Font
/// Licence; its licence file lies beside it in `core/fonts/`).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, specta::Type,
)]
#[serde(rename_all = "kebab-case")]
pub enum HandFont {
    #[default]
    DancingScript,
    KaushanScript,
    Kristi,
}

impl HandFont {
    pub const ALL: [HandFont; 3] = [
        HandFont::DancingScript,
        HandFont::KaushanScript,
        HandFont::Kristi,
    ];

    pub fn id(self) -> &'static str {
        match self {
            HandFont::DancingScript => "dancing-script",
            HandFont::KaushanScript => "kaushan-script",
            HandFont::Kristi => "kristi",
        }
    }

    /// Reads a stored id; an unknown one is the default font.
    pub fn parse(id: &str) -> HandFont {
        HandFont::ALL
            .into_iter()
            .find(|f| f.id() == id)
            .unwrap_or_default()
    }

    /// The family name the font declares (as a PDF names it).
    pub fn family(self) -> &'static str {
        match self {
            HandFont::DancingScript => "Dancing Script",
            HandFont::KaushanScript => "Kaushan Script",
            HandFont::Kristi => "Kristi",
        }
    }

    fn data(self) -> &'static [u8] {
        match self {
            HandFont::DancingScript => {
                include_bytes!("../../fonts/dancing-script/DancingScript-Regular.otf")
            }
            HandFont::KaushanScript => {
                include_bytes!("../../fonts/kaushan-script/KaushanScript-Regular.otf")
            }
            HandFont::Kristi => include_bytes!("../../fonts/kristi/Kristi.ttf"),
        }
    }

    /// The size the letter is written at, in points: each font's letters
    /// are of a different height, so each has its own to read alike.
    fn size(self) -> f32 {
        match self {
            HandFont::DancingScript => 19.0,
            HandFont::KaushanScript => 16.5,
            HandFont::Kristi => 27.0,
        }
    }
}

/// The paper a letter is written on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "kebab-case")]
pub enum PaperStyle {
    /// Warm cream, unruled.
    #[default]
    Cream,
    /// Cream with faint ruled lines under each line of writing.
    Ruled,
    /// Plain white, for printing on any paper.
    White,
}

impl PaperStyle {
    pub const ALL: [PaperStyle; 3] = [PaperStyle::Cream, PaperStyle::Ruled, PaperStyle::White];

    pub fn id(self) -> &'static str {
        match self {
            PaperStyle::Cream => "cream",
            PaperStyle::Ruled => "ruled",
            PaperStyle::White => "white",
        }
    }

    pub fn parse(id: &str) -> PaperStyle {
        PaperStyle::ALL
            .into_iter()
            .find(|p| p.id() == id)
            .unwrap_or_default()
    }

    fn background(self) -> (u8, u8, u8) {
        match self {
            PaperStyle::Cream | PaperStyle::Ruled => (0xfb, 0xf6, 0xec),
            PaperStyle::White => (0xff, 0xff, 0xff),
        }
    }
}

/// Where a run of text takes its glyphs from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum Face {
    /// The letter's handwriting font.
    Hand,
    /// DejaVu Sans: Latin, Greek, Cyrillic, Hebrew, Arabic, many symbols.
    Sans,
    /// Droid Sans Fallback: CJK and what else the others lack.
    Wide,
}

/// A piece of a line written in one face.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Run {
    pub face: Face,
    pub text: String,
}

/// One line of writing.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Line {
    pub runs: Vec<Run>,
    /// Set against the right margin (the signature).
    pub right: bool,
}

impl Line {
    pub fn text(&self) -> String {
        self.runs.iter().map(|r| r.text.as_str()).collect()
    }
}

/// A letter laid out on pages, in points (1/72 inch). The preview draws it
/// as the PDF does.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Layout {
    pub font: HandFont,
    pub paper: PaperStyle,
    pub page_width: f32,
    pub page_height: f32,
    pub margin_x: f32,
    pub margin_top: f32,
    pub font_size: f32,
    pub line_height: f32,
    /// From the top of a line to its baseline.
    pub baseline: f32,
    pub pages: Vec<Vec<Line>>,
}

/// A4, which most printers hold.
const PAGE_WIDTH: f32 = 595.28;
const PAGE_HEIGHT: f32 = 841.89;
const MARGIN_X: f32 = 64.0;
const MARGIN_TOP: f32 = 72.0;
const MARGIN_BOTTOM: f32 = 72.0;
const LINE_HEIGHT: f32 = 30.0;
const INK: (u8, u8, u8) = (0x33, 0x2b, 0x26);

static SANS: &[u8] = include_bytes!("../../fonts/dejavu-sans/DejaVuSans.ttf");
static WIDE: &[u8] = include_bytes!("../../fonts/droid-sans-fallback/DroidSansFallbackFull.ttf");

/// The faces parsed once, for measuring.
struct Faces {
    hand: [rustybuzz::Face<'static>; 3],
    sans: rustybuzz::Face<'static>,
    wide: rustybuzz::Face<'static>,
}

static FACES: LazyLock<Faces> = LazyLock::new(|| {
    let parse = |data: &'static [u8]| {
        rustybuzz::Face::from_slice(data, 0).expect("a bundled font is readable")
    };
    Faces {
        hand: HandFont::ALL.map(|f| parse(f.data())),
        sans: parse(SANS),
        wide: parse(WIDE),
    }
});

impl Faces {
    fn get(&self, font: HandFont, face: Face) -> &rustybuzz::Face<'static> {
        match face {
            Face::Hand => &self.hand[font as usize],
            Face::Sans => &self.sans,
            Face::Wide => &self.wide,
        }
    }

    /// The first face that has `c`, the handwriting first.
    fn for_char(&self, font: HandFont, c: char) -> Face {
        [Face::Hand, Face::Sans, Face::Wide]
            .into_iter()
            .find(|&f| self.get(font, f).glyph_index(c).is_some())
            .unwrap_or(Face::Hand)
    }
}

/// The width of `text` in one face, shaped as the PDF shapes it.
fn width(face: &rustybuzz::Face<'_>, size: f32, text: &str) -> f32 {
    if text.is_empty() {
        return 0.0;
    }
    let mut buffer = rustybuzz::UnicodeBuffer::new();
    buffer.push_str(text);
    buffer.guess_segment_properties();
    let shaped = rustybuzz::shape(face, &[], buffer);
    let units: i32 = shaped.glyph_positions().iter().map(|p| p.x_advance).sum();
    units as f32 * size / face.units_per_em() as f32
}

/// Splits `text` into runs by the face that has each character; a space or
/// a mark stays with the run it is in.
fn runs(font: HandFont, text: &str) -> Vec<Run> {
    let faces = &*FACES;
    let mut out: Vec<Run> = Vec::new();
    for c in text.chars() {
        let keeps = c.is_whitespace() || is_mark(c);
        let face = match (keeps, out.last()) {
            (true, Some(last)) => last.face,
            _ => faces.for_char(font, c),
        };
        match out.last_mut() {
            Some(last) if last.face == face => last.text.push(c),
            _ => out.push(Run {
                face,
                text: c.to_string(),
            }),
        }
    }
    out
}

fn is_mark(c: char) -> bool {
    matches!(c, '\u{0300}'..='\u{036f}' | '\u{200d}' | '\u{fe00}'..='\u{fe0f}')
}

fn runs_width(font: HandFont, size: f32, runs: &[Run]) -> f32 {
    let faces = &*FACES;
    runs.iter()
        .map(|r| width(faces.get(font, r.face), size, &r.text))
        .sum()
}

fn text_width(font: HandFont, size: f32, text: &str) -> f32 {
    runs_width(font, size, &runs(font, text))
}

/// Breaks a paragraph into lines no wider than `max` (greedy, at spaces; a
/// word wider than a line is broken between characters).
fn break_paragraph(font: HandFont, size: f32, max: f32, paragraph: &str) -> Vec<String> {
    let space = text_width(font, size, " ");
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut line_width = 0.0;
    for word in paragraph.split(' ') {
        let w = text_width(font, size, word);
        let needed = if line.is_empty() {
            w
        } else {
            line_width + space + w
        };
        if needed <= max || line.is_empty() && w <= max {
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
            line_width = needed;
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
            line_width = 0.0;
        }
        if w <= max {
            line.push_str(word);
            line_width = w;
            continue;
        }
        // A word longer than a line: as many characters as fit, in turn.
        for c in word.chars() {
            let cw = text_width(font, size, c.encode_utf8(&mut [0; 4]));
            if line_width + cw > max && !line.is_empty() {
                lines.push(std::mem::take(&mut line));
                line_width = 0.0;
            }
            line.push(c);
            line_width += cw;
        }
    }
    lines.push(line);
    lines
}

/// Text as it can be written: tabs become spaces, other control characters
/// (which no font draws) are dropped, line ends are `\n`.
fn writable(text: &str) -> String {
    text.replace("\r\n", "\n")
        .replace('\r', "\n")
        .replace('\t', "    ")
        .chars()
        .filter(|&c| c == '\n' || !c.is_control())
        .collect()
}

/// Lays out `body` and, set to the right after a blank line, `signature`.
pub fn layout(body: &str, signature: &str, font: HandFont, paper: PaperStyle) -> Layout {
    let size = font.size();
    let max = PAGE_WIDTH - 2.0 * MARGIN_X;
    let mut lines: Vec<Line> = Vec::new();
    let body = writable(body);
    for paragraph in body.trim_end().split('\n') {
        for text in break_paragraph(font, size, max, paragraph.trim_end()) {
            lines.push(Line {
                runs: runs(font, &text),
                right: false,
            });
        }
    }
    let signature = writable(signature);
    if !signature.trim().is_empty() {
        lines.push(Line {
            runs: Vec::new(),
            right: false,
        });
        for paragraph in signature.trim().split('\n') {
            for text in break_paragraph(font, size, max, paragraph.trim()) {
                lines.push(Line {
                    runs: runs(font, &text),
                    right: true,
                });
            }
        }
    }
    let per_page = ((PAGE_HEIGHT - MARGIN_TOP - MARGIN_BOTTOM) / LINE_HEIGHT).floor() as usize;
    let pages = lines.chunks(per_page).map(<[Line]>::to_vec).collect();
    let face = &FACES.hand[font as usize];
    let (ascent, descent) = (
        face.ascender() as f32 * size / face.units_per_em() as f32,
        face.descender() as f32 * size / face.units_per_em() as f32,
    );
    Layout {
        font,
        paper,
        page_width: PAGE_WIDTH,
        page_height: PAGE_HEIGHT,
        margin_x: MARGIN_X,
        margin_top: MARGIN_TOP,
        font_size: size,
        line_height: LINE_HEIGHT,
        // Where a browser puts the baseline in a line box of this height.
        baseline: (LINE_HEIGHT - (ascent - descent)) / 2.0 + ascent,
        pages,
    }
}

/// The bundled fonts, as krilla embeds them.
struct PdfFonts {
    hand: Font,
    sans: Font,
    wide: Font,
}

impl PdfFonts {
    fn new(font: HandFont) -> Result<PdfFonts, AppError> {
        let load = |data: &'static [u8]| {
            Font::new(data.into(), 0).ok_or_else(|| AppError {
                code: ErrorCode::Io,
                message: "A bundled font could not be read.".into(),
            })
        };
        Ok(PdfFonts {
            hand: load(font.data())?,
            sans: load(SANS)?,
            wide: load(WIDE)?,
        })
    }

    fn get(&self, face: Face) -> Font {
        match face {
            Face::Hand => self.hand.clone(),
            Face::Sans => self.sans.clone(),
            Face::Wide => self.wide.clone(),
        }
    }
}

fn fill(color: (u8, u8, u8)) -> Fill {
    Fill {
        paint: rgb::Color::new(color.0, color.1, color.2).into(),
        opacity: NormalizedF32::ONE,
        rule: FillRule::default(),
    }
}

fn draw_paper(surface: &mut Surface<'_>, layout: &Layout) {
    let mut background = PathBuilder::new();
    if let Some(rect) = Rect::from_xywh(0.0, 0.0, layout.page_width, layout.page_height) {
        background.push_rect(rect);
    }
    if let Some(path) = background.finish() {
        surface.set_fill(Some(fill(layout.paper.background())));
        surface.draw_path(&path);
    }
    if layout.paper == PaperStyle::Ruled {
        let mut rules = PathBuilder::new();
        let mut y = layout.margin_top + layout.baseline + 4.0;
        while y < layout.page_height - MARGIN_BOTTOM + layout.line_height / 2.0 {
            rules.move_to(layout.margin_x - 8.0, y);
            rules.line_to(layout.page_width - layout.margin_x + 8.0, y);
            y += layout.line_height;
        }
        if let Some(path) = rules.finish() {
            surface.set_fill(None);
            surface.set_stroke(Some(Stroke {
                paint: rgb::Color::new(0xd9, 0xcd, 0xbd).into(),
                width: 0.6,
                ..Default::default()
            }));
            surface.draw_path(&path);
            surface.set_stroke(None);
        }
    }
}

/// Draws one page of `layout`; `number` is written at its foot (books).
fn draw_page(
    surface: &mut Surface<'_>,
    fonts: &PdfFonts,
    layout: &Layout,
    lines: &[Line],
    number: Option<usize>,
) {
    draw_paper(surface, layout);
    surface.set_fill(Some(fill(INK)));
    let size = layout.font_size;
    let right_edge = layout.page_width - layout.margin_x;
    for (i, line) in lines.iter().enumerate() {
        let y = layout.margin_top + i as f32 * layout.line_height + layout.baseline;
        let x = if line.right {
            right_edge - runs_width(layout.font, size, &line.runs)
        } else {
            layout.margin_x
        };
        draw_runs_at(surface, fonts, layout.font, size, x, y, &line.runs);
    }
    if let Some(n) = number {
        let text = n.to_string();
        let w = width(&FACES.sans, 9.0, &text);
        surface.set_fill(Some(fill((0x8a, 0x7d, 0x72))));
        surface.draw_text(
            Point::from_xy((layout.page_width - w) / 2.0, layout.page_height - 36.0),
            fonts.sans.clone(),
            9.0,
            &text,
            false,
            TextDirection::Auto,
        );
    }
}

fn pdf_error(e: impl std::fmt::Debug) -> AppError {
    AppError {
        code: ErrorCode::Io,
        message: format!("The PDF could not be made: {e:?}"),
    }
}

/// One letter as a PDF.
pub fn letter_pdf(title: &str, layout: &Layout) -> Result<Vec<u8>, AppError> {
    let fonts = PdfFonts::new(layout.font)?;
    let mut document = Document::new();
    document.set_metadata(Metadata::new().title(title.to_owned()));
    for lines in &layout.pages {
        let settings = PageSettings::from_wh(layout.page_width, layout.page_height)
            .ok_or_else(|| pdf_error("page size"))?;
        let mut page = document.start_page_with(settings);
        let mut surface = page.surface();
        draw_page(&mut surface, &fonts, layout, lines, None);
        surface.finish();
        page.finish();
    }
    document.finish().map_err(pdf_error)
}

/// A letter bound in a book: its heading in the contents and its layout.
#[derive(Debug, Clone)]
pub struct BookLetter {
    pub heading: String,
    pub layout: Layout,
}

/// Letters bound as one PDF: a cover, a contents page listing each letter
/// with the page it begins on, then each letter from a new page, the pages
/// numbered. `on_progress(done, total)` hears each letter laid down.
pub fn book_pdf(
    title: &str,
    subtitle: &str,
    font: HandFont,
    paper: PaperStyle,
    letters: &[BookLetter],
    on_progress: &mut dyn FnMut(usize, usize),
) -> Result<Vec<u8>, AppError> {
    let fonts = PdfFonts::new(font)?;
    let blank = layout("", "", font, paper);
    let per_page = contents_per_page();
    let mut starts = Vec::with_capacity(letters.len());
    let mut next = 2 + contents_pages(letters.len());
    for letter in letters {
        starts.push(next);
        next += letter.layout.pages.len().max(1);
    }

    let mut document = Document::new();
    document.set_metadata(Metadata::new().title(title.to_owned()));
    let settings =
        || PageSettings::from_wh(PAGE_WIDTH, PAGE_HEIGHT).ok_or_else(|| pdf_error("page size"));
    {
        let mut page = document.start_page_with(settings()?);
        let mut surface = page.surface();
        draw_paper(&mut surface, &blank);
        surface.set_fill(Some(fill(INK)));
        let size = 40.0;
        let w = text_width(font, size, title);
        draw_runs_at(
            &mut surface,
            &fonts,
            font,
            size,
            (PAGE_WIDTH - w) / 2.0,
            PAGE_HEIGHT * 0.42,
            &runs(font, title),
        );
        let size = 18.0;
        let w = text_width(font, size, subtitle);
        draw_runs_at(
            &mut surface,
            &fonts,
            font,
            size,
            (PAGE_WIDTH - w) / 2.0,
            PAGE_HEIGHT * 0.42 + 44.0,
            &runs(font, subtitle),
        );
        surface.finish();
        page.finish();
    }
    for (chunk_index, chunk) in letters.chunks(per_page.max(1)).enumerate() {
        let mut page = document.start_page_with(settings()?);
        let mut surface = page.surface();
        draw_paper(&mut surface, &blank);
        surface.set_fill(Some(fill(INK)));
        let size = font.size();
        let mut y = MARGIN_TOP + blank.baseline;
        if chunk_index == 0 {
            draw_runs_at(
                &mut surface,
                &fonts,
                font,
                26.0,
                MARGIN_X,
                y,
                &runs(font, "Contents"),
            );
        }
        y += 2.0 * LINE_HEIGHT;
        for (i, letter) in chunk.iter().enumerate() {
            let number = starts[chunk_index * per_page + i].to_string();
            let nw = text_width(font, size, &number);
            let room = PAGE_WIDTH - 2.0 * MARGIN_X - nw - 24.0;
            let heading = fit(font, size, room, &letter.heading);
            draw_runs_at(
                &mut surface,
                &fonts,
                font,
                size,
                MARGIN_X,
                y,
                &runs(font, &heading),
            );
            draw_runs_at(
                &mut surface,
                &fonts,
                font,
                size,
                PAGE_WIDTH - MARGIN_X - nw,
                y,
                &runs(font, &number),
            );
            y += LINE_HEIGHT;
        }
        surface.finish();
        page.finish();
    }
    for (i, letter) in letters.iter().enumerate() {
        let pages: Vec<&[Line]> = if letter.layout.pages.is_empty() {
            vec![&[]]
        } else {
            letter.layout.pages.iter().map(Vec::as_slice).collect()
        };
        for (p, lines) in pages.into_iter().enumerate() {
            let mut page = document.start_page_with(settings()?);
            let mut surface = page.surface();
            draw_page(
                &mut surface,
                &fonts,
                &letter.layout,
                lines,
                Some(starts[i] + p),
            );
            surface.finish();
            page.finish();
        }
        on_progress(i + 1, letters.len());
    }
    document.finish().map_err(pdf_error)
}

/// How many letters the contents lists on a page.
fn contents_per_page() -> usize {
    ((PAGE_HEIGHT - MARGIN_TOP - MARGIN_BOTTOM - 2.0 * LINE_HEIGHT) / LINE_HEIGHT)
        .floor()
        .max(1.0) as usize
}

fn contents_pages(letters: usize) -> usize {
    letters.div_ceil(contents_per_page()).max(1)
}

/// The pages of a book of `letters`: the cover, the contents, the letters.
pub fn book_page_count(letters: &[BookLetter]) -> usize {
    1 + contents_pages(letters.len())
        + letters
            .iter()
            .map(|l| l.layout.pages.len().max(1))
            .sum::<usize>()
}

/// Draws `runs` from (`x`, `y`), `y` the baseline.
fn draw_runs_at(
    surface: &mut Surface<'_>,
    fonts: &PdfFonts,
    font: HandFont,
    size: f32,
    mut x: f32,
    y: f32,
    runs: &[Run],
) {
    for run in runs {
        surface.draw_text(
            Point::from_xy(x, y),
            fonts.get(run.face),
            size,
            &run.text,
            false,
            TextDirection::Auto,
        );
        x += width(FACES.get(font, run.face), size, &run.text);
    }
}

/// `text` shortened with an ellipsis to fit `max` points.
fn fit(font: HandFont, size: f32, max: f32, text: &str) -> String {
    let text = writable(text).replace('\n', " ");
    if text_width(font, size, &text) <= max {
        return text;
    }
    let mut out = String::new();
    for c in text.chars() {
        out.push(c);
        if text_width(font, size, &out) + text_width(font, size, "…") > max {
            out.pop();
            break;
        }
    }
    out.trim_end().to_owned() + "…"
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line_width(layout: &Layout, line: &Line) -> f32 {
        runs_width(layout.font, layout.font_size, &line.runs)
    }

    #[test]
    fn every_line_fits_the_page_and_no_word_is_lost() {
        let text = "A letter that goes on about the summer at the lake, the jetty and the cold \
water, long enough to need many lines. "
            .repeat(30)
            + "\n\nAnd a word longer than any line: "
            + &"x".repeat(400);
        for font in HandFont::ALL {
            let layout = layout(&text, "Theodore", font, PaperStyle::Cream);
            let max = layout.page_width - 2.0 * layout.margin_x;
            let lines: Vec<&Line> = layout.pages.iter().flatten().collect();
            for line in &lines {
                assert!(
                    line_width(&layout, line) <= max + 0.01,
                    "{font:?}: {:?}",
                    line.text()
                );
            }
            let words = |s: &str| s.split_whitespace().map(str::to_owned).collect::<Vec<_>>();
            let written: String = lines.iter().map(|l| l.text() + " ").collect();
            let mut expected = words(&text);
            expected.push("Theodore".into());
            // The long word is broken between characters: join it back.
            assert_eq!(words(&written).concat(), expected.concat(), "{font:?}");
        }
    }

    #[test]
    fn a_line_that_fits_is_not_broken_and_the_signature_sits_right() {
        let layout = layout(
            "Dear Mum,\n\nThank you.",
            "With love",
            HandFont::Kristi,
            PaperStyle::Ruled,
        );
        let texts: Vec<String> = layout.pages[0].iter().map(Line::text).collect();
        assert_eq!(texts, ["Dear Mum,", "", "Thank you.", "", "With love"]);
        assert!(layout.pages[0][4].right && !layout.pages[0][0].right);
    }

    #[test]
    fn characters_the_handwriting_lacks_take_a_font_that_has_them() {
        let runs = runs(HandFont::DancingScript, "Hi 你好 ok");
        let faces: Vec<(Face, &str)> = runs.iter().map(|r| (r.face, r.text.as_str())).collect();
        assert_eq!(
            faces,
            [
                (Face::Hand, "Hi "),
                (Face::Wide, "你好 "),
                (Face::Hand, "ok")
            ]
        );
    }
}
