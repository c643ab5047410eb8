//! Citizen reports (seed plan II.3–II.4): the statuses a report goes through in the
//! staff triage queue, the public tracking code, and the cleaning of uploaded media.
//!
//! Security- and privacy-sensitive: photos from phones carry the camera's make, model
//! and serial number, the owner's name and more in their metadata. [`clean_jpeg`]
//! rewrites a JPEG without any metadata segment and hands back only the two facts the
//! triage needs, the time the photo was taken and where, to be stored as fields.

use serde::Serialize;

/// received → accepted (into a case) | forwarded (to traffic police) | duplicate | rejected.
pub const STATUSES: &[&str] = &["received", "accepted", "forwarded", "duplicate", "rejected"];

/// The Open311 status of a report: "open" while it waits or its case is being handled.
pub fn open311_status(status: &str, case_done: bool) -> &'static str {
    match status {
        "duplicate" | "rejected" => "closed",
        _ if case_done => "closed",
        _ => "open",
    }
}

/// The alphabet of tracking codes: no 0/O, 1/I/L, so a code read out on the phone is
/// not misheard.
pub const CODE_ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";

/// Whether a string has the shape of a tracking code ("PA-" and 10 characters).
pub fn is_code(s: &str) -> bool {
    s.len() == 13 && s.starts_with("PA-") && s.bytes().skip(3).all(|b| CODE_ALPHABET.contains(&b))
}

/// Builds a tracking code from random bytes (the caller supplies the randomness).
pub fn code_from(random: &[u8; 10]) -> String {
    let mut s = String::from("PA-");
    for b in random {
        s.push(CODE_ALPHABET[*b as usize % CODE_ALPHABET.len()] as char);
    }
    s
}

/// What survives of a photo's metadata.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct PhotoFacts {
    /// When the photo was taken (EXIF DateTimeOriginal, read as Vietnam time), UTC µs.
    pub taken_at_us: Option<i64>,
    pub lon: Option<f64>,
    pub lat: Option<f64>,
}

/// Why a JPEG was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JpegError {
    /// Not a well-formed JPEG (a renamed file, a truncated upload).
    Malformed,
}

/// Rewrites a JPEG without its APPn (except the JFIF and Adobe colour headers) and
/// comment segments, and returns the photo's time and place from its EXIF.
pub fn clean_jpeg(bytes: &[u8]) -> Result<(Vec<u8>, PhotoFacts), JpegError> {
    if !bytes.starts_with(&[0xFF, 0xD8]) {
        return Err(JpegError::Malformed);
    }
    let mut out = Vec::with_capacity(bytes.len());
    out.extend_from_slice(&[0xFF, 0xD8]);
    let mut facts = PhotoFacts::default();
    let mut i = 2;
    loop {
        // Fill bytes (0xFF) may precede a marker.
        while i < bytes.len() && bytes[i] == 0xFF && bytes.get(i + 1) == Some(&0xFF) {
            i += 1;
        }
        if i + 1 >= bytes.len() || bytes[i] != 0xFF {
            return Err(JpegError::Malformed);
        }
        let marker = bytes[i + 1];
        if marker == 0xD9 {
            out.extend_from_slice(&[0xFF, 0xD9]);
            return Ok((out, facts));
        }
        if (0xD0..=0xD7).contains(&marker) || marker == 0x01 {
            out.extend_from_slice(&bytes[i..i + 2]);
            i += 2;
            continue;
        }
        if i + 4 > bytes.len() {
            return Err(JpegError::Malformed);
        }
        let len = u16::from_be_bytes([bytes[i + 2], bytes[i + 3]]) as usize;
        if len < 2 || i + 2 + len > bytes.len() {
            return Err(JpegError::Malformed);
        }
        let seg = &bytes[i..i + 2 + len];
        let payload = &seg[4..];
        let keep = match marker {
            0xE1 => {
                if let Some(tiff) = payload.strip_prefix(b"Exif\0\0") {
                    facts = exif_facts(tiff);
                }
                false
            }
            0xE0 => payload.starts_with(b"JFIF\0"),
            0xEE => payload.starts_with(b"Adobe"),
            0xE2..=0xED | 0xEF | 0xFE => false,
            _ => true,
        };
        if keep {
            if marker == 0xE0 {
                // The JFIF header without its thumbnail: version, units, density, 0×0.
                let mut jfif = payload[..payload.len().min(14)].to_vec();
                jfif.resize(14, 0);
                jfif[12] = 0;
                jfif[13] = 0;
                out.extend_from_slice(&[0xFF, 0xE0, 0x00, 16]);
                out.extend_from_slice(&jfif);
            } else {
                out.extend_from_slice(seg);
            }
        }
        i += 2 + len;
        if marker == 0xDA {
            // Entropy-coded data up to the end: copied as is.
            out.extend_from_slice(&bytes[i..]);
            return Ok((out, facts));
        }
    }
}

