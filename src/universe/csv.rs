//! A small CSV record reader: RFC 4180 plus what spreadsheets and scripts write when they re-save a file.
//!
//! - Fields are separated by `,`; records end at `\n`, `\r\n` or a lone `\r`; a last record without a line
//!   end is a record.
//! - A field that starts with `"` is quoted: it runs to the next `"` that is not doubled (`""` is one `"`)
//!   and may hold `,` and line ends. Text after the closing quote, up to the next separator, is appended
//!   (Python's `csv` does the same); a `"` inside an unquoted field is an ordinary character.
//! - A UTF-8 byte order mark at the start is dropped; empty lines are skipped.
//! - The only error is a quoted field still open at the end of the input.
//!
//! Records are read into one reusable buffer (no allocation per field), as bytes: the caller decides what
//! each field means. No dependency: the `csv` crate would do, but this is all the dump needs, and owning
//! it keeps line numbers exact (a record's first line, counting line ends inside quoted fields).

/// One record: its fields' bytes, unescaped, and the line it starts on.
#[derive(Clone, Debug, Default)]
pub struct Record {
    buf: Vec<u8>,
    ends: Vec<usize>,
    /// The 1-based line the record starts on.
    pub line: u64,
}

impl Record {
    /// The number of fields.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// No fields (never the case for a record [`Reader::read`] returned).
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Field `i`'s bytes.
    pub fn get(&self, i: usize) -> Option<&[u8]> {
        let end = *self.ends.get(i)?;
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        Some(&self.buf[start..end])
    }

    /// The fields, in order.
    pub fn fields(&self) -> impl Iterator<Item = &[u8]> {
        (0..self.len()).filter_map(|i| self.get(i))
    }

    fn clear(&mut self) {
        self.buf.clear();
        self.ends.clear();
    }
}

/// A quoted field still open at the end of the input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UnterminatedQuote {
    /// The line the field starts on.
    pub line: u64,
}

/// Reads records from a byte slice.
#[derive(Clone, Debug)]
pub struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
    line: u64,
}

const BOM: &[u8] = b"\xEF\xBB\xBF";

impl<'a> Reader<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        let data = data.strip_prefix(BOM).unwrap_or(data);
        Self { data, pos: 0, line: 1 }
    }

    /// Reads the next record into `rec`: `Ok(false)` at the end of the input.
    pub fn read(&mut self, rec: &mut Record) -> Result<bool, UnterminatedQuote> {
        let data = self.data;
        // Empty lines are no records.
        loop {
            match data.get(self.pos) {
                None => return Ok(false),
                Some(b'\n') => {
                    self.pos += 1;
                    self.line += 1;
                }
                Some(b'\r') => {
                    self.pos += 1 + usize::from(data.get(self.pos + 1) == Some(&b'\n'));
                    self.line += 1;
                }
                Some(_) => break,
            }
        }
        rec.clear();
        rec.line = self.line;
        loop {
            if data.get(self.pos) == Some(&b'"') {
                let start_line = self.line;
                self.pos += 1;
                loop {
                    let rest = &data[self.pos..];
                    let Some(q) = rest.iter().position(|&b| b == b'"') else {
                        return Err(UnterminatedQuote { line: start_line });
                    };
                    let chunk = &rest[..q];
                    self.line += chunk.iter().filter(|&&b| b == b'\n').count() as u64;
                    rec.buf.extend_from_slice(chunk);
                    self.pos += q + 1;
                    if data.get(self.pos) == Some(&b'"') {
                        rec.buf.push(b'"');
                        self.pos += 1;
                    } else {
                        break;
                    }
                }
            }
            // An unquoted field, or what follows a closing quote.
            let rest = &data[self.pos..];
            let n = rest.iter().position(|&b| matches!(b, b',' | b'\n' | b'\r')).unwrap_or(rest.len());
            rec.buf.extend_from_slice(&rest[..n]);
            rec.ends.push(rec.buf.len());
            self.pos += n;
            match data.get(self.pos) {
                Some(b',') => self.pos += 1,
                Some(b'\r') => {
                    self.pos += 1 + usize::from(data.get(self.pos + 1) == Some(&b'\n'));
                    self.line += 1;
                    return Ok(true);
                }
                Some(_) => {
                    self.pos += 1;
                    self.line += 1;
                    return Ok(true);
                }
                None => return Ok(true),
            }
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
}
