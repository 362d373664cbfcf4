//! A run's and a sweep's records as typed columns, for columnar readers (the Python package builds its
//! `pyarrow` tables from them). Every value is read back from the bytes of the file the table mirrors
//! (`cycles.jsonl`, `events.jsonl`, `results.csv`), so a table holds exactly what the file holds.

use serde::Serialize;
use serde_json::Value;

/// A column's type, named as Arrow names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ColumnType {
    Int64,
    Float64,
    Bool,
    String,
}

impl ColumnType {
    /// The type's Arrow name: `int64`, `float64`, `bool` or `string`.
    pub fn as_str(self) -> &'static str {
        match self {
            Int64 => "int64",
            Float64 => "float64",
            Bool => "bool",
            Text => "string",
        }
    }
}

/// One column: its name, type and values (`null` where a row has none).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Column {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: ColumnType,
    pub values: Vec<Value>,
}

/// Where a field of the cycles table is read: the cycle record, one of its indices, or one of its expiries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Cycle,
    Index,
    Expiry,
}

/// A column of the cycles table: its name, type, the JSON pointer of its value in `cycles.jsonl` (within the
/// cycle, the index or the expiry record, by `level`), and what it holds.
#[derive(Clone, Copy, Debug)]
pub struct CycleField {
    pub name: &'static str,
    pub kind: ColumnType,
    pub level: Level,
    pub pointer: &'static str,
    pub help: &'static str,
}

const fn field(
    name: &'static str,
    kind: ColumnType,
    level: Level,
    pointer: &'static str,
    help: &'static str,
) -> CycleField {
    CycleField { name, kind, level, pointer, help }
}

use ColumnType::{Bool, Float64, Int64, String as Text};
use Level::{Cycle, Expiry, Index};

/// The cycles table: one row per cycle, index and expiry (an index that resolved no expiry has one row, its
/// expiry columns null), in `cycles.jsonl`'s order.
pub const CYCLE_FIELDS: &[CycleField] = &[
    field("cycle", Int64, Cycle, "/cycle", "the cycle, from 1"),
    field("time", Text, Cycle, "/time", "the cycle's start, RFC 3339 with the exchange's offset"),
    field("elapsed_s", Float64, Cycle, "/cycle_time/elapsed_s", "the cycle's simulated duration"),
    field("sla_breach", Bool, Cycle, "/cycle_time/breach", "the cycle ran over its SLA budget"),
    field("index", Text, Index, "/index", "the index (NIFTY, BANKNIFTY, ...)"),
    field("index_status", Text, Index, "/status", "the index's status: OK, PARTIAL, EMPTY or SYNTH"),
    field("price", Float64, Index, "/price", "the index price"),
    field("atm", Float64, Index, "/atm", "the ATM strike"),
    field("depth_itm", Int64, Index, "/depth/itm", "the strike depth in the money, after this cycle's adaptation"),
    field("depth_otm", Int64, Index, "/depth/otm", "the strike depth out of the money, after adaptation"),
    field("ladder_itm", Int64, Index, "/ladder_depth/itm", "the depth the cycle's ladder was built with (ITM)"),
    field("ladder_otm", Int64, Index, "/ladder_depth/otm", "the depth the cycle's ladder was built with (OTM)"),
    field("healthy_streak", Int64, Index, "/healthy_streak", "healthy cycles in a row (the contraction's count)"),
    field("rule", Text, Expiry, "/rule", "the expiry rule (this_week, next_week, this_month, next_month)"),
    field("expiry_date", Text, Expiry, "/expiry_date", "the expiry the rule resolved to"),
    field("status", Text, Expiry, "/status", "the expiry's status: OK, PARTIAL, EMPTY or SYNTH"),
    field(
        "partial_reason",
        Text,
        Expiry,
        "/partial_reason",
        "low_strike, low_field, low_both, ... (null unless PARTIAL)",
    ),
    field("strike_coverage", Float64, Expiry, "/strike_coverage", "strikes with both legs over strikes requested"),
    field("field_coverage", Float64, Expiry, "/field_coverage", "options with every required field"),
    field("strikes_requested", Int64, Expiry, "/strikes_requested", "strikes of the ladder"),
    field("instruments", Int64, Expiry, "/instruments", "instruments fetched"),
    field("options", Int64, Expiry, "/options", "options quoted"),
    field("failure", Text, Expiry, "/failure", "why the expiry has no data (null when it has)"),
    field("clamp_dropped", Int64, Expiry, "/clamp/dropped", "instruments the prefilter clamp dropped (null: no clamp)"),
    field("synthetic", Bool, Expiry, "/synthetic", "the expiry's quotes were synthesized"),
];

