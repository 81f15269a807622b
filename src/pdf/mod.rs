//! Documents as PDF: A4 pages of text, rules and filled squares, laid out in
//! millimetres from the page's top left corner, with the built-in fonts (`font`).

mod font;
mod image;

use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref, Str, TextStr};

use font::Font;
pub use font::Weight;
pub use image::Image;

/// The page's size, in millimetres.
pub const WIDTH: f32 = 210.0;
pub const HEIGHT: f32 = 297.0;

/// Points per millimetre.
const PT: f32 = 72.0 / 25.4;

/// A document being drawn; `finish` gives its bytes.
pub struct Document {
    pages: Vec<Content>,
    regular: Font,
    bold: Font,
    /// The pictures drawn, each named `Im{index}` on the pages.
    images: Vec<Image>,
}

impl Default for Document {
    fn default() -> Self {
        Document::new()
    }
}

impl Document {
    /// A document with one empty page.
    pub fn new() -> Document {
        Document {
            pages: vec![Content::new()],
            regular: Font::new(Weight::Regular),
            bold: Font::new(Weight::Bold),
            images: Vec::new(),
        }
    }

    /// Starts a new page; what is drawn next goes on it.
    pub fn new_page(&mut self) {
        self.pages.push(Content::new());
    }

    fn font(&mut self, weight: Weight) -> &mut Font {
        match weight {
            Weight::Regular => &mut self.regular,
            Weight::Bold => &mut self.bold,
        }
    }

    fn page(&mut self) -> &mut Content {
        self.pages.last_mut().expect("a document has a page")
    }

    /// How wide `text` is, in millimetres.
    pub fn width(&mut self, weight: Weight, size: f32, text: &str) -> f32 {
        self.font(weight).width(text, size) / PT
    }

    /// Writes `text` from `x`, its baseline at `y`.
    pub fn text(&mut self, x: f32, y: f32, size: f32, weight: Weight, text: &str) {
        let encoded = self.font(weight).encode(text);
        let page = self.page();
        page.begin_text();
        page.set_font(weight.resource(), size);
        page.next_line(x * PT, (HEIGHT - y) * PT);
        page.show(Str(&encoded));
        page.end_text();
    }

    /// Writes `text` so that it ends at `right`.
    pub fn text_right(&mut self, right: f32, y: f32, size: f32, weight: Weight, text: &str) {
        let width = self.width(weight, size, text);
        self.text(right - width, y, size, weight, text);
    }

    /// `text` broken into lines no wider than `width`, between words, and within a word
    /// wider than the line.
    pub fn wrap(&mut self, weight: Weight, size: f32, width: f32, text: &str) -> Vec<String> {
        let mut lines: Vec<String> = Vec::new();
        for word in text.split_whitespace() {
            match lines.last_mut() {
                Some(line) if self.width(weight, size, &format!("{line} {word}")) <= width => {
                    line.push(' ');
                    line.push_str(word);
                }
                _ => lines.push(word.to_owned()),
            }
            // A word wider than the line is cut where it reaches the edge.
            while let Some(last) = lines.pop() {
                if self.width(weight, size, &last) <= width {
                    lines.push(last);
                    break;
                }
                let mut head = String::new();
                let mut chars = last.chars().peekable();
                while let Some(c) = chars.peek() {
                    let longer = format!("{head}{c}");
                    if !head.is_empty() && self.width(weight, size, &longer) > width {
                        break;
                    }
                    head = longer;
                    chars.next();
                }
                lines.push(head);
                lines.push(chars.collect());
            }
        }
        lines
    }

    /// A rule from (`x1`, `y1`) to (`x2`, `y2`), `weight` points thick, dashed or not.
    pub fn rule(&mut self, (x1, y1): (f32, f32), (x2, y2): (f32, f32), weight: f32, dashed: bool) {
        let page = self.page();
        page.save_state();
        page.set_line_width(weight);
        if dashed {
            page.set_dash_pattern([2.0, 2.0], 0.0);
        }
        page.move_to(x1 * PT, (HEIGHT - y1) * PT);
        page.line_to(x2 * PT, (HEIGHT - y2) * PT);
        page.stroke();
        page.restore_state();
    }

    /// A filled rectangle, its top left corner at (`x`, `y`), in grey level `grey`
    /// (0 black, 1 white).
    pub fn fill(&mut self, x: f32, y: f32, width: f32, height: f32, grey: f32) {
        let page = self.page();
        page.save_state();
        page.set_fill_gray(grey);
        page.rect(x * PT, (HEIGHT - y - height) * PT, width * PT, height * PT);
        page.fill_nonzero();
        page.restore_state();
    }

