//! JSON exactly as the reference's Python writes it, so artifacts and digests agree byte for byte.
//!
//! - floats as Python's `repr`: shortest round-trip digits, fixed notation for exponents in [-4, 16)
//!   (`0.0002`, `24800.0`), else scientific with a signed two-digit exponent (`1.5e-05`, `1e+16`);
//! - [`to_pretty`]: `json.dump(indent=2)` (no trailing newline);
//! - [`canonical`]: `json.dumps(sort_keys=True, separators=(',', ':'))`, the digest's input;
//! - [`py_round`]: Python's `round(x, ndigits)` on a float, bit for bit;
//! - [`int_from_str`] and [`float_from_str`]: Python's `int(text)` and `float(text)` on ASCII text.

use serde::Serialize;
use serde_json::Value;
use serde_json::ser::{Formatter, PrettyFormatter};
use std::io::{self, Write};

/// Python's `repr(float)`, the non-finite as `json.dumps` writes them (`NaN`, `Infinity`).
pub fn py_float(v: f64) -> String {
    if v.is_nan() {
        return "NaN".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "Infinity".into() } else { "-Infinity".into() };
    }
    if v == 0.0 {
        return if v.is_sign_negative() { "-0.0".into() } else { "0.0".into() };
    }
    let sci = format!("{:e}", v.abs()); // shortest round-trip digits: "6.190476190476191e-1"
    let (mantissa, exp) = sci.split_once('e').expect("{:e} has an exponent");
    let exp: i32 = exp.parse().expect("integer exponent");
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let sign = if v < 0.0 { "-" } else { "" };
    let body = if (-4..16).contains(&exp) {
        if exp >= 0 {
            let point = exp as usize + 1;
            let (int, frac) = if digits.len() > point {
                (digits[..point].to_string(), digits[point..].to_string())
            } else {
                (format!("{digits:0<point$}"), "0".to_string())
            };
            format!("{int}.{frac}")
        } else {
            format!("0.{}{digits}", "0".repeat((-exp - 1) as usize))
        }
    } else {
        let rest = &digits[1..];
        let mantissa = if rest.is_empty() { digits[..1].to_string() } else { format!("{}.{rest}", &digits[..1]) };
        format!("{mantissa}e{}{:02}", if exp < 0 { '-' } else { '+' }, exp.abs())
    };
    format!("{sign}{body}")
}

/// Python's `repr(float)` as Python prints it, `nan`, `inf` and `-inf` included ([`py_float`] writes
/// those as JSON's `NaN` and `Infinity`).
pub fn float_repr(v: f64) -> String {
    match v {
        v if v.is_nan() => "nan".into(),
        f64::INFINITY => "inf".into(),
        f64::NEG_INFINITY => "-inf".into(),
        v => py_float(v),
    }
}

/// `json.dump(indent=2)` formatting.
struct PyPretty<'a>(PrettyFormatter<'a>);

macro_rules! delegate {
    ($($name:ident ( $($arg:ident : $ty:ty),* );)*) => {
        $(fn $name<W: ?Sized + Write>(&mut self, w: &mut W $(, $arg: $ty)*) -> io::Result<()> {
            self.0.$name(w $(, $arg)*)
        })*
    };
}

impl Formatter for PyPretty<'_> {
    delegate! {
        begin_array();
        end_array();
        begin_array_value(first: bool);
        end_array_value();
        begin_object();
        end_object();
        begin_object_key(first: bool);
        begin_object_value();
        end_object_value();
    }
    fn write_f64<W: ?Sized + Write>(&mut self, w: &mut W, value: f64) -> io::Result<()> {
        w.write_all(py_float(value).as_bytes())
    }
    fn write_f32<W: ?Sized + Write>(&mut self, w: &mut W, value: f32) -> io::Result<()> {
        w.write_all(py_float(f64::from(value)).as_bytes())
    }
}

/// Compact formatting with Python floats.
struct PyCompact;

impl Formatter for PyCompact {
    fn write_f64<W: ?Sized + Write>(&mut self, w: &mut W, value: f64) -> io::Result<()> {
        w.write_all(py_float(value).as_bytes())
    }
}

/// `json.dump(value, indent=2, ensure_ascii=False)`.
pub fn to_pretty<T: Serialize>(value: &T) -> Vec<u8> {
    let mut out = Vec::new();
    let mut ser = serde_json::Serializer::with_formatter(&mut out, PyPretty(PrettyFormatter::with_indent(b"  ")));
    value.serialize(&mut ser).expect("artifacts serialize to JSON");
    out
}

