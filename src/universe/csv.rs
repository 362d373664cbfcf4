//! CSV records, read with the `csv` crate: RFC 4180 plus what spreadsheets and scripts write when they
//! re-save a file.
//!
//! - Fields are separated by `,`; records end at `\n`, `\r\n` or a lone `\r`; a last record without a line
//!   end is a record.
//! - A field that starts with `"` is quoted: it runs to the next `"` that is not doubled (`""` is one `"`)
//!   and may hold `,` and line ends. Text after the closing quote, up to the next separator, is appended
//!   (Python's `csv` does the same); a `"` inside an unquoted field is an ordinary character.
//! - A UTF-8 byte order mark at the start is dropped; empty lines are skipped; records may differ in length.
//! - The only error is a quoted field still open at the end of the input.
//!
//! Records are read into one reusable `csv::ByteRecord`, as bytes: the caller decides what each field
//! means. A record's line is its first line, counting line ends inside quoted fields. Two things the crate
//! does its own way are kept as above: it closes a quoted field still open at the end of the input without
//! an error (the last record is checked for one here), and its line count (`csv::Position::line`) counts
//! `\n` only and is taken where a read starts, before the empty lines it skips (a lone `\r` line end and the
//! skipped lines are added here).

/// One record: its fields' bytes, unescaped, and the line it starts on.
#[derive(Clone, Debug, Default)]
pub(crate) struct Record {
    fields: ::csv::ByteRecord,
    /// The 1-based line the record starts on.
    pub line: u64,
}

impl Record {
    /// The number of fields.
    pub fn len(&self) -> usize {
        self.fields.len()
    }

    /// Field `i`'s bytes.
    pub fn get(&self, i: usize) -> Option<&[u8]> {
        self.fields.get(i)
    }

    /// The fields, in order.
    pub fn fields(&self) -> impl Iterator<Item = &[u8]> {
        self.fields.iter()
    }
}

/// A quoted field still open at the end of the input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UnterminatedQuote {
    /// The line the field starts on.
    pub line: u64,
}

/// Reads records from a byte slice.
#[derive(Debug)]
pub(crate) struct Reader<'a> {
    data: &'a [u8],
    csv: ::csv::Reader<&'a [u8]>,
    /// Lone `\r` line ends before the current record (the crate's line count has only `\n`).
    lone_cr: u64,
}

const BOM: &[u8] = b"\xEF\xBB\xBF";

impl<'a> Reader<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        let csv = ::csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(data);
        Self { data, csv, lone_cr: 0 }
    }

    /// Reads the next record into `rec`: `Ok(false)` at the end of the input.
    pub fn read(&mut self, rec: &mut Record) -> Result<bool, UnterminatedQuote> {
        // Reading a byte slice has no I/O error, and flexible byte records no length or UTF-8 error.
        if !self.csv.read_byte_record(&mut rec.fields).unwrap_or(false) {
            return Ok(false);
        }
        let data = self.data;
        // The read starts after the previous record's line end (whose `\r` the crate has just consumed,
        // before a `\n` it has not) and runs over the BOM and empty lines to the record's first byte.
        let from = rec.fields.position().map_or(0, |p| p.byte() as usize);
        let mut start = from;
        if start == 0 && data.starts_with(BOM) {
            start = BOM.len();
        }
        while matches!(data.get(start), Some(b'\r' | b'\n')) {
            start += 1;
        }
        self.lone_cr += (from.saturating_sub(1)..start)
            .filter(|&i| data[i] == b'\r' && data.get(i + 1) != Some(&b'\n'))
            .count() as u64;
        let newlines = data[from..start].iter().filter(|&&b| b == b'\n').count() as u64;
        rec.line = rec.fields.position().map_or(1, |p| p.line()) + newlines + self.lone_cr;
        if self.csv.position().byte() as usize == data.len() {
            let raw = &data[start..];
            if let Some(quote) = open_quote(raw) {
                let line = rec.line + raw[..quote].iter().filter(|&&b| b == b'\n').count() as u64;
                return Err(UnterminatedQuote { line });
            }
        }
        Ok(true)
    }
}