    /// Draws `image` `width` by `height` millimetres, its top left corner at (`x`, `y`).
    pub fn image(&mut self, image: &Image, x: f32, y: f32, width: f32, height: f32) {
        let index = match self.images.iter().position(|i| i == image) {
            Some(index) => index,
            None => {
                self.images.push(image.clone());
                self.images.len() - 1
            }
        };
        let name = format!("Im{index}");
        let page = self.page();
        page.save_state();
        page.transform([
            width * PT,
            0.0,
            0.0,
            height * PT,
            x * PT,
            (HEIGHT - y - height) * PT,
        ]);
        page.x_object(Name(name.as_bytes()));
        page.restore_state();
    }

    /// The document's bytes, titled `title`.
    pub fn finish(self, title: &str) -> Vec<u8> {
        // The catalog, the page tree and the information; each font with the four
        // objects after its own; then each page and its content.
        let (catalog, tree, info) = (Ref::new(1), Ref::new(2), Ref::new(3));
        let fonts = [(Weight::Regular, Ref::new(4)), (Weight::Bold, Ref::new(9))];
        // Each picture with its mask.
        let images: Vec<(Ref, Ref)> = (0..self.images.len() as i32)
            .map(|i| (Ref::new(14 + 2 * i), Ref::new(15 + 2 * i)))
            .collect();
        let first_page = 14 + 2 * images.len() as i32;
        let pages: Vec<(Ref, Ref)> = (0..self.pages.len() as i32)
            .map(|i| {
                (
                    Ref::new(first_page + 2 * i),
                    Ref::new(first_page + 1 + 2 * i),
                )
            })
            .collect();

        let mut pdf = Pdf::new();
        pdf.catalog(catalog).pages(tree);
        pdf.pages(tree)
            .kids(pages.iter().map(|(page, _)| *page))
            .count(pages.len() as i32);
        pdf.document_info(info)
            .title(TextStr(title))
            .producer(TextStr("partnerdesk"));
        for ((page_id, content_id), content) in pages.iter().zip(self.pages) {
            let mut page = pdf.page(*page_id);
            page.media_box(Rect::new(0.0, 0.0, WIDTH * PT, HEIGHT * PT))
                .parent(tree)
                .contents(*content_id);
            let mut resources = page.resources();
            let mut names = resources.fonts();
            for (weight, id) in fonts {
                names.pair(weight.resource(), id);
            }
            names.finish();
            let mut pictures = resources.x_objects();
            for (i, (id, _)) in images.iter().enumerate() {
                pictures.pair(Name(format!("Im{i}").as_bytes()), *id);
            }
            pictures.finish();
            resources.finish();
            page.finish();
            let packed = deflate(&content.finish());
            pdf.stream(*content_id, &packed).filter(Filter::FlateDecode);
        }
        for (image, (id, mask_id)) in self.images.iter().zip(&images) {
            let mut xobject = pdf.image_xobject(*id, &image.rgb);
            xobject.filter(Filter::FlateDecode);
            xobject.width(image.width as i32);
            xobject.height(image.height as i32);
            xobject.color_space().device_rgb();
            xobject.bits_per_component(8);
            if image.alpha.is_some() {
                xobject.s_mask(*mask_id);
            }
            xobject.finish();
            if let Some(alpha) = &image.alpha {
                let mut mask = pdf.image_xobject(*mask_id, alpha);
                mask.filter(Filter::FlateDecode);
                mask.width(image.width as i32);
                mask.height(image.height as i32);
                mask.color_space().device_gray();
                mask.bits_per_component(8);
            }
        }
        self.regular.write(&mut pdf, fonts[0].1);
        self.bold.write(&mut pdf, fonts[1].1);
        pdf.finish()
    }
}

/// `data` compressed for a stream with the Flate filter.
fn deflate(data: &[u8]) -> Vec<u8> {
    miniz_oxide::deflate::compress_to_vec_zlib(data, 6)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_wrapped_between_words_and_within_a_word_too_wide() {
        let mut doc = Document::new();
        let lines = doc.wrap(Weight::Regular, 10.0, 30.0, "Rue du Mont-Blanc 7 Genève");
        assert!(lines.len() > 1, "{lines:?}");
        assert_eq!(lines.join(" "), "Rue du Mont-Blanc 7 Genève");
        let long = "W".repeat(70);
        let lines = doc.wrap(Weight::Bold, 10.0, 30.0, &long);
        assert!(lines.len() >= 3, "{lines:?}");
        assert_eq!(lines.concat(), long);
        for line in &lines {
            assert!(doc.width(Weight::Bold, 10.0, line) <= 30.0, "{line}");
        }
    }
}