struct Tiff<'a> {
    b: &'a [u8],
    le: bool,
}

impl Tiff<'_> {
    fn u16(&self, at: usize) -> Option<u16> {
        let s = self.b.get(at..at + 2)?;
        Some(if self.le {
            u16::from_le_bytes([s[0], s[1]])
        } else {
            u16::from_be_bytes([s[0], s[1]])
        })
    }
    fn u32(&self, at: usize) -> Option<u32> {
        let s = self.b.get(at..at + 4)?;
        let a = [s[0], s[1], s[2], s[3]];
        Some(if self.le {
            u32::from_le_bytes(a)
        } else {
            u32::from_be_bytes(a)
        })
    }
    /// The entries of the IFD at `off`: (tag, type, count, value or offset position).
    fn ifd(&self, off: usize) -> Vec<(u16, u16, u32, usize)> {
        let Some(n) = self.u16(off) else {
            return Vec::new();
        };
        (0..n.min(512) as usize)
            .filter_map(|k| {
                let e = off + 2 + k * 12;
                Some((self.u16(e)?, self.u16(e + 2)?, self.u32(e + 4)?, e + 8))
            })
            .collect()
    }
    fn value_at(&self, typ: u16, count: u32, pos: usize) -> Option<usize> {
        let size = match typ {
            1 | 2 | 7 => 1,
            3 => 2,
            4 => 4,
            5 => 8,
            _ => return None,
        } * count as usize;
        if size <= 4 {
            Some(pos)
        } else {
            Some(self.u32(pos)? as usize)
        }
    }
    fn ascii(&self, typ: u16, count: u32, pos: usize) -> Option<String> {
        let at = self.value_at(typ, count, pos)?;
        let s = self.b.get(at..at + count as usize)?;
        Some(
            String::from_utf8_lossy(s)
                .trim_end_matches('\0')
                .to_string(),
        )
    }
    /// Degrees from three RATIONALs (degrees, minutes, seconds).
    fn dms(&self, typ: u16, count: u32, pos: usize) -> Option<f64> {
        if typ != 5 || count != 3 {
            return None;
        }
        let at = self.value_at(typ, count, pos)?;
        let mut v = [0.0; 3];
        for (k, x) in v.iter_mut().enumerate() {
            let num = self.u32(at + k * 8)? as f64;
            let den = self.u32(at + k * 8 + 4)? as f64;
            *x = if den == 0.0 { 0.0 } else { num / den };
        }
        Some(v[0] + v[1] / 60.0 + v[2] / 3600.0)
    }
}

/// Time and place from a TIFF-structured EXIF block; anything unreadable is left out.
fn exif_facts(b: &[u8]) -> PhotoFacts {
    let le = match b.get(..2) {
        Some(b"II") => true,
        Some(b"MM") => false,
        _ => return PhotoFacts::default(),
    };
    let t = Tiff { b, le };
    let Some(ifd0) = t.u32(4) else {
        return PhotoFacts::default();
    };
    let mut facts = PhotoFacts::default();
    let mut when: Option<String> = None;
    for (tag, typ, count, pos) in t.ifd(ifd0 as usize) {
        match tag {
            0x0132 if when.is_none() => when = t.ascii(typ, count, pos),
            0x8769 => {
                if let Some(off) = t.u32(pos) {
                    for (tag, typ, count, pos) in t.ifd(off as usize) {
                        if tag == 0x9003 {
                            when = t.ascii(typ, count, pos);
                        }
                    }
                }
            }
            0x8825 => {
                if let Some(off) = t.u32(pos) {
                    let (mut lat, mut lon, mut lat_ref, mut lon_ref) = (None, None, 'N', 'E');
                    for (tag, typ, count, pos) in t.ifd(off as usize) {
                        match tag {
                            1 => lat_ref = b.get(pos).map(|c| *c as char).unwrap_or('N'),
                            2 => lat = t.dms(typ, count, pos),
                            3 => lon_ref = b.get(pos).map(|c| *c as char).unwrap_or('E'),
                            4 => lon = t.dms(typ, count, pos),
                            _ => {}
                        }
                    }
                    if let (Some(la), Some(lo)) = (lat, lon) {
                        let la = if lat_ref == 'S' { -la } else { la };
                        let lo = if lon_ref == 'W' { -lo } else { lo };
                        if crate::geo::Point::new(lo, la).is_valid() {
                            facts.lat = Some(la);
                            facts.lon = Some(lo);
                        }
                    }
                }
            }
            _ => {}
        }
    }
    facts.taken_at_us = when.as_deref().and_then(exif_time_us);
    facts
}

