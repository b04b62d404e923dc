//! Removing metadata from uploaded images before they are published: EXIF (camera, time, GPS
//! position), XMP, IPTC, comments and text chunks. The pixels are left untouched, byte for byte.

/// The image formats whose metadata we know how to remove.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Png,
    Jpeg,
    Gif,
    Webp,
}

/// The image without its metadata, or `None` when its structure is damaged.
pub fn strip(format: Format, bytes: &[u8]) -> Option<Vec<u8>> {
    match format {
        Format::Jpeg => strip_jpeg(bytes),
        Format::Png => strip_png(bytes),
        Format::Webp => strip_webp(bytes),
        // GIF has no EXIF; its comment blocks are rare and left as they are.
        Format::Gif => Some(bytes.to_vec()),
    }
}

fn be16(b: &[u8], at: usize) -> Option<usize> {
    Some(u16::from_be_bytes([*b.get(at)?, *b.get(at + 1)?]) as usize)
}

/// JPEG: drops APP1 (EXIF, XMP), APP13 (IPTC) and comment segments; keeps JFIF, ICC colour
/// profiles and everything from the start of the image data on.
fn strip_jpeg(b: &[u8]) -> Option<Vec<u8>> {
    if !b.starts_with(&[0xFF, 0xD8]) {
        return None;
    }
    let mut out = Vec::with_capacity(b.len());
    out.extend_from_slice(&b[..2]);
    let mut at = 2;
    loop {
        if *b.get(at)? != 0xFF {
            return None;
        }
        let marker = *b.get(at + 1)?;
        match marker {
            // Fill byte before a marker.
            0xFF => at += 1,
            // Start of scan: the compressed data and the rest of the file follow.
            0xDA => {
                out.extend_from_slice(&b[at..]);
                return Some(out);
            }
            // End of image, or markers without a length.
            0xD9 | 0x01 | 0xD0..=0xD7 => {
                out.extend_from_slice(&b[at..at + 2]);
                if marker == 0xD9 {
                    return Some(out);
                }
                at += 2;
            }
            _ => {
                let len = be16(b, at + 2)?;
                let end = at.checked_add(2 + len)?;
                if len < 2 || end > b.len() {
                    return None;
                }
                if !matches!(marker, 0xE1 | 0xED | 0xFE) {
                    out.extend_from_slice(&b[at..end]);
                }
                at = end;
            }
        }
    }
}

/// PNG: drops `eXIf`, `tEXt`, `zTXt`, `iTXt` and `tIME` chunks.
fn strip_png(b: &[u8]) -> Option<Vec<u8>> {
    const SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
    if !b.starts_with(&SIGNATURE) {
        return None;
    }
    let mut out = Vec::with_capacity(b.len());
    out.extend_from_slice(&SIGNATURE);
    let mut at = SIGNATURE.len();
    while at < b.len() {
        let len = u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?) as usize;
        let kind = b.get(at + 4..at + 8)?;
        let end = at.checked_add(12)?.checked_add(len)?;
        if end > b.len() {
            return None;
        }
        if !matches!(kind, b"eXIf" | b"tEXt" | b"zTXt" | b"iTXt" | b"tIME") {
            out.extend_from_slice(&b[at..end]);
        }
        at = end;
        if kind == b"IEND" {
            break;
        }
    }
    Some(out)
}

