//! JSON exactly as the reference's Python writes it, so artifacts and digests agree byte for byte.
//!
//! - floats as Python's `repr`: shortest round-trip digits, fixed notation for exponents in [-4, 16)
//!   (`0.0002`, `24800.0`), else scientific with a signed two-digit exponent (`1.5e-05`, `1e+16`);
//! - [`to_pretty`]: `json.dump(indent=2)` (no trailing newline);
//! - [`canonical`]: `json.dumps(sort_keys=True, separators=(',', ':'))`, the digest's input.

use serde::Serialize;
use serde_json::Value;
use serde_json::ser::{Formatter, PrettyFormatter};
use std::io::{self, Write};

/// Python's `repr(float)`.
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
