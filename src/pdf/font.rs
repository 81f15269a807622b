//! The fonts of the documents: Liberation Sans (SIL Open Font License, `fonts/`),
//! metrically the same as Arial and one of the fonts the Swiss QR-bill allows, compiled
//! into the binary. Each document embeds only the glyphs it uses, as a CID font whose
//! identifiers are the subset's glyph ids, with a map back to Unicode so that its text
//! can be searched and copied.

use std::collections::BTreeMap;

use pdf_writer::types::{CidFontType, FontFlags, SystemInfo, UnicodeCmap};
use pdf_writer::{Filter, Finish, Name, Pdf, Rect, Ref, Str};
use subsetter::GlyphRemapper;
use ttf_parser::{Face, GlyphId};

/// The two weights a document uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Weight {
    Regular,
    Bold,
}

impl Weight {
    fn data(self) -> &'static [u8] {
        match self {
            Weight::Regular => include_bytes!("../../fonts/LiberationSans-Regular.ttf"),
            Weight::Bold => include_bytes!("../../fonts/LiberationSans-Bold.ttf"),
        }
    }

    fn base_name(self) -> &'static [u8] {
        match self {
            Weight::Regular => b"LiberationSans",
            Weight::Bold => b"LiberationSans-Bold",
        }
    }

    /// The name the page's resources give it.
    pub fn resource(self) -> Name<'static> {
        match self {
            Weight::Regular => Name(b"R"),
            Weight::Bold => Name(b"B"),
        }
    }
}

/// A font as one document uses it: the glyphs it needs so far.
pub struct Font {
    weight: Weight,
    face: Face<'static>,
    remapper: GlyphRemapper,
    /// The character each glyph of the subset shows.
    chars: BTreeMap<u16, char>,
}

impl Font {
    pub fn new(weight: Weight) -> Font {
        // The fonts are part of the build: a broken one cannot reach a user.
        let face = Face::parse(weight.data(), 0).expect("the built-in font parses");
        Font {
            weight,
            face,
            remapper: GlyphRemapper::new(),
            chars: BTreeMap::new(),
        }
    }

    fn glyph(&self, c: char) -> GlyphId {
        self.face.glyph_index(c).unwrap_or(GlyphId(0))
    }

    /// How wide `text` is at `size`, in points.
    pub fn width(&self, text: &str, size: f32) -> f32 {
        let units: u32 = text
            .chars()
            .map(|c| u32::from(self.face.glyph_hor_advance(self.glyph(c)).unwrap_or(0)))
            .sum();
        units as f32 * size / f32::from(self.face.units_per_em())
    }

    /// `text` as the string a page shows with this font (two bytes per glyph), the
    /// glyphs being added to the subset.
    pub fn encode(&mut self, text: &str) -> Vec<u8> {
        let mut bytes = Vec::with_capacity(text.len() * 2);
        for c in text.chars() {
            let id = self.remapper.remap(self.glyph(c).0);
            self.chars.entry(id).or_insert(c);
            bytes.extend_from_slice(&id.to_be_bytes());
        }
        bytes
    }

    /// Writes the font, as subset, at `id` and the four objects after it.
    pub fn write(&self, pdf: &mut Pdf, id: Ref) {
        let (cid_id, descriptor_id, cmap_id, file_id) = (
            Ref::new(id.get() + 1),
            Ref::new(id.get() + 2),
            Ref::new(id.get() + 3),
            Ref::new(id.get() + 4),
        );
        let base = self.weight.base_name();
        pdf.type0_font(id)
            .base_font(Name(base))
            .encoding_predefined(Name(b"Identity-H"))
            .descendant_font(cid_id)
            .to_unicode(cmap_id);
        let per_em = f32::from(self.face.units_per_em());
        let scale = |units: f32| units * 1000.0 / per_em;
        let mut cid = pdf.cid_font(cid_id);
        cid.subtype(CidFontType::Type2)
            .base_font(Name(base))
            .system_info(system_info())
            .font_descriptor(descriptor_id)
            .cid_to_gid_map_predefined(Name(b"Identity"));
        let widths: Vec<f32> = self
            .remapper
            .remapped_gids()
            .map(|old| {
                scale(f32::from(
                    self.face.glyph_hor_advance(GlyphId(old)).unwrap_or(0),
                ))
            })
            .collect();
        cid.widths().consecutive(0, widths);
        cid.finish();
        let bbox = self.face.global_bounding_box();
        let mut flags = FontFlags::NON_SYMBOLIC;
        flags.set(FontFlags::FORCE_BOLD, self.weight == Weight::Bold);
        pdf.font_descriptor(descriptor_id)
            .name(Name(base))
            .flags(flags)
            .bbox(Rect::new(
                scale(f32::from(bbox.x_min)),
                scale(f32::from(bbox.y_min)),
                scale(f32::from(bbox.x_max)),
                scale(f32::from(bbox.y_max)),
            ))
            .italic_angle(0.0)
            .ascent(scale(f32::from(self.face.ascender())))
            .descent(scale(f32::from(self.face.descender())))
            .cap_height(scale(f32::from(self.face.capital_height().unwrap_or(0))))
            .stem_v(if self.weight == Weight::Bold {
                140.0
            } else {
                80.0
            })
            .font_file2(file_id);
        let mut cmap = UnicodeCmap::new(Name(b"Custom"), system_info());
        for (id, c) in &self.chars {
            cmap.pair(*id, *c);
        }
        pdf.cmap(cmap_id, &cmap.finish());
        let subset = subsetter::subset(self.weight.data(), 0, &self.remapper)
            .expect("the built-in font can be subset");
        let packed = super::deflate(&subset);
        pdf.stream(file_id, &packed).filter(Filter::FlateDecode);
    }
}

fn system_info() -> SystemInfo<'static> {
    SystemInfo {
        registry: Str(b"Adobe"),
        ordering: Str(b"Identity"),
        supplement: 0,
    }
}