/// `json.dumps(value, sort_keys=True, separators=(',', ':'), ensure_ascii=False)`.
pub fn canonical(value: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    write_canonical(&mut out, value);
    out
}

fn write_canonical(out: &mut Vec<u8>, value: &Value) {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push(b'{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_canonical(out, &Value::String(k.clone()));
                out.push(b':');
                write_canonical(out, &map[k]);
            }
            out.push(b'}');
        }
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_canonical(out, item);
            }
            out.push(b']');
        }
        scalar => {
            let mut ser = serde_json::Serializer::with_formatter(&mut *out, PyCompact);
            scalar.serialize(&mut ser).expect("scalars serialize");
        }
    }
}

/// Python's `round(x, ndigits)` for a float, bit for bit (CPython's `double_round`): the double's **exact**
/// decimal value rounded half to even at `ndigits` places (negative: tens, hundreds, ...), then read back
/// as the nearest double. So `round(3/80, 3)` is 0.037 (3/80 is stored as 0.037499999999999998612...),
/// where scaling first, `(x * 1000).round_ties_even() / 1000`, gives 0.038. std's `{:.N}` formatting rounds
/// the exact value half to even too; a negative `ndigits`, which `{:.N}` does not take, rounds the digits
/// of the exact integer part (the fraction only breaks a tie). As in CPython, a non-finite or zero `x` and
/// `ndigits > 323` return `x`, and `ndigits < -308` returns a zero of `x`'s sign; where Python raises
/// `OverflowError` (a result beyond `f64::MAX`), this returns an infinity.
pub fn py_round(x: f64, ndigits: i32) -> f64 {
    if !x.is_finite() || x == 0.0 || ndigits > 323 {
        return x;
    }
    if ndigits < -308 {
        return 0.0 * x;
    }
    if x.fract() == 0.0 && ndigits >= 0 {
        return x; // a whole number is exact at any number of places (coverage 1.0: the common case)
    }
    if let Ok(places) = usize::try_from(ndigits) {
        return format!("{x:.places$}").parse().expect("a formatted float parses");
    }
    let drop = ndigits.unsigned_abs() as usize;
    let digits = format!("{:.0}", x.abs().trunc());
    let (kept, up) = match digits.len().checked_sub(drop) {
        // Fewer digits than dropped: under half a unit of the place kept.
        None => (String::from("0"), false),
        Some(at) => {
            let (kept, rest) = digits.split_at(at);
            let kept = if kept.is_empty() { "0" } else { kept };
            let up = match rest.as_bytes()[0].cmp(&b'5') {
                std::cmp::Ordering::Greater => true,
                std::cmp::Ordering::Less => false,
                // Exactly half only when nothing follows the 5, no digit and no fraction: then to even.
                std::cmp::Ordering::Equal => {
                    x.fract() != 0.0
                        || rest[1..].bytes().any(|d| d != b'0')
                        || (kept.as_bytes()[kept.len() - 1] - b'0') % 2 == 1
                }
            };
            (kept.to_string(), up)
        }
    };
    let kept = if up { increment_decimal(&kept) } else { kept };
    let sign = if x < 0.0 { "-" } else { "" };
    format!("{sign}{kept}e{drop}").parse().expect("a decimal literal parses")
}

/// Adds one to a decimal digit string.
fn increment_decimal(digits: &str) -> String {
    let mut bytes = digits.as_bytes().to_vec();
    for d in bytes.iter_mut().rev() {
        if *d == b'9' {
            *d = b'0';
        } else {
            *d += 1;
            return String::from_utf8(bytes).expect("digits");
        }
    }
    let mut out = String::from("1");
    out.push_str(std::str::from_utf8(&bytes).expect("digits"));
    out
}

/// The whitespace Python's `int()` and `float()` strip from ASCII text (not `\x1c`-`\x1f`, which
/// `str.isspace` counts).
const PY_SPACE: &[char] = &[' ', '\t', '\n', '\x0b', '\x0c', '\r'];

/// Whether `text` is decimal digits with single underscores between them (`1_000`), as Python's `int()` and
/// `float()` take each run of digits.
fn py_digits(text: &str) -> bool {
    !text.is_empty()
        && !text.starts_with('_')
        && !text.ends_with('_')
        && !text.contains("__")
        && text.bytes().all(|b| b.is_ascii_digit() || b == b'_')
}

