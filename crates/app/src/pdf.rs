//! Printable forms as PDF: A4 pages set in DejaVu Sans, a font found on the server (never
//! shipped with motcua), with only the glyphs used embedded and a ToUnicode map, so the text
//! can be searched, copied and read aloud.
//!
//! A [`Sheet`] is written top to bottom: paragraphs wrap at spaces, a QR code may float at
//! the right of the blocks beside it, and a new page starts where one is full.

use pdf_writer::types::{CidFontType, FontFlags, SystemInfo, UnicodeCmap};
use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref, Str, TextStr};
use std::io::Write;
use std::path::PathBuf;
use std::sync::OnceLock;
use subsetter::GlyphRemapper;

/// Where the fonts are looked for, in order; `MOTCUA_FONT_DIR` comes first when set.
const FONT_DIRS: [&str; 4] = [
    "/usr/share/fonts/truetype/dejavu",
    "/usr/share/fonts/dejavu",
    "/usr/share/fonts/TTF",
    "/usr/local/share/fonts",
];
const REGULAR: &str = "DejaVuSans.ttf";
const BOLD: &str = "DejaVuSans-Bold.ttf";

/// A4 in points, and the margins of an administrative document (Decree 30/2020, annex I:
/// top and bottom 20–25 mm, left 30–35 mm, right 15–20 mm).
const PAGE_WIDTH: f32 = 595.28;
const PAGE_HEIGHT: f32 = 841.89;
const MM: f32 = 72.0 / 25.4;
const LEFT: f32 = 30.0 * MM;
const RIGHT: f32 = PAGE_WIDTH - 15.0 * MM;
const TOP: f32 = PAGE_HEIGHT - 20.0 * MM;
const BOTTOM: f32 = 20.0 * MM;
const LEADING: f32 = 1.35;

/// The font files, read once.
struct FontFiles {
    regular: Vec<u8>,
    bold: Vec<u8>,
}

fn fonts() -> Result<&'static FontFiles, PdfUnavailable> {
    static FONTS: OnceLock<Option<FontFiles>> = OnceLock::new();
    FONTS
        .get_or_init(|| {
            let dirs = std::env::var_os("MOTCUA_FONT_DIR")
                .map(PathBuf::from)
                .into_iter()
                .chain(FONT_DIRS.iter().map(PathBuf::from));
            for dir in dirs {
                let (Ok(regular), Ok(bold)) = (
                    std::fs::read(dir.join(REGULAR)),
                    std::fs::read(dir.join(BOLD)),
                ) else {
                    continue;
                };
                if ttf_parser::Face::parse(&regular, 0).is_ok()
                    && ttf_parser::Face::parse(&bold, 0).is_ok()
                {
                    return Some(FontFiles { regular, bold });
                }
            }
            tracing::warn!(
                "no DejaVu Sans font found (package fonts-dejavu-core, or MOTCUA_FONT_DIR): forms are not offered as PDF"
            );
            None
        })
        .as_ref()
        .ok_or(PdfUnavailable)
}

/// The server has no font to set a PDF in.
#[derive(Debug, Clone, Copy, thiserror::Error)]
#[error(
    "Máy chủ chưa có phông chữ DejaVu Sans nên chưa tạo được tệp PDF; hãy dùng lệnh In của trình duyệt."
)]
pub struct PdfUnavailable;

/// Whether forms can be offered as PDF here.
pub fn available() -> bool {
    fonts().is_ok()
}

/// One face in use: its metrics, and the glyphs the sheet has used so far.
struct Face {
    data: &'static [u8],
    /// The font's name in the file, marked as a subset.
    name: &'static [u8],
    units_per_em: f32,
    remapper: GlyphRemapper,
    /// Advance widths (font units) by new glyph id, and the text each glyph stands for.
    used: Vec<(u16, u16, char)>,
}