/// WebP: drops `EXIF` and `XMP ` chunks, clears their flags in `VP8X` and fixes the RIFF size.
fn strip_webp(b: &[u8]) -> Option<Vec<u8>> {
    if b.len() < 12 || &b[..4] != b"RIFF" || &b[8..12] != b"WEBP" {
        return None;
    }
    let mut out = Vec::with_capacity(b.len());
    out.extend_from_slice(&b[..12]);
    let mut at = 12;
    while at + 8 <= b.len() {
        let kind = &b[at..at + 4];
        let len = u32::from_le_bytes(b[at + 4..at + 8].try_into().ok()?) as usize;
        let padded = len + (len & 1);
        let end = (at + 8).checked_add(padded)?.min(b.len());
        if at + 8 + len > b.len() {
            return None;
        }
        match kind {
            b"EXIF" | b"XMP " => {}
            b"VP8X" => {
                let start = out.len();
                out.extend_from_slice(&b[at..end]);
                // Flags: bit 3 says EXIF follows, bit 2 XMP.
                if let Some(flags) = out.get_mut(start + 8) {
                    *flags &= !0b0000_1100;
                }
            }
            _ => out.extend_from_slice(&b[at..end]),
        }
        at = end;
    }
    let size = u32::try_from(out.len() - 8).ok()?;
    out[4..8].copy_from_slice(&size.to_le_bytes());
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jpeg_loses_exif_and_comments_but_keeps_the_image() {
        let mut jpeg = vec![0xFF, 0xD8];
        let jfif = [0xFF, 0xE0, 0x00, 0x07, b'J', b'F', b'I', b'F', 0x00];
        jpeg.extend_from_slice(&jfif);
        let exif = [0xFF, 0xE1, 0x00, 0x08, b'E', b'x', b'i', b'f', b'G', b'P'];
        jpeg.extend_from_slice(&exif);
        jpeg.extend_from_slice(&[0xFF, 0xFE, 0x00, 0x04, b'h', b'i']);
        let scan = [0xFF, 0xDA, 0x00, 0x02, 0x12, 0x34, 0xFF, 0xD9];
        jpeg.extend_from_slice(&scan);
        let stripped = strip(Format::Jpeg, &jpeg).expect("valid");
        let mut expected = vec![0xFF, 0xD8];
        expected.extend_from_slice(&jfif);
        expected.extend_from_slice(&scan);
        assert_eq!(stripped, expected);
        assert!(strip(Format::Jpeg, &jpeg[..14]).is_none(), "truncated");
    }

    fn png_chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
        let mut c = (data.len() as u32).to_be_bytes().to_vec();
        c.extend_from_slice(kind);
        c.extend_from_slice(data);
        c.extend_from_slice(&[0, 0, 0, 0]);
        c
    }

    #[test]
    fn png_loses_text_and_exif_chunks() {
        let mut png = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
        let header = png_chunk(b"IHDR", &[0; 13]);
        let data = png_chunk(b"IDAT", &[1, 2, 3]);
        let end = png_chunk(b"IEND", &[]);
        png.extend(header.clone());
        png.extend(png_chunk(b"tEXt", b"Author\0someone"));
        png.extend(png_chunk(b"eXIf", b"MM\0*gps"));
        png.extend(data.clone());
        png.extend(end.clone());
        let stripped = strip(Format::Png, &png).expect("valid");
        let mut expected = png[..8].to_vec();
        expected.extend(header);
        expected.extend(data);
        expected.extend(end);
        assert_eq!(stripped, expected);
    }

    #[test]
    fn webp_loses_exif_and_its_flag() {
        let chunk = |kind: &[u8; 4], data: &[u8]| {
            let mut c = kind.to_vec();
            c.extend_from_slice(&(data.len() as u32).to_le_bytes());
            c.extend_from_slice(data);
            if data.len() % 2 == 1 {
                c.push(0);
            }
            c
        };
        let mut body = b"WEBP".to_vec();
        body.extend(chunk(b"VP8X", &[0b0000_1000, 0, 0, 0, 0, 0, 0, 0, 0, 0]));
        body.extend(chunk(b"VP8L", &[1, 2, 3]));
        body.extend(chunk(b"EXIF", b"gps here"));
        let mut webp = b"RIFF".to_vec();
        webp.extend_from_slice(&(body.len() as u32).to_le_bytes());
        webp.extend(body);
        let stripped = strip(Format::Webp, &webp).expect("valid");
        assert!(!stripped.windows(4).any(|w| w == b"EXIF"));
        assert_eq!(stripped[20], 0, "the EXIF flag is cleared");
        let size = u32::from_le_bytes(stripped[4..8].try_into().expect("size")) as usize;
        assert_eq!(size, stripped.len() - 8);
        assert!(stripped.windows(4).any(|w| w == b"VP8L"));
    }
}