/// Python's `int(text)` on ASCII text: surrounding whitespace, a sign, decimal digits with single underscores
/// between them (`" +1_0 "` is 10); `None` where Python raises `ValueError` (`"3.0"`, `""`, `"1e3"`). Python's
/// integers are unbounded: one beyond `i64` saturates. Python also reads Unicode digits and spaces (`"٣"` is 3);
/// this reads them as it reads any other text, so a caller that must agree with Python refuses text that is not
/// ASCII first.
pub fn int_from_str(text: &str) -> Option<i64> {
    let body = text.trim_matches(PY_SPACE);
    let (negative, digits) = match body.as_bytes().first()? {
        b'-' => (true, &body[1..]),
        b'+' => (false, &body[1..]),
        _ => (false, body),
    };
    if !py_digits(digits) {
        return None;
    }
    let magnitude = digits
        .bytes()
        .filter(u8::is_ascii_digit)
        .fold(0i128, |n, d| n.saturating_mul(10).saturating_add(i128::from(d - b'0')));
    let value = if negative { -magnitude } else { magnitude };
    Some(value.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64)
}

/// Python's `float(text)` on ASCII text: surrounding whitespace, a sign, `inf`, `infinity` or `nan` in any case,
/// or a decimal with an optional fraction and exponent (`.5`, `5.`, `1e-1`), digits with single underscores
/// between them (`1_0.5`); `None` where Python raises `ValueError`. Correctly rounded, as Python's (beyond the
/// largest double it is an infinity, below the smallest a zero). Unicode digits and spaces: see
/// [`int_from_str`].
pub fn float_from_str(text: &str) -> Option<f64> {
    let body = text.trim_matches(PY_SPACE);
    let (sign, unsigned) = match body.as_bytes().first()? {
        b'-' => (-1.0, &body[1..]),
        b'+' => (1.0, &body[1..]),
        _ => (1.0, body),
    };
    match unsigned.to_ascii_lowercase().as_str() {
        "inf" | "infinity" => return Some(sign * f64::INFINITY),
        "nan" => return Some(f64::NAN),
        _ => {}
    }
    let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
        Some(at) => (&unsigned[..at], Some(&unsigned[at + 1..])),
        None => (unsigned, None),
    };
    let (whole, fraction) = match mantissa.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (mantissa, None),
    };
    // At least one digit before or after the point; each run of digits well formed.
    let mantissa_ok = match fraction {
        None => py_digits(whole),
        Some(fraction) => {
            (!whole.is_empty() || !fraction.is_empty())
                && (whole.is_empty() || py_digits(whole))
                && (fraction.is_empty() || py_digits(fraction))
        }
    };
    let exponent_ok = exponent.is_none_or(|e| py_digits(e.strip_prefix(['+', '-']).unwrap_or(e)));
    if !(mantissa_ok && exponent_ok) {
        return None;
    }
    let plain: String = unsigned.chars().filter(|&c| c != '_').collect();
    plain.parse::<f64>().ok().map(|v| sign * v)
}