impl Face {
    fn new(data: &'static [u8], name: &'static [u8]) -> Face {
        let face = ttf_parser::Face::parse(data, 0).expect("checked when loaded");
        Face {
            data,
            name,
            units_per_em: f32::from(face.units_per_em()),
            remapper: GlyphRemapper::new(),
            used: Vec::new(),
        }
    }

    fn parsed(&self) -> ttf_parser::Face<'static> {
        ttf_parser::Face::parse(self.data, 0).expect("checked when loaded")
    }

    fn width(&self, text: &str, size: f32) -> f32 {
        let face = self.parsed();
        let units: u32 = text
            .chars()
            .map(|c| {
                let glyph = face.glyph_index(c).unwrap_or_default();
                u32::from(face.glyph_hor_advance(glyph).unwrap_or_default())
            })
            .sum();
        units as f32 * size / self.units_per_em
    }

    /// The text as two-byte new glyph ids (Identity-H), noting each glyph used.
    fn encode(&mut self, text: &str) -> Vec<u8> {
        let face = self.parsed();
        let mut out = Vec::with_capacity(text.len() * 2);
        for c in text.chars() {
            let old = face.glyph_index(c).unwrap_or_default();
            let known = self.remapper.get(old.0);
            let new = self.remapper.remap(old.0);
            if known.is_none() {
                let advance = face.glyph_hor_advance(old).unwrap_or_default();
                self.used.push((new, advance, c));
            }
            out.extend_from_slice(&new.to_be_bytes());
        }
        out
    }
}

/// Regular or bold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Weight {
    Regular,
    Bold,
}

/// A form being set, page by page.
pub struct Sheet {
    faces: [Face; 2],
    pages: Vec<Content>,
    y: f32,
    /// A QR code at the right: the lowest point it reaches, and the width it takes.
    float: Option<(f32, f32)>,
    title: String,
}

impl Sheet {
    pub fn new(title: &str) -> Result<Sheet, PdfUnavailable> {
        let files = fonts()?;
        Ok(Sheet {
            faces: [
                Face::new(&files.regular, b"MOTCUA+DejaVuSans"),
                Face::new(&files.bold, b"MOTCUA+DejaVuSans-Bold"),
            ],
            pages: vec![Content::new()],
            y: TOP,
            float: None,
            title: title.to_owned(),
        })
    }

    fn face(&mut self, weight: Weight) -> &mut Face {
        &mut self.faces[weight as usize]
    }

    /// Where a line whose top is at `line_top` ends: short of the QR code beside it.
    fn right_edge(&self, line_top: f32) -> f32 {
        match self.float {
            Some((bottom, width)) if line_top > bottom => RIGHT - width,
            _ => RIGHT,
        }
    }

    /// Room for `height` more points on this page, or a new page.
    fn room(&mut self, height: f32) {
        if self.y - height < BOTTOM {
            self.pages.push(Content::new());
            self.y = TOP;
            self.float = None;
        }
    }

    fn show(&mut self, x: f32, baseline: f32, text: &str, size: f32, weight: Weight) {
        let encoded = self.face(weight).encode(text);
        let font = match weight {
            Weight::Regular => Name(b"F0"),
            Weight::Bold => Name(b"F1"),
        };
        let page = self.pages.last_mut().expect("a sheet has a page");
        page.begin_text();
        page.set_font(font, size);
        page.next_line(x, baseline);
        page.show(Str(&encoded));
        page.end_text();
    }

    /// Lines of `text` that fit between `left` and the right edge (short of a QR code
    /// beside them), wrapped at spaces.
    fn wrap(&self, text: &str, size: f32, weight: Weight, left: f32) -> Vec<String> {
        let line_height = size * LEADING;
        let top = self.y;
        self.wrap_with(text, size, weight, |line| {
            self.right_edge(top - line as f32 * line_height) - left
        })
    }