fn value_at(record: &Value, pointer: &str) -> Value {
    record.pointer(pointer).cloned().unwrap_or(Value::Null)
}

fn empty_columns(fields: &[(&str, ColumnType)]) -> Vec<Column> {
    fields.iter().map(|&(name, kind)| Column { name: name.to_string(), kind, values: Vec::new() }).collect()
}

/// The cycles table of `cycles.jsonl`'s bytes ([`CYCLE_FIELDS`]).
pub fn cycles(jsonl: &[u8]) -> serde_json::Result<Vec<Column>> {
    let fields: Vec<_> = CYCLE_FIELDS.iter().map(|f| (f.name, f.kind)).collect();
    let mut columns = empty_columns(&fields);
    for line in jsonl.split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
        let cycle: Value = serde_json::from_slice(line)?;
        let indices = cycle.get("indices").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
        for index in indices {
            let expiries = index.get("expiries").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
            let none = [Value::Null];
            for expiry in if expiries.is_empty() { &none[..] } else { expiries } {
                for (column, f) in columns.iter_mut().zip(CYCLE_FIELDS) {
                    let record = match f.level {
                        Cycle => &cycle,
                        Index => index,
                        Expiry => expiry,
                    };
                    column.values.push(value_at(record, f.pointer));
                }
            }
        }
    }
    Ok(columns)
}

/// The events table of `events.jsonl`'s bytes: one row per event, in order: `cycle`, `event` (its name),
/// `index` (the index it is about; null when none) and `data` (its fields as compact JSON, keys in name order).
pub fn events(jsonl: &[u8]) -> serde_json::Result<Vec<Column>> {
    let mut columns = empty_columns(&[("cycle", Int64), ("event", Text), ("index", Text), ("data", Text)]);
    for line in jsonl.split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
        let event: Value = serde_json::from_slice(line)?;
        let data = value_at(&event, "/data");
        let row = [
            value_at(&event, "/cycle"),
            value_at(&event, "/event"),
            value_at(&data, "/index"),
            data.to_string().into(),
        ];
        for (column, value) in columns.iter_mut().zip(row) {
            column.values.push(value);
        }
    }
    Ok(columns)
}

/// The table of a CSV file's text (`results.csv`, `members.csv`): one column per header, of the type
/// `declared` gives its name, else of the narrowest type its cells allow: `int64` when every cell is a whole
/// number, else `float64` when every cell is a number, else `bool` when every cell is `true` or `false`, else
/// `string`. An empty cell is null; a cell its column's type cannot read is an error.
pub fn csv(text: &str, declared: impl Fn(&str) -> Option<ColumnType>) -> Result<Vec<Column>, String> {
    let mut reader = ::csv::Reader::from_reader(text.as_bytes());
    let names: Vec<String> = reader.headers().map_err(|e| e.to_string())?.iter().map(str::to_string).collect();
    let mut cells: Vec<Vec<String>> = vec![Vec::new(); names.len()];
    for record in reader.records() {
        for (column, cell) in cells.iter_mut().zip(record.map_err(|e| e.to_string())?.iter()) {
            column.push(cell.to_string());
        }
    }
    names
        .into_iter()
        .zip(cells)
        .map(|(name, cells)| {
            let kind = declared(&name).unwrap_or_else(|| narrowest(&cells));
            let values = cells.iter().map(|c| cell(kind, c)).collect::<Option<_>>();
            let values = values.ok_or_else(|| format!("column `{name}`: a cell is not {kind:?}"))?;
            Ok(Column { name, kind, values })
        })
        .collect()
}

fn narrowest(cells: &[String]) -> ColumnType {
    let present: Vec<&String> = cells.iter().filter(|c| !c.is_empty()).collect();
    let all = |kind| !present.is_empty() && present.iter().all(|c| cell(kind, c).is_some());
    [Int64, Float64, Bool].into_iter().find(|kind| all(*kind)).unwrap_or(Text)
}