/// "YYYY:MM:DD HH:MM:SS" (camera local time, read as Vietnam time) → UTC µs.
fn exif_time_us(s: &str) -> Option<i64> {
    let s = s.trim();
    if s.len() < 19 {
        return None;
    }
    let iso = format!("{}-{}-{}T{}", &s[0..4], &s[5..7], &s[8..10], &s[11..19]);
    let dt: jiff::civil::DateTime = iso.parse().ok()?;
    let t = crate::time::vn_tz().to_timestamp(dt).ok()?;
    Some(t.as_microsecond())
}

/// Whether bytes are an MP4/QuickTime video (an `ftyp` box first).
pub fn is_mp4(bytes: &[u8]) -> bool {
    bytes.len() > 12 && &bytes[4..8] == b"ftyp"
}

/// Rewrites a PNG keeping only the chunks needed to draw it (header, palette,
/// transparency, colour space, pixel size, data); text, time and EXIF chunks go.
pub fn clean_png(bytes: &[u8]) -> Result<Vec<u8>, JpegError> {
    const SIG: &[u8] = b"\x89PNG\r\n\x1a\n";
    const KEEP: &[&[u8; 4]] = &[
        b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"pHYs", b"bKGD",
    ];
    if !bytes.starts_with(SIG) {
        return Err(JpegError::Malformed);
    }
    let mut out = SIG.to_vec();
    let mut i = SIG.len();
    while i + 12 <= bytes.len() {
        let len = u32::from_be_bytes([bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]]) as usize;
        let end = i.checked_add(12 + len).ok_or(JpegError::Malformed)?;
        if end > bytes.len() {
            return Err(JpegError::Malformed);
        }
        let typ = &bytes[i + 4..i + 8];
        if KEEP.iter().any(|k| &k[..] == typ) {
            out.extend_from_slice(&bytes[i..end]);
        }
        i = end;
        if typ == b"IEND" {
            return Ok(out);
        }
    }
    Err(JpegError::Malformed)
}

/// Blanks the metadata of an MP4/QuickTime video in place: every `udta` and `meta`
/// box (camera make and model, GPS ©xyz, owner) becomes a `free` box of zeros of the
/// same size, so the sample offsets stay valid without rewriting the file.
pub fn clean_mp4(bytes: &[u8]) -> Result<Vec<u8>, JpegError> {
    if !is_mp4(bytes) {
        return Err(JpegError::Malformed);
    }
    let mut out = bytes.to_vec();
    blank_boxes(&mut out, 0, bytes.len(), 0)?;
    Ok(out)
}

fn blank_boxes(b: &mut [u8], mut i: usize, end: usize, depth: u8) -> Result<(), JpegError> {
    while i + 8 <= end {
        let size32 = u32::from_be_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]) as u64;
        let (size, head) = match size32 {
            0 => ((end - i) as u64, 8),
            1 => {
                let s = b.get(i + 8..i + 16).ok_or(JpegError::Malformed)?;
                (
                    u64::from_be_bytes([s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7]]),
                    16,
                )
            }
            n => (n, 8),
        };
        let size = usize::try_from(size).map_err(|_| JpegError::Malformed)?;
        if size < head || i + size > end {
            return Err(JpegError::Malformed);
        }
        let typ = [b[i + 4], b[i + 5], b[i + 6], b[i + 7]];
        match &typ {
            b"udta" | b"meta" | b"uuid" | b"XMP_" => {
                b[i + 4..i + 8].copy_from_slice(b"free");
                b[i + head..i + size].fill(0);
            }
            b"moov" | b"trak" | b"mdia" | b"minf" if depth < 8 => {
                blank_boxes(b, i + head, i + size, depth + 1)?;
            }
            _ => {}
        }
        i += size;
    }
    Ok(())
}