    /// Lines of `text` no wider than `room(line number)`, wrapped at spaces.
    fn wrap_with(
        &self,
        text: &str,
        size: f32,
        weight: Weight,
        room: impl Fn(usize) -> f32,
    ) -> Vec<String> {
        let face = &self.faces[weight as usize];
        let space = face.width(" ", size);
        let mut lines = Vec::new();
        for paragraph in text.split('\n') {
            let mut line = String::new();
            let mut width = 0.0;
            for word in paragraph.split_whitespace() {
                let w = face.width(word, size);
                if !line.is_empty() && width + space + w > room(lines.len()) {
                    lines.push(std::mem::take(&mut line));
                    width = 0.0;
                }
                if !line.is_empty() {
                    line.push(' ');
                    width += space;
                }
                line.push_str(word);
                width += w;
            }
            lines.push(line);
        }
        lines
    }

    /// A paragraph from the left margin, wrapped.
    pub fn paragraph(&mut self, text: &str, size: f32, weight: Weight) {
        self.paragraph_at(LEFT, text, size, weight);
    }

    fn paragraph_at(&mut self, left: f32, text: &str, size: f32, weight: Weight) {
        let line_height = size * LEADING;
        for line in self.wrap(text, size, weight, left) {
            self.room(line_height);
            self.show(left, self.y - size, &line, size, weight);
            self.y -= line_height;
        }
    }

    /// A line centred between `left` and `right`, at the current height, without moving down.
    fn centred_in(&mut self, left: f32, right: f32, y: f32, text: &str, size: f32, weight: Weight) {
        let width = self.faces[weight as usize].width(text, size);
        let x = left + ((right - left - width) / 2.0).max(0.0);
        self.show(x, y - size, text, size, weight);
    }

    /// A line centred on the page.
    pub fn centred(&mut self, text: &str, size: f32, weight: Weight) {
        let line_height = size * LEADING;
        self.room(line_height);
        let y = self.y;
        self.centred_in(LEFT, RIGHT, y, text, size, weight);
        self.y -= line_height;
    }

    /// Two centred columns side by side (the heading of an administrative document, or the
    /// signature blocks), each line with its size and weight, wrapped within its column.
    pub fn columns(&mut self, left: &[(&str, f32, Weight)], right: &[(&str, f32, Weight)]) {
        let middle = LEFT + (RIGHT - LEFT) * 0.45;
        let set = |sheet: &Sheet, lines: &[(&str, f32, Weight)], width: f32| {
            lines
                .iter()
                .flat_map(|(text, size, weight)| {
                    let wrapped = sheet.wrap_with(text, *size, *weight, |_| width);
                    wrapped.into_iter().map(move |l| (l, *size, *weight))
                })
                .collect::<Vec<_>>()
        };
        let height = |lines: &[(String, f32, Weight)]| {
            lines.iter().map(|(_, s, _)| s * LEADING).sum::<f32>()
        };
        let left = set(self, left, middle - LEFT - 2.0 * MM);
        let right = set(self, right, RIGHT - middle);
        let tallest = height(&left).max(height(&right));
        self.room(tallest);
        let top = self.y;
        for (column, (from, to)) in [(left, (LEFT, middle)), (right, (middle, RIGHT))] {
            let mut y = top;
            for (text, size, weight) in column {
                self.centred_in(from, to, y, &text, size, weight);
                y -= size * LEADING;
            }
        }
        self.y = top - tallest;
    }

    /// Label and value rows; values wrap in their own column.
    pub fn facts(&mut self, rows: &[(String, String)], size: f32) {
        let value_left = LEFT + 45.0 * MM;
        let line_height = size * LEADING;
        for (label, value) in rows {
            let labels = self.wrap_with(label, size, Weight::Regular, |_| 43.0 * MM);
            self.room(line_height * labels.len() as f32);
            let top = self.y;
            for (i, line) in labels.iter().enumerate() {
                let baseline = top - size - i as f32 * line_height;
                self.show(LEFT, baseline, line, size, Weight::Regular);
            }
            self.paragraph_at(value_left, value, size, Weight::Bold);
            self.y = self.y.min(top - line_height * labels.len() as f32) - size * 0.3;
        }
    }