/// A cell as a value of `kind` (`None` when it is not one). JSON has no NaN or infinity: such a float goes as
/// its text, which the reader turns back into the float.
fn cell(kind: ColumnType, text: &str) -> Option<Value> {
    if text.is_empty() {
        return Some(Value::Null);
    }
    match kind {
        Int64 => text.parse::<i64>().ok().map(Value::from),
        Float64 => text.parse::<f64>().ok().map(|x| serde_json::Number::from_f64(x).map_or(text.into(), Value::Number)),
        Bool => matches!(text, "true" | "false").then(|| Value::Bool(text == "true")),
        Text => Some(text.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn column<'a>(columns: &'a [Column], name: &str) -> &'a Column {
        columns.iter().find(|c| c.name == name).expect("a column of that name")
    }

    #[test]
    fn a_cycle_makes_one_row_per_expiry_and_an_index_without_expiries_one_row() {
        let jsonl = br#"{"cycle":1,"time":"t","cycle_time":{"elapsed_s":1.5,"breach":false},"indices":[{"index":"NIFTY","status":"OK","depth":{"itm":3,"otm":4},"expiries":[{"rule":"this_week","status":"OK","partial_reason":null,"clamp":{"dropped":7}},{"rule":"next_week","status":"PARTIAL","partial_reason":"low_strike","clamp":null}]},{"index":"SENSEX","status":"EMPTY","expiries":[]}]}
"#;
        let columns = cycles(jsonl).unwrap();
        assert_eq!(columns.len(), CYCLE_FIELDS.len());
        assert!(columns.iter().all(|c| c.values.len() == 3));
        assert_eq!(column(&columns, "cycle").values, [1, 1, 1].map(Value::from));
        assert_eq!(column(&columns, "index").values, ["NIFTY", "NIFTY", "SENSEX"].map(Value::from));
        assert_eq!(column(&columns, "depth_otm").values, [Value::from(4), Value::from(4), Value::Null]);
        assert_eq!(column(&columns, "rule").values, [Value::from("this_week"), Value::from("next_week"), Value::Null]);
        assert_eq!(column(&columns, "partial_reason").values, [Value::Null, Value::from("low_strike"), Value::Null]);
        assert_eq!(column(&columns, "clamp_dropped").values, [Value::from(7), Value::Null, Value::Null]);
        assert_eq!(column(&columns, "elapsed_s").kind, Float64);
    }

    #[test]
    fn an_event_keeps_its_fields_as_their_json_text() {
        let jsonl = b"{\"cycle\":2,\"event\":\"e\",\"data\":{\"index\":\"NIFTY\",\"x\":1.5}}\n{\"cycle\":3,\"event\":\"f\",\"data\":{}}\n";
        let columns = events(jsonl).unwrap();
        assert_eq!(column(&columns, "cycle").values, [2, 3].map(Value::from));
        assert_eq!(column(&columns, "index").values, [Value::from("NIFTY"), Value::Null]);
        assert_eq!(column(&columns, "data").values, [r#"{"index":"NIFTY","x":1.5}"#, "{}"].map(Value::from));
    }

    #[test]
    fn a_csv_column_takes_the_narrowest_type_its_cells_allow() {
        let columns = csv("a,b,c,d,e,f\n1,1,true,x,,1\n2,2.5,false,\"y,z\",,2\n", |_| None).unwrap();
        let kinds: Vec<_> = columns.iter().map(|c| c.kind).collect();
        assert_eq!(kinds, [Int64, Float64, Bool, Text, Text, Int64]);
        assert_eq!(column(&columns, "b").values, [Value::from(1.0), Value::from(2.5)]);
        assert_eq!(column(&columns, "d").values, ["x", "y,z"].map(Value::from));
        assert_eq!(column(&columns, "e").values, [Value::Null, Value::Null]);
        assert!(csv("a\n1\n2,3\n", |_| None).is_err(), "a row longer than the header is an error");
        let declared = csv("a,b\n1,NaN\n2,3\n", |name| (name == "b").then_some(Float64)).unwrap();
        assert_eq!(column(&declared, "b").values, [Value::from("NaN"), Value::from(3.0)]);
        assert!(csv("a\nx\n", |_| Some(Int64)).unwrap_err().contains("column `a`"));
    }
}
