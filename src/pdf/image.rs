//! A picture for a document (the provider's logo): a PNG file decoded once, its colour
//! samples and its transparency kept compressed as a PDF image takes them.

use std::io::Cursor;

use png::{BitDepth, ColorType, Transformations};

/// The largest picture taken, in pixels a side, and in bytes of file.
const MAX_SIDE: u32 = 2_000;
const MAX_BYTES: usize = 1_000_000;

/// A decoded picture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Image {
    pub width: u32,
    pub height: u32,
    /// RGB samples, Flate-compressed.
    pub(super) rgb: Vec<u8>,
    /// Opacity samples, Flate-compressed, when the picture has any transparency.
    pub(super) alpha: Option<Vec<u8>>,
}

impl Image {
    /// The PNG file `bytes` as a picture, or why it cannot be one.
    pub fn from_png(bytes: &[u8]) -> Result<Image, String> {
        if bytes.len() > MAX_BYTES {
            return Err(format!("it is larger than {MAX_BYTES} bytes"));
        }
        let mut decoder = png::Decoder::new(Cursor::new(bytes));
        decoder.set_transformations(Transformations::EXPAND | Transformations::STRIP_16);
        let mut reader = decoder
            .read_info()
            .map_err(|e| format!("it is not a PNG picture ({e})"))?;
        let info = reader.info();
        let (width, height) = (info.width, info.height);
        if width == 0 || height == 0 || width > MAX_SIDE || height > MAX_SIDE {
            return Err(format!(
                "it is {width}×{height} pixels; at most {MAX_SIDE} a side"
            ));
        }
        let size = reader
            .output_buffer_size()
            .ok_or_else(|| "it is too large to decode".to_owned())?;
        let mut buffer = vec![0; size];
        let frame = reader
            .next_frame(&mut buffer)
            .map_err(|e| format!("it cannot be decoded ({e})"))?;
        let samples = &buffer[..frame.buffer_size()];
        let (color, depth) = reader.output_color_type();
        if depth != BitDepth::Eight {
            return Err("its samples are not of 8 bits".to_owned());
        }
        let (mut rgb, mut alpha) = (Vec::new(), Vec::new());
        let channels = color.samples();
        for pixel in samples.chunks_exact(channels) {
            match color {
                ColorType::Grayscale | ColorType::GrayscaleAlpha => rgb.extend([pixel[0]; 3]),
                _ => rgb.extend(&pixel[..3]),
            }
            if matches!(color, ColorType::GrayscaleAlpha | ColorType::Rgba) {
                alpha.push(pixel[channels - 1]);
            }
        }
        let opaque = alpha.iter().all(|a| *a == 255);
        Ok(Image {
            width,
            height,
            rgb: super::deflate(&rgb),
            alpha: (!opaque).then(|| super::deflate(&alpha)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A PNG of `width`×`height` RGBA pixels, half of them see-through.
    fn png(width: u32, height: u32) -> Vec<u8> {
        let mut out = Vec::new();
        let mut encoder = png::Encoder::new(&mut out, width, height);
        encoder.set_color(ColorType::Rgba);
        encoder.set_depth(BitDepth::Eight);
        let mut writer = encoder.write_header().unwrap();
        let pixels: Vec<u8> = (0..width * height)
            .flat_map(|i| [200, 30, 30, if i % 2 == 0 { 255 } else { 0 }])
            .collect();
        writer.write_image_data(&pixels).unwrap();
        writer.finish().unwrap();
        out
    }

    #[test]
    fn a_png_is_taken_with_its_transparency_and_anything_else_is_refused() {
        let image = Image::from_png(&png(40, 10)).unwrap();
        assert_eq!((image.width, image.height), (40, 10));
        assert!(image.alpha.is_some());
        assert!(
            Image::from_png(b"GIF89a")
                .unwrap_err()
                .contains("not a PNG")
        );
        assert!(
            Image::from_png(&png(2_001, 1))
                .unwrap_err()
                .contains("at most")
        );
        let mut broken = png(40, 10);
        broken.truncate(broken.len() - 20);
        assert!(Image::from_png(&broken).is_err());
    }
}