    /// A numbered list.
    pub fn numbered(&mut self, items: &[String], size: f32) {
        for (i, item) in items.iter().enumerate() {
            self.room(size * LEADING);
            let top = self.y;
            self.show(
                LEFT + 4.0 * MM,
                top - size,
                &format!("{}.", i + 1),
                size,
                Weight::Regular,
            );
            self.paragraph_at(LEFT + 10.0 * MM, item, size, Weight::Regular);
        }
    }

    /// Vertical space.
    pub fn gap(&mut self, points: f32) {
        self.y -= points;
    }

    /// A QR code of `data` at the right, `side` millimetres square, with a caption under it;
    /// the blocks that follow wrap beside it.
    pub fn qr_right(&mut self, data: &str, side_mm: f32, caption: &str) {
        let Ok(code) = qrcode::QrCode::with_error_correction_level(data, qrcode::EcLevel::M) else {
            return;
        };
        let side = side_mm * MM;
        let caption_size = 7.0;
        self.room(side + 3.0 * caption_size);
        let modules = code.width();
        let module = side / (modules + 8) as f32;
        let x0 = RIGHT - side + 4.0 * module;
        let y0 = self.y - 4.0 * module;
        let colors = code.to_colors();
        let page = self.pages.last_mut().expect("a sheet has a page");
        page.set_fill_gray(0.0);
        for (i, color) in colors.iter().enumerate() {
            if *color == qrcode::Color::Dark {
                let (col, row) = ((i % modules) as f32, (i / modules) as f32);
                page.rect(x0 + col * module, y0 - (row + 1.0) * module, module, module);
            }
        }
        page.fill_nonzero();
        let top = self.y;
        self.y -= side;
        let bottom = self.y - caption_size * LEADING;
        self.centred_in(
            RIGHT - side,
            RIGHT,
            self.y,
            caption,
            caption_size,
            Weight::Regular,
        );
        self.float = Some((bottom, side + 4.0 * MM));
        self.y = top;
    }

    /// Ends the float: what follows starts below the QR code.
    pub fn clear(&mut self) {
        if let Some((bottom, _)) = self.float.take() {
            self.y = self.y.min(bottom);
        }
    }

    /// The finished file; `Err` only when the font cannot be subset.
    pub fn finish(mut self) -> Result<Vec<u8>, PdfUnavailable> {
        self.clear();
        let mut pdf = Pdf::new();
        let mut next = 1;
        let mut alloc = || {
            let r = Ref::new(next);
            next += 1;
            r
        };
        let catalog = alloc();
        let tree = alloc();
        let info = alloc();
        let font_refs: Vec<[Ref; 5]> = (0..2)
            .map(|_| [alloc(), alloc(), alloc(), alloc(), alloc()])
            .collect();
        let page_refs: Vec<(Ref, Ref)> = self.pages.iter().map(|_| (alloc(), alloc())).collect();
        pdf.catalog(catalog).pages(tree).lang(TextStr("vi"));
        pdf.document_info(info)
            .title(TextStr(&self.title))
            .producer(TextStr("motcua"));
        pdf.pages(tree)
            .kids(page_refs.iter().map(|(p, _)| *p))
            .count(page_refs.len() as i32);
        for ((page_ref, content_ref), content) in page_refs.iter().zip(self.pages) {
            let mut page = pdf.page(*page_ref);
            page.media_box(Rect::new(0.0, 0.0, PAGE_WIDTH, PAGE_HEIGHT))
                .parent(tree)
                .contents(*content_ref);
            page.resources()
                .fonts()
                .pair(Name(b"F0"), font_refs[0][0])
                .pair(Name(b"F1"), font_refs[1][0]);
            page.finish();
            pdf.stream(*content_ref, &deflate(&content.finish().into_vec()))
                .filter(Filter::FlateDecode);
        }
        for (face, refs) in self.faces.iter().zip(&font_refs) {
            embed(&mut pdf, face, *refs)?;
        }
        Ok(pdf.finish())
    }
}