/// Where the quoted field left open at the end of `raw` (the last record's bytes, to the end of the input)
/// starts, if one is.
fn open_quote(raw: &[u8]) -> Option<usize> {
    let mut field = 0;
    loop {
        let mut i = field;
        if raw.get(field) == Some(&b'"') {
            i += 1;
            // To the closing `"`: the first one not doubled.
            loop {
                let Some(q) = raw[i..].iter().position(|&b| b == b'"') else { return Some(field) };
                i += q + 1;
                if raw.get(i) != Some(&b'"') {
                    break;
                }
                i += 1;
            }
        }
        match raw[i..].iter().position(|&b| matches!(b, b',' | b'\n' | b'\r')) {
            Some(n) if raw[i + n] == b',' => field = i + n + 1,
            _ => return None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn records(text: &[u8]) -> Result<Vec<(u64, Vec<String>)>, UnterminatedQuote> {
        let mut reader = Reader::new(text);
        let mut rec = Record::default();
        let mut out = Vec::new();
        while reader.read(&mut rec)? {
            out.push((rec.line, rec.fields().map(|f| String::from_utf8_lossy(f).into_owned()).collect()));
        }
        Ok(out)
    }

    fn fields(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn plain_crlf_bom_and_blank_lines() {
        let got = records(b"\xEF\xBB\xBFa,b\r\n\r\n1,2\n3,\n,4").unwrap();
        assert_eq!(
            got,
            vec![(1, fields(&["a", "b"])), (3, fields(&["1", "2"])), (4, fields(&["3", ""])), (5, fields(&["", "4"]))]
        );
        assert_eq!(records(b"x\ry\r").unwrap(), vec![(1, fields(&["x"])), (2, fields(&["y"]))]);
        assert!(records(b"").unwrap().is_empty());
        assert!(records(b"\n\r\n").unwrap().is_empty());
    }

    #[test]
    fn quoted_fields() {
        let got = records(b"\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\"\nnext,\"\"\n\"x\"y,z\"q\"").unwrap();
        assert_eq!(got[0], (1, fields(&["a,b", "say \"hi\"", "two\nlines"])));
        assert_eq!(got[1], (3, fields(&["next", ""])));
        assert_eq!(got[2], (4, fields(&["xy", "z\"q\""])));
        assert_eq!(records(b"a\n\"open,\nstill").unwrap_err(), UnterminatedQuote { line: 2 });
    }

    #[test]
    fn lines_count_every_line_end_outside_quotes_and_newlines_inside() {
        // Lone CRs end lines; a CR inside quotes does not, a LF does.
        let text = b"a\r\r\nb,\"x\ry\"\n\r\"c\nd\"\re,\"open\n";
        let mut reader = Reader::new(text);
        let mut rec = Record::default();
        let mut got = Vec::new();
        let end = loop {
            match reader.read(&mut rec) {
                Ok(true) => got.push((rec.line, rec.fields().map(|f| f.to_vec()).collect::<Vec<_>>())),
                Ok(false) => break None,
                Err(e) => break Some(e),
            }
        };
        let want: Vec<(u64, Vec<Vec<u8>>)> =
            vec![(1, vec![b"a".to_vec()]), (3, vec![b"b".to_vec(), b"x\ry".to_vec()]), (5, vec![b"c\nd".to_vec()])];
        assert_eq!(got, want);
        assert_eq!(end, Some(UnterminatedQuote { line: 7 }));
        // The open field's own line, not its record's.
        assert_eq!(records(b"k,\"two\nlines\",\"open").unwrap_err(), UnterminatedQuote { line: 2 });
        // Only the first BOM is dropped.
        assert_eq!(records(b"\xEF\xBB\xBF\xEF\xBB\xBFa").unwrap(), vec![(1, vec!["\u{feff}a".to_string()])]);
    }
}