/// A small JPEG whose EXIF carries a camera make, model, serial number and owner name
/// besides the time (25/11/2026 08:30:00) and place (11°37'48"N 109°1'48"E ≈ 11.63,
/// 109.03): what a phone photo looks like, for tests of [`clean_jpeg`].
#[doc(hidden)]
pub fn sample_jpeg_with_exif() -> Vec<u8> {
    // Big-endian TIFF: header, IFD0 (Make, Model, Artist, ExifIFD, GPS), Exif IFD
    // (DateTimeOriginal, BodySerialNumber), GPS IFD, then the values.
    let mut t: Vec<u8> = b"MM\0\x2A\0\0\0\x08".to_vec();
    let make = b"CanonSecretMake\0";
    let model = b"EOS-SECRET-MODEL\0";
    let artist = b"Nguyen Van Chu May\0";
    let when = b"2026:11:25 08:30:00\0";
    let serial = b"SERIAL-0042-XYZ\0";
    // Layout offsets.
    let ifd0 = 8usize;
    let ifd0_len = 2 + 5 * 12 + 4;
    let exif = ifd0 + ifd0_len;
    let exif_len = 2 + 2 * 12 + 4;
    let gps = exif + exif_len;
    let gps_len = 2 + 4 * 12 + 4;
    let mut data = gps + gps_len;
    let mut values: Vec<u8> = Vec::new();
    let put = |v: &[u8], values: &mut Vec<u8>, data: &mut usize| -> u32 {
        let at = *data;
        values.extend_from_slice(v);
        *data += v.len();
        at as u32
    };
    let make_at = put(make, &mut values, &mut data);
    let model_at = put(model, &mut values, &mut data);
    let artist_at = put(artist, &mut values, &mut data);
    let when_at = put(when, &mut values, &mut data);
    let serial_at = put(serial, &mut values, &mut data);
    let rat = |parts: [(u32, u32); 3]| -> Vec<u8> {
        parts
            .iter()
            .flat_map(|(n, d)| n.to_be_bytes().into_iter().chain(d.to_be_bytes()))
            .collect()
    };
    let lat_at = put(&rat([(11, 1), (37, 1), (48, 1)]), &mut values, &mut data);
    let lon_at = put(&rat([(109, 1), (1, 1), (48, 1)]), &mut values, &mut data);
    let entry = |tag: u16, typ: u16, count: u32, val: u32| -> Vec<u8> {
        let mut e = tag.to_be_bytes().to_vec();
        e.extend(typ.to_be_bytes());
        e.extend(count.to_be_bytes());
        e.extend(val.to_be_bytes());
        e
    };
    t.extend(5u16.to_be_bytes());
    t.extend(entry(0x010F, 2, make.len() as u32, make_at));
    t.extend(entry(0x0110, 2, model.len() as u32, model_at));
    t.extend(entry(0x013B, 2, artist.len() as u32, artist_at));
    t.extend(entry(0x8769, 4, 1, exif as u32));
    t.extend(entry(0x8825, 4, 1, gps as u32));
    t.extend(0u32.to_be_bytes());
    t.extend(2u16.to_be_bytes());
    t.extend(entry(0x9003, 2, when.len() as u32, when_at));
    t.extend(entry(0xA431, 2, serial.len() as u32, serial_at));
    t.extend(0u32.to_be_bytes());
    t.extend(4u16.to_be_bytes());
    t.extend(entry(1, 2, 2, u32::from_be_bytes([b'N', 0, 0, 0])));
    t.extend(entry(2, 5, 3, lat_at));
    t.extend(entry(3, 2, 2, u32::from_be_bytes([b'E', 0, 0, 0])));
    t.extend(entry(4, 5, 3, lon_at));
    t.extend(0u32.to_be_bytes());
    t.extend(values);
    let mut app1 = b"Exif\0\0".to_vec();
    app1.extend(t);
    let mut j = vec![0xFF, 0xD8];
    j.extend([0xFF, 0xE0, 0x00, 0x10]);
    j.extend(b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0");
    j.extend([0xFF, 0xE1]);
    j.extend(((app1.len() + 2) as u16).to_be_bytes());
    j.extend(app1);
    let com = b"Owner: Nguyen Van Chu May";
    j.extend([0xFF, 0xFE]);
    j.extend(((com.len() + 2) as u16).to_be_bytes());
    j.extend(com);
    // A quantisation table, a frame header and a scan with a few bytes of data: enough
    // structure for the segment walk; no decoder is involved.
    j.extend([0xFF, 0xDB, 0x00, 0x43, 0x00]);
    j.extend([1u8; 64]);
    j.extend([
        0xFF, 0xC0, 0x00, 0x0B, 0x08, 0x00, 0x08, 0x00, 0x08, 0x01, 0x01, 0x11, 0x00,
    ]);
    j.extend([0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3F, 0x00]);
    j.extend([0x12, 0x34, 0x56, 0x78]);
    j.extend([0xFF, 0xD9]);
    j
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contains(h: &[u8], n: &[u8]) -> bool {
        h.windows(n.len()).any(|w| w == n)
    }

    #[test]
    fn exif_stripped_but_time_and_place_kept() {
        let raw = sample_jpeg_with_exif();
        for s in [
            &b"CanonSecretMake"[..],
            b"EOS-SECRET-MODEL",
            b"SERIAL-0042-XYZ",
            b"Chu May",
        ] {
            assert!(contains(&raw, s));
        }
        let (clean, facts) = clean_jpeg(&raw).unwrap();
        for s in [
            &b"CanonSecretMake"[..],
            b"EOS-SECRET-MODEL",
            b"SERIAL-0042-XYZ",
            b"Chu May",
            b"Exif",
        ] {
            assert!(!contains(&clean, s), "{}", String::from_utf8_lossy(s));
        }
        assert!(clean.starts_with(&[0xFF, 0xD8, 0xFF, 0xE0]));
        assert!(clean.ends_with(&[0x12, 0x34, 0x56, 0x78, 0xFF, 0xD9]));
        // 08:30 in Vietnam is 01:30 UTC.
        let t = jiff::Timestamp::from_microsecond(facts.taken_at_us.unwrap()).unwrap();
        assert_eq!(t.to_string(), "2026-11-25T01:30:00Z");
        assert!((facts.lat.unwrap() - 11.63).abs() < 1e-9);
        assert!((facts.lon.unwrap() - 109.03).abs() < 1e-9);
        // Cleaning twice changes nothing more.
        let (again, facts2) = clean_jpeg(&clean).unwrap();
        assert_eq!(again, clean);
        assert_eq!(facts2, PhotoFacts::default());
    }

    #[test]
    fn malformed_refused() {
        assert_eq!(clean_jpeg(b"<html>").unwrap_err(), JpegError::Malformed);
        assert_eq!(
            clean_jpeg(&[0xFF, 0xD8, 0xFF, 0xE1, 0x40, 0x00]).unwrap_err(),
            JpegError::Malformed
        );
        let raw = sample_jpeg_with_exif();
        assert!(clean_jpeg(&raw[..30]).is_err());
    }

    #[test]
    fn png_and_mp4_metadata_removed() {
        let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
        let chunk = |t: &[u8], d: &[u8]| {
            let mut c = (d.len() as u32).to_be_bytes().to_vec();
            c.extend(t);
            c.extend(d);
            c.extend([0, 0, 0, 0]);
            c
        };
        png.extend(chunk(b"IHDR", &[0; 13]));
        png.extend(chunk(b"tEXt", b"Author\0Nguyen Van Chu May"));
        png.extend(chunk(b"IDAT", &[1, 2, 3]));
        png.extend(chunk(b"IEND", &[]));
        let clean = clean_png(&png).unwrap();
        assert!(!contains(&clean, b"Chu May"));
        assert!(contains(&clean, b"IDAT") && clean.ends_with(&chunk(b"IEND", &[])));
        assert!(clean_png(&png[..20]).is_err());

        let bx = |t: &[u8], d: &[u8]| {
            let mut c = ((d.len() + 8) as u32).to_be_bytes().to_vec();
            c.extend(t);
            c.extend(d);
            c
        };
        let mut mp4 = bx(b"ftyp", b"isom\0\0\0\0");
        let udta = bx(b"udta", &bx(b"\xa9xyz", b"+11.6300+109.0300/"));
        let mut moov_body = bx(b"mvhd", &[0; 20]);
        moov_body.extend(udta);
        mp4.extend(bx(b"moov", &moov_body));
        mp4.extend(bx(b"mdat", b"frames"));
        let clean = clean_mp4(&mp4).unwrap();
        assert_eq!(clean.len(), mp4.len());
        assert!(!contains(&clean, b"109.0300") && !contains(&clean, b"udta"));
        assert!(contains(&clean, b"frames"));
        assert!(clean_mp4(b"<html>not a video</html>").is_err());
    }

    #[test]
    fn codes_and_statuses() {
        let c = code_from(&[0, 1, 2, 3, 4, 5, 6, 7, 8, 255]);
        assert!(is_code(&c), "{c}");
        assert!(!is_code("PA-0000000000"));
        assert!(!is_code("<script>"));
        assert_eq!(open311_status("received", false), "open");
        assert_eq!(open311_status("accepted", true), "closed");
        assert_eq!(open311_status("rejected", false), "closed");
        assert!(is_mp4(b"\0\0\0\x18ftypmp42\0\0\0\0"));
        assert!(!is_mp4(b"<html></html>"));
    }
}