fn deflate(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes).expect("writing to memory");
    encoder.finish().expect("writing to memory")
}

/// One face as a Type 0 font with its subset, widths and ToUnicode map.
fn embed(
    pdf: &mut Pdf,
    face: &Face,
    [type0, cid, descriptor, file, cmap]: [Ref; 5],
) -> Result<(), PdfUnavailable> {
    let parsed = face.parsed();
    let scale = 1000.0 / face.units_per_em;
    let name = Name(face.name);
    let info = SystemInfo {
        registry: Str(b"Adobe"),
        ordering: Str(b"Identity"),
        supplement: 0,
    };
    pdf.type0_font(type0)
        .base_font(name)
        .encoding_predefined(Name(b"Identity-H"))
        .descendant_font(cid)
        .to_unicode(cmap);
    let mut widths: Vec<(u16, f32)> = face
        .used
        .iter()
        .map(|(gid, advance, _)| (*gid, f32::from(*advance) * scale))
        .collect();
    widths.sort_by_key(|(gid, _)| *gid);
    let mut cid_font = pdf.cid_font(cid);
    cid_font
        .subtype(CidFontType::Type2)
        .base_font(name)
        .system_info(info)
        .font_descriptor(descriptor)
        .default_width(0.0)
        .cid_to_gid_map_predefined(Name(b"Identity"));
    let mut w = cid_font.widths();
    for (gid, width) in &widths {
        w.consecutive(*gid, [*width]);
    }
    w.finish();
    cid_font.finish();
    let bbox = parsed.global_bounding_box();
    pdf.font_descriptor(descriptor)
        .name(name)
        .flags(FontFlags::NON_SYMBOLIC)
        .bbox(Rect::new(
            f32::from(bbox.x_min) * scale,
            f32::from(bbox.y_min) * scale,
            f32::from(bbox.x_max) * scale,
            f32::from(bbox.y_max) * scale,
        ))
        .italic_angle(0.0)
        .ascent(f32::from(parsed.ascender()) * scale)
        .descent(f32::from(parsed.descender()) * scale)
        .cap_height(f32::from(parsed.capital_height().unwrap_or(parsed.ascender())) * scale)
        .stem_v(80.0)
        .font_file2(file);
    let subset = subsetter::subset(face.data, 0, &face.remapper).map_err(|e| {
        tracing::error!(error = ?e, "the PDF font cannot be subset");
        PdfUnavailable
    })?;
    pdf.stream(file, &deflate(&subset))
        .filter(Filter::FlateDecode);
    let mut map = UnicodeCmap::new(Name(b"Custom"), info);
    for (gid, _, c) in &face.used {
        map.pair(*gid, *c);
    }
    pdf.cmap(cmap, map.finish().as_slice());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_content_flows_onto_more_pages_and_embeds_only_the_glyphs_used() {
        let Ok(mut sheet) = Sheet::new("Thử") else {
            eprintln!("!!! SKIPPED: no DejaVu Sans font here (fonts-dejavu-core)");
            return;
        };
        sheet.columns(&[("UBND TỈNH LẠNG SƠN", 11.0, Weight::Regular)], &[]);
        sheet.qr_right("https://example.invalid/lookup?code=1", 30.0, "Mã QR");
        let items: Vec<String> = (1..=120).map(|i| format!("Thành phần số {i}")).collect();
        sheet.numbered(&items, 11.0);
        let bytes = sheet.finish().unwrap();
        assert!(bytes.starts_with(b"%PDF-"));
        let text = String::from_utf8_lossy(&bytes);
        let pages = text.matches("/Type /Page").count() - text.matches("/Type /Pages").count();
        assert!(pages >= 3, "120 lines take three pages or more: {pages}");
        // Two subset faces of a few dozen glyphs, not the 700 KB fonts.
        assert!(bytes.len() < 60_000, "{} bytes", bytes.len());
    }
}