/// Rounds `x x 10^digits` half to even, then scales back: g6sim's own model numbers (quote prices, the
/// index price in `cycles.jsonl`). **Not** Python's `round` (it rounds the scaled product, so 3/80 gives
/// 0.038 where Python gives 0.037): every field the reference writes with `round(x, n)` uses
/// [`py_round`].
pub fn round_to(x: f64, digits: i32) -> f64 {
    let scale = 10f64.powi(digits);
    (x * scale).round_ties_even() / scale
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn py_round_matches_python_on_a_grid_of_fractions() {
        // `tests/fixtures/py_round.txt` holds CPython's `repr(round(n / d, k))`, k = 0..4.
        let text = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/py_round.txt"),
        )
        .unwrap();
        let mut checked = 0;
        for line in text.lines().filter(|l| !l.starts_with('#')) {
            let fields: Vec<&str> = line.split(' ').collect();
            let (n, d): (i64, i64) = (fields[0].parse().unwrap(), fields[1].parse().unwrap());
            let x = n as f64 / d as f64;
            for (k, want) in fields[2..].iter().enumerate() {
                let got = py_float(py_round(x, k as i32));
                assert_eq!(got, *want, "round({n} / {d}, {k})");
                checked += 1;
            }
        }
        assert!(checked > 50_000, "{checked}");
    }

    /// The oracle of [`py_round`]: CPython's algorithm itself, on the double's exact decimal value from a
    /// small big-integer ([`BigDecimal`]).
    fn py_round_exact(x: f64, ndigits: i32) -> f64 {
        if !x.is_finite() || x == 0.0 || ndigits > 323 {
            return x;
        }
        if ndigits < -308 {
            return 0.0 * x;
        }
        if ndigits >= 0 && x.fract() == 0.0 {
            return x; // a whole number is exact at any number of places (coverage 1.0: the common case)
        }
        let (digits, frac) = exact_decimal(x.abs());
        let drop = i64::from(frac) - i64::from(ndigits);
        if drop <= 0 {
            return x; // exact at that precision already
        }
        let drop = drop as usize;
        let digits = digits.as_bytes();
        let (kept, up) = if drop > digits.len() {
            // Every kept digit is 0 and the dropped part starts with a 0: under half.
            (String::from("0"), false)
        } else {
            let (kept, rest) = digits.split_at(digits.len() - drop);
            let kept =
                if kept.is_empty() { String::from("0") } else { String::from_utf8(kept.to_vec()).expect("digits") };
            let up = match rest[0].cmp(&b'5') {
                std::cmp::Ordering::Greater => true,
                std::cmp::Ordering::Less => false,
                // Exactly half only when nothing follows the 5: then to even.
                std::cmp::Ordering::Equal => {
                    rest[1..].iter().any(|&d| d != b'0') || (kept.as_bytes()[kept.len() - 1] - b'0') % 2 == 1
                }
            };
            (kept, up)
        };
        let kept = if up { increment_decimal(&kept) } else { kept };
        let sign = if x < 0.0 { "-" } else { "" };
        format!("{sign}{kept}e{}", -i64::from(ndigits)).parse().expect("a decimal literal parses")
    }

    /// The exact decimal value of a finite, non-negative double: (digits, places after the point), so that
    /// `v = digits x 10^-places` (no rounding: every double is a finite decimal).
    fn exact_decimal(v: f64) -> (String, u32) {
        let bits = v.to_bits();
        let biased = ((bits >> 52) & 0x7ff) as i32;
        let fraction = bits & ((1u64 << 52) - 1);
        let (mut m, mut e) = if biased == 0 { (fraction, -1074) } else { (fraction | 1u64 << 52, biased - 1075) };
        while m != 0 && m % 2 == 0 && e < 0 {
            m /= 2;
            e += 1;
        }
        // v = m x 2^e; for e < 0, m x 2^e = m x 5^-e / 10^-e.
        let mut n = BigDecimal::from(m);
        if e >= 0 {
            n.mul_pow(2, e as u32, 29);
            (n.to_string(), 0)
        } else {
            n.mul_pow(5, (-e) as u32, 13);
            (n.to_string(), (-e) as u32)
        }
    }

    /// A non-negative integer in base 10^9 limbs, least significant first: just enough arithmetic for
    /// [`exact_decimal`].
    struct BigDecimal(Vec<u32>);

    const LIMB: u64 = 1_000_000_000;

    impl From<u64> for BigDecimal {
        fn from(mut v: u64) -> Self {
            let mut limbs = vec![];
            while v > 0 {
                limbs.push((v % LIMB) as u32);
                v /= LIMB;
            }
            Self(limbs)
        }
    }

    impl BigDecimal {
        /// Multiplies by `f` (at most about 2^31, so a limb times `f` plus a carry fits in a u64).
        fn mul_small(&mut self, f: u64) {
            let mut carry = 0u64;
            for limb in &mut self.0 {
                let v = u64::from(*limb) * f + carry;
                *limb = (v % LIMB) as u32;
                carry = v / LIMB;
            }
            while carry > 0 {
                self.0.push((carry % LIMB) as u32);
                carry /= LIMB;
            }
        }
        /// Multiplies by `base^exp`, `chunk` powers at a time.
        fn mul_pow(&mut self, base: u64, mut exp: u32, chunk: u32) {
            while exp > 0 {
                let k = exp.min(chunk);
                self.mul_small(base.pow(k));
                exp -= k;
            }
        }
    }

    impl std::fmt::Display for BigDecimal {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            let Some((top, rest)) = self.0.split_last() else { return f.write_str("0") };
            write!(f, "{top}")?;
            rest.iter().rev().try_for_each(|limb| write!(f, "{limb:09}"))
        }
    }

    /// Python 3.11's `int(text)` on each text (beyond `i64` saturated), pasted from the interpreter.
    #[test]
    fn int_from_str_is_pythons_int() {
        let python: [(&str, Option<i64>); 30] = [
            ("3", Some(3)),
            ("  3  ", Some(3)),
            ("+3", Some(3)),
            ("-3", Some(-3)),
            ("-0", Some(0)),
            ("+0", Some(0)),
            ("007", Some(7)),
            ("0_7", Some(7)),
            ("1_0", Some(10)),
            ("1__0", None),
            ("_1", None),
            ("1_", None),
            ("3.0", None),
            ("", None),
            ("   ", None),
            ("abc", None),
            ("- 3", None),
            ("+-3", None),
            ("\x0b7\x0c", Some(7)),
            ("\x09\x0a 42 \x0d", Some(42)),
            ("\x1c3", None),
            ("99999999999999999999", Some(i64::MAX)),
            ("-99999999999999999999", Some(i64::MIN)),
            ("9223372036854775807", Some(i64::MAX)),
            ("-9223372036854775808", Some(i64::MIN)),
            ("1e3", None),
            ("0x10", None),
            ("1 0", None),
            ("+", None),
            ("-", None),
        ];
        for (text, int) in python {
            assert_eq!(int_from_str(text), int, "int({text:?})");
        }
    }

    /// Python 3.11's `repr(float(text))` on each text, pasted from the interpreter.
    #[test]
    fn float_from_str_is_pythons_float() {
        let python: [(&str, Option<&str>); 52] = [
            ("0.8", Some("0.8")),
            (" 0.8 ", Some("0.8")),
            ("1", Some("1.0")),
            ("-2", Some("-2.0")),
            ("+.5", Some("0.5")),
            (".5", Some("0.5")),
            ("5.", Some("5.0")),
            (".", None),
            ("1e-1", Some("0.1")),
            ("1E+5", Some("100000.0")),
            ("1e", None),
            ("e5", None),
            ("1e1_0", Some("10000000000.0")),
            ("1_0.5", Some("10.5")),
            ("1_0.5_5", Some("10.55")),
            ("1_.5", None),
            ("1._5", None),
            ("1__0", None),
            ("_1", None),
            ("1_", None),
            ("inf", Some("inf")),
            ("-Infinity", Some("-inf")),
            ("+INF", Some("inf")),
            ("iNfInItY", Some("inf")),
            ("infinit", None),
            ("nan", Some("nan")),
            ("-nan", Some("nan")),
            ("+nAn", Some("nan")),
            ("nan1", None),
            ("", None),
            ("  ", None),
            ("abc", None),
            ("0x10", None),
            ("1e400", Some("inf")),
            ("-1e400", Some("-inf")),
            ("1e-400", Some("0.0")),
            ("2.5e-324", Some("5e-324")),
            ("0.1_2e-1_0", Some("1.2e-11")),
            ("1.5f", None),
            ("1,5", None),
            ("\x0b0.5\x0c", Some("0.5")),
            ("\x1c0.5", None),
            ("-0", Some("-0.0")),
            ("00.5", Some("0.5")),
            ("1e+", None),
            ("1e-_1", None),
            ("1e_1", None),
            ("1 5", None),
            ("+-1", None),
            ("0.30000000000000004", Some("0.30000000000000004")),
            ("1.7976931348623159e308", Some("inf")),
            ("inFINity ", Some("inf")),
        ];
        for (text, float) in python {
            assert_eq!(float_from_str(text).map(float_repr).as_deref(), float, "float({text:?})");
        }
    }

    #[test]
    fn floats_print_as_python_repr() {
        let cases = [
            (0.1, "0.1"),
            (1.0, "1.0"),
            (24800.0, "24800.0"),
            (0.6190476190476191, "0.6190476190476191"),
            (0.0002, "0.0002"),
            (0.00005, "5e-05"),
            (1.5e-5, "1.5e-05"),
            (1e16, "1e+16"),
            (1e15, "1000000000000000.0"),
            (123456789012345680.0, "1.2345678901234568e+17"),
            (-2.5, "-2.5"),
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (100.0, "100.0"),
            (12.5, "12.5"),
        ];
        for (v, want) in cases {
            assert_eq!(py_float(v), want, "{v}");
        }
    }

    #[test]
    fn pretty_and_canonical_match_pythons_json() {
        let v: Value = serde_json::from_str(r#"{"b": [1, 2.0, {}], "a": {"y": null, "x": "é"}, "c": []}"#).unwrap();
        assert_eq!(String::from_utf8(canonical(&v)).unwrap(), r#"{"a":{"x":"é","y":null},"b":[1,2.0,{}],"c":[]}"#);
        #[derive(Serialize)]
        struct S {
            z: f64,
            a: Vec<u32>,
            e: Vec<u32>,
        }
        let pretty = String::from_utf8(to_pretty(&S { z: 1.0, a: vec![1, 2], e: vec![] })).unwrap();
        assert_eq!(pretty, "{\n  \"z\": 1.0,\n  \"a\": [\n    1,\n    2\n  ],\n  \"e\": []\n}");
    }

    #[test]
    fn round_is_pythons_on_the_exact_binary_value() {
        // Values checked against CPython 3.11's round().
        let cases = [
            (3.0 / 80.0, 3, 0.037),
            (2.675, 2, 2.67),
            (0.125, 2, 0.12),
            (0.375, 2, 0.38),
            (2.5, 0, 2.0),
            (3.5, 0, 4.0),
            (-2.5, 0, -2.0),
            (0.6190476190476191, 3, 0.619),
            (1234.5, -1, 1230.0),
            (1250.0, -2, 1200.0),
            (1350.0, -2, 1400.0),
            (0.5, 0, 0.0),
            (1e-320, 3, 0.0),
            (123.456, 10, 123.456),
            (1e300, -299, 1e300),
            (5e-324, 323, 0.0),
            (0.0005, 3, 0.001),
            (0.0015, 3, 0.002),
        ];
        for (x, n, want) in cases {
            assert_eq!(py_round(x, n), want, "round({x:e}, {n})");
        }
        assert_eq!(round_to(3.0 / 80.0, 3), 0.038, "scaling first rounds the wrong way");
        assert_eq!(py_float(py_round(-0.0001, 3)), "-0.0", "the sign of a zero result is kept");
        assert!(py_round(f64::NAN, 2).is_nan());
        assert_eq!(py_round(f64::INFINITY, 2), f64::INFINITY);
        assert_eq!(py_round(0.3, 400), 0.3);
        assert_eq!(py_float(py_round(-7.0, -400)), "-0.0");
        assert_eq!(exact_decimal(0.1).0, "1000000000000000055511151231257827021181583404541015625");
        assert_eq!(exact_decimal(0.1).1, 55);
        assert_eq!(exact_decimal(2f64.powi(70)), ("1180591620717411303424".to_string(), 0));
        assert_eq!(increment_decimal("1999"), "2000");
        assert_eq!(increment_decimal("99"), "100");
    }

    /// Values a few ulps from a tie at `n` places (`k + 1/2` units of the last place kept; negative `n`:
    /// tens, hundreds, ...), and dyadic fractions, which are exact ties when they end in 5 at place `n + 1`
    /// (0.125 at 2 places).
    fn near_ties() -> impl Strategy<Value = (f64, i32)> {
        prop_oneof![
            (any::<i32>(), -6i32..=6, -4i64..=4).prop_map(|(k, n, ulps)| {
                let half = f64::from(k) + 0.5;
                let tie = if n >= 0 { half / 10f64.powi(n) } else { half * 10f64.powi(-n) };
                (f64::from_bits(tie.to_bits().wrapping_add_signed(ulps)), n)
            }),
            (-(1i64 << 40)..(1i64 << 40), 1i32..=12, -6i32..=6, -1i64..=1).prop_map(|(a, j, n, ulps)| {
                let dyadic = a as f64 / 2f64.powi(j);
                (f64::from_bits(dyadic.to_bits().wrapping_add_signed(ulps)), n)
            }),
        ]
    }

    use proptest::prelude::*;

    proptest! {
        #![proptest_config(crate::rng::proptest_config(20_000))]

        #[test]
        fn round_agrees_with_the_exact_oracle_on_any_double(bits in any::<u64>(), n in -6i32..=6) {
            let x = f64::from_bits(bits);
            prop_assert_eq!(py_round(x, n).to_bits(), py_round_exact(x, n).to_bits(), "round({:e}, {})", x, n);
        }

        #[test]
        fn round_agrees_with_the_exact_oracle_on_coverages_and_prices(x in -1e6f64..1e6, n in 0i32..=6) {
            prop_assert_eq!(py_round(x, n).to_bits(), py_round_exact(x, n).to_bits(), "round({:e}, {})", x, n);
        }

        #[test]
        fn round_agrees_with_the_exact_oracle_near_ties((x, n) in near_ties()) {
            prop_assert_eq!(py_round(x, n).to_bits(), py_round_exact(x, n).to_bits(), "round({:e}, {})", x, n);
        }
    }
}
