//! Gzip, read and written the same way everywhere. Reading goes by content, not by name: bytes that start
//! with the gzip magic are decompressed, every member of the stream; other bytes are plain. Writing puts no
//! file name and no time in the header, so the same bytes always give the same file.
//!
//! This module uses no other module of the crate.

use flate2::Compression;
use flate2::read::MultiGzDecoder;
use flate2::write::GzEncoder;
use std::borrow::Cow;
use std::io::{self, Read, Write};

/// The first two bytes of a gzip stream.
const MAGIC: [u8; 2] = [0x1f, 0x8b];

/// Whether bytes start with the gzip magic.
pub fn is_gzip(bytes: &[u8]) -> bool {
    bytes.starts_with(&MAGIC)
}

/// The plain bytes: `bytes` decompressed when they start with the gzip magic, else `bytes` as they are (not
/// copied). An error is a gzip stream that does not decompress (cut short, corrupt).
pub fn decode<'a>(bytes: impl Into<Cow<'a, [u8]>>) -> io::Result<Cow<'a, [u8]>> {
    let bytes = bytes.into();
    if !is_gzip(&bytes) {
        return Ok(bytes);
    }
    let mut plain = Vec::new();
    MultiGzDecoder::new(&bytes[..]).read_to_end(&mut plain)?;
    Ok(Cow::Owned(plain))
}

/// `bytes` gzipped, at flate2's default level.
pub fn encode(bytes: &[u8]) -> Vec<u8> {
    let mut enc = GzEncoder::new(Vec::new(), Compression::default());
    // Writing to a Vec cannot fail.
    let _ = enc.write_all(bytes);
    enc.finish().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_detection_by_content() {
        let text = b"a,b\n1,2\n";
        let packed = encode(text);
        assert!(is_gzip(&packed) && !is_gzip(text));
        assert_eq!(encode(text), packed, "the same bytes give the same file");
        assert_eq!(&*decode(&packed[..]).unwrap(), text);
        assert!(matches!(decode(&text[..]).unwrap(), Cow::Borrowed(b) if b == text), "plain bytes are not copied");
        // Two members, as `cat a.gz b.gz` writes: both are read.
        let mut two = packed.clone();
        two.extend(encode(b"3,4\n"));
        assert_eq!(&*decode(two).unwrap(), b"a,b\n1,2\n3,4\n");
        assert!(decode(&packed[..20]).is_err(), "a stream cut short");
        assert!(decode(&b"\x1f\x8bnot gzip"[..]).is_err());
    }
}
