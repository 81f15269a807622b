//! Reading an invoice's PDF as its reader would: its text, and the QR codes a banking
//! app would scan, rebuilt from the squares the page paints and decoded.

use lopdf::content::Content;
use lopdf::{Document, Object};

/// The document's text, all pages.
pub fn text(bytes: &[u8]) -> String {
    pdf_extract::extract_text_from_mem(bytes).expect("the PDF's text can be read")
}

/// The pages of the document.
pub fn page_count(bytes: &[u8]) -> usize {
    Document::load_mem(bytes)
        .expect("the PDF parses")
        .get_pages()
        .len()
}

/// A filled rectangle of the first page, in points from its bottom left: x, y, width,
/// height, and whether it is black.
type Square = (f32, f32, f32, f32, bool);

fn number(object: &Object) -> f32 {
    match object {
        Object::Integer(i) => *i as f32,
        Object::Real(r) => *r,
        other => panic!("a number in a content stream, not {other:?}"),
    }
}

/// Every rectangle the first page fills, in painting order.
fn squares(bytes: &[u8]) -> Vec<Square> {
    let document = Document::load_mem(bytes).expect("the PDF parses");
    let (_, page) = document.get_pages().into_iter().next().expect("a page");
    let content = document.get_page_content(page).expect("the page's content");
    let content = Content::decode(&content).expect("the content decodes");
    let (mut grey, mut path, mut filled) = (0.0, Vec::new(), Vec::new());
    for op in content.operations {
        match op.operator.as_str() {
            "g" => grey = number(&op.operands[0]),
            "re" => {
                let v: Vec<f32> = op.operands.iter().map(number).collect();
                path.push((v[0], v[1], v[2], v[3]));
            }
            "f" => {
                for (x, y, w, h) in path.drain(..) {
                    filled.push((x, y, w, h, grey < 0.5));
                }
            }
            "Q" | "n" | "S" => path.clear(),
            _ => {}
        }
    }
    filled
}

/// The contents of the QR codes on the first page, left to right.
pub fn qr_codes(bytes: &[u8]) -> Vec<String> {
    let squares = squares(bytes);
    // A QR code's modules: black rectangles one module high (runs of modules in a
    // row), lying close to each other.
    let mut modules: Vec<&Square> = squares
        .iter()
        .filter(|(_, _, w, h, black)| *black && *h < 6.0 && *w >= *h - 0.01)
        .collect();
    modules.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut codes: Vec<(f32, Vec<&Square>)> = Vec::new();
    for module in modules {
        match codes.last_mut() {
            Some((right, code)) if module.0 <= *right + module.3 * 2.0 => {
                *right = right.max(module.0 + module.2);
                code.push(module);
            }
            _ => codes.push((module.0 + module.2, vec![module])),
        }
    }
    codes
        .into_iter()
        .filter(|(_, code)| code.len() > 50)
        .map(|(_, code)| decode(&squares, &code))
        .collect()
}

/// Paints the squares over the code's area (the Swiss cross included) at four pixels a
/// module, with a quiet zone, and decodes the picture.
fn decode(squares: &[Square], code: &[&Square]) -> String {
    let module = code.iter().map(|s| s.3).fold(f32::MAX, f32::min);
    let left = code.iter().map(|s| s.0).fold(f32::MAX, f32::min);
    let bottom = code.iter().map(|s| s.1).fold(f32::MAX, f32::min);
    let right = code.iter().map(|s| s.0 + s.2).fold(f32::MIN, f32::max);
    let top = code.iter().map(|s| s.1 + s.3).fold(f32::MIN, f32::max);
    let modules = ((right - left) / module).round() as usize;
    let (scale, quiet) = (4usize, 4usize);
    let size = (modules + 2 * quiet) * scale;
    let mut pixels = vec![255u8; size * size];
    let inside = |s: &&Square| {
        s.0 >= left - 0.01
            && s.0 + s.2 <= right + 0.01
            && s.1 >= bottom - 0.01
            && s.1 + s.3 <= top + 0.01
    };
    for (x, y, w, h, black) in squares.iter().filter(inside) {
        let to_px = |v: f32| ((v / module) * scale as f32).round() as usize;
        let (x0, x1) = (to_px(x - left), to_px(x + w - left));
        let (y0, y1) = (to_px(top - (y + h)), to_px(top - y));
        for row in y0..y1 {
            for col in x0..x1 {
                let at = (row + quiet * scale) * size + col + quiet * scale;
                pixels[at] = if *black { 0 } else { 255 };
            }
        }
    }
    let mut image =
        rqrr::PreparedImage::prepare_from_greyscale(size, size, |x, y| pixels[y * size + x]);
    let grids = image.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code where the page paints one");
    let (meta, content) = grids[0].decode().expect("the QR code decodes");
    // Error correction M, as both standards ask (rqrr numbers M as 0).
    assert_eq!(meta.ecc_level, 0, "error correction level M");
    content
}
