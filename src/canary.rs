//! The determinism canary: runs a scenario twice, the second time with every entity spawned in reverse
//! order, and finds the first place the two runs differ.
//!
//! [`compare`] is pure: it walks two [`RunResult`]s cycle by cycle. Within a cycle it compares the events
//! first (they are emitted before the summary), one by one, then the cycle summary. Every record is
//! serialized to JSON and walked in its serialized key order (the order of `cycles.jsonl` and
//! `events.jsonl`), so the first difference reported is the first one a reader of the files would meet.

use crate::cycle::RunResult;
use crate::run::{Error, Prepared};
pub use crate::world::SpawnOrder;
use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use std::collections::BTreeMap;
use std::fmt;

/// What was compared and how it ended.
#[derive(Clone, Debug, PartialEq)]
pub enum Verdict {
    /// Both runs produced the same cycles and events.
    Identical { cycles: usize, events: usize },
    /// The first difference.
    Differ(Box<Difference>),
}

impl Verdict {
    pub fn identical(&self) -> bool {
        matches!(self, Verdict::Identical { .. })
    }
}

/// Which record of a cycle differs.
#[derive(Clone, Debug, PartialEq)]
pub enum Subject {
    /// The cycle summary (`cycles.jsonl`), narrowed to an index and an expiry rule when the field is theirs.
    Summary { index: Option<String>, expiry: Option<String> },
    /// An event, by its position in the run's event list (0-based), with its name and, when it has them,
    /// its index and rule.
    Event { position: usize, name: String, index: Option<String>, rule: Option<String> },
}

/// The first difference between two runs.
#[derive(Clone, Debug, PartialEq)]
pub struct Difference {
    pub cycle: u64,
    pub subject: Subject,
    /// The field's path inside the record, as `indices[0].expiries[1].strike_coverage` (empty: the whole
    /// record).
    pub path: String,
    /// The value on each side, as compact JSON; `None` when that side has no such field or record.
    pub a: Option<String>,
    pub b: Option<String>,
}

impl Difference {
    /// One line: `cycle N, <where>, field <path>: <a> (<label a>) vs <b> (<label b>)`.
    pub fn describe(&self, labels: (&str, &str)) -> String {
        let mut parts = vec![format!("cycle {}", self.cycle)];
        match &self.subject {
            Subject::Summary { index, expiry } => {
                if index.is_none() && expiry.is_none() {
                    parts.push("cycle summary".into());
                }
                if let Some(i) = index {
                    parts.push(format!("index {i}"));
                }
                if let Some(e) = expiry {
                    parts.push(format!("expiry {e}"));
                }
            }
            Subject::Event { position, name, index, rule } => {
                let about: Vec<&str> = [index, rule].into_iter().flatten().map(String::as_str).collect();
                let about = if about.is_empty() { String::new() } else { format!(" ({})", about.join(" ")) };
                parts.push(format!("event {position} `{name}`{about}"));
            }
        }
        let field = if self.path.is_empty() { "whole record".to_string() } else { format!("field {}", self.path) };
        let side = |v: &Option<String>| v.clone().unwrap_or_else(|| "(absent)".into());
        format!("{}, {field}: {} ({}) vs {} ({})", parts.join(", "), side(&self.a), labels.0, side(&self.b), labels.1)
    }
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe(("A", "B")))
    }
}

/// How many characters of a value a difference shows.
const SHOWN: usize = 200;

/// A JSON value that keeps its object keys in serialized order (`serde_json::Value` sorts them).
#[derive(Clone, Debug, PartialEq)]
enum Node {
    Leaf(serde_json::Value),
    Array(Vec<Node>),
    Object(Vec<(String, Node)>),
}

impl Node {
    fn of<T: Serialize>(value: &T) -> Node {
        let text = serde_json::to_string(value).expect("run records serialize to JSON");
        serde_json::from_str(&text).expect("serialized JSON parses")
    }
    fn get(&self, key: &str) -> Option<&Node> {
        match self {
            Node::Object(fields) => fields.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }
    fn text(&self, key: &str) -> Option<String> {
        match self.get(key) {
            Some(Node::Leaf(serde_json::Value::String(s))) => Some(s.clone()),
            _ => None,
        }
    }
    /// Compact JSON, cut to [`SHOWN`] characters (a whole missing summary would fill the screen).
    fn json(&self) -> String {
        let text = serde_json::to_string(self).expect("a node serializes");
        match text.char_indices().nth(SHOWN) {
            Some((cut, _)) => format!("{}...", &text[..cut]),
            None => text,
        }
    }
}

impl Serialize for Node {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Node::Leaf(v) => v.serialize(s),
            Node::Array(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Node::Object(fields) => {
                let mut map = s.serialize_map(Some(fields.len()))?;
                for (k, v) in fields {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
        }
    }
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct NodeVisitor;
        impl<'de> Visitor<'de> for NodeVisitor {
            type Value = Node;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_bool<E>(self, v: bool) -> Result<Node, E> {
                Ok(Node::Leaf(v.into()))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Node, E> {
                Ok(Node::Leaf(v.into()))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Node, E> {
                Ok(Node::Leaf(v.into()))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Node, E> {
                Ok(Node::Leaf(serde_json::Number::from_f64(v).map_or(serde_json::Value::Null, Into::into)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Node, E> {
                Ok(Node::Leaf(v.into()))
            }
            fn visit_string<E>(self, v: String) -> Result<Node, E> {
                Ok(Node::Leaf(v.into()))
            }
            fn visit_unit<E>(self) -> Result<Node, E> {
                Ok(Node::Leaf(serde_json::Value::Null))
            }
            fn visit_none<E>(self) -> Result<Node, E> {
                Ok(Node::Leaf(serde_json::Value::Null))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element()? {
                    items.push(item);
                }
                Ok(Node::Array(items))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
                let mut fields = Vec::new();
                while let Some((k, v)) = map.next_entry::<String, Node>()? {
                    fields.push((k, v));
                }
                Ok(Node::Object(fields))
            }
        }
        d.deserialize_any(NodeVisitor)
    }
}

/// The first place two values differ: its path and both sides (`None`: absent on that side).
fn first_difference(a: &Node, b: &Node, path: &mut Vec<String>) -> Option<(Option<String>, Option<String>)> {
    // The children to compare, each with its path step: array items by position, object fields in A's key
    // order then the keys only B has.
    let children: Vec<(String, Option<&Node>, Option<&Node>)> = match (a, b) {
        (Node::Leaf(x), Node::Leaf(y)) if x == y => return None,
        (Node::Array(xs), Node::Array(ys)) => {
            (0..xs.len().max(ys.len())).map(|k| (format!("[{k}]"), xs.get(k), ys.get(k))).collect()
        }
        (Node::Object(xs), Node::Object(ys)) => xs
            .iter()
            .map(|(k, _)| k)
            .chain(ys.iter().map(|(k, _)| k).filter(|k| a.get(k).is_none()))
            .map(|key| (format!(".{key}"), a.get(key), b.get(key)))
            .collect(),
        _ => return Some((Some(a.json()), Some(b.json()))),
    };
    for (step, x, y) in children {
        path.push(step);
        let found = match (x, y) {
            (Some(x), Some(y)) => first_difference(x, y, path),
            (x, y) => Some((x.map(Node::json), y.map(Node::json))),
        };
        if found.is_some() {
            return found;
        }
        path.pop();
    }
    None
}

/// `indices[0].expiries[1].x` from the path's parts (without the leading dot).
fn path_text(parts: &[String]) -> String {
    parts.concat().trim_start_matches('.').to_string()
}

/// The index and expiry rule a cycle-summary path points into.
fn summary_subject(a: &Node, b: &Node, parts: &[String]) -> Subject {
    let position = |p: Option<&String>| p.and_then(|p| p.strip_prefix('[')?.strip_suffix(']')?.parse::<usize>().ok());
    fn in_list(node: Option<&Node>, k: Option<usize>) -> Option<&Node> {
        match (node, k) {
            (Some(Node::Array(items)), Some(k)) => items.get(k),
            _ => None,
        }
    }
    let mut subject = (None, None);
    for side in [a, b] {
        if parts.first().map(String::as_str) != Some(".indices") {
            break;
        }
        let index = in_list(side.get("indices"), position(parts.get(1)));
        subject.0 = subject.0.or_else(|| index.and_then(|i| i.text("index")));
        if parts.get(2).map(String::as_str) == Some(".expiries") {
            let expiry = in_list(index.and_then(|i| i.get("expiries")), position(parts.get(3)));
            subject.1 = subject.1.or_else(|| expiry.and_then(|e| e.text("rule")));
        }
    }
    Subject::Summary { index: subject.0, expiry: subject.1 }
}

fn event_subject(position: usize, event: &Node) -> Subject {
    let data = event.get("data");
    Subject::Event {
        position,
        name: event.text("event").unwrap_or_default(),
        index: data.and_then(|d| d.text("index")),
        rule: data.and_then(|d| d.text("rule")),
    }
}

/// Finds the first difference between two runs' results, cycle by cycle: a cycle's events in order, then
/// its summary.
pub fn compare(a: &RunResult, b: &RunResult) -> Verdict {
    // Every cycle either run mentions, each with its events (by position in the run) and its summary.
    type Cycle = (Vec<(usize, Node)>, Option<Node>);
    fn cycles(run: &RunResult) -> BTreeMap<u64, Cycle> {
        let mut map: BTreeMap<u64, Cycle> = BTreeMap::new();
        for (k, e) in run.events.iter().enumerate() {
            map.entry(e.cycle).or_default().0.push((k, Node::of(e)));
        }
        for c in &run.cycles {
            let slot = &mut map.entry(c.cycle).or_default().1;
            if slot.is_none() {
                *slot = Some(Node::of(c));
            }
        }
        map
    }
    let (ca, cb) = (cycles(a), cycles(b));
    let numbers: std::collections::BTreeSet<u64> = ca.keys().chain(cb.keys()).copied().collect();
    let empty: Cycle = (Vec::new(), None);
    for cycle in numbers {
        let ((ea, sa), (eb, sb)) = (ca.get(&cycle).unwrap_or(&empty), cb.get(&cycle).unwrap_or(&empty));
        for k in 0..ea.len().max(eb.len()) {
            let mut path = Vec::new();
            let (found, subject) = match (ea.get(k), eb.get(k)) {
                (Some((pa, x)), Some((_, y))) => (first_difference(x, y, &mut path), event_subject(*pa, x)),
                (Some((p, x)), None) => (Some((Some(x.json()), None)), event_subject(*p, x)),
                (None, Some((p, y))) => (Some((None, Some(y.json()))), event_subject(*p, y)),
                (None, None) => unreachable!("k is below one of the lengths"),
            };
            if let Some((va, vb)) = found {
                return Verdict::Differ(Box::new(Difference { cycle, subject, path: path_text(&path), a: va, b: vb }));
            }
        }
        let mut path = Vec::new();
        let found = match (sa, sb) {
            (Some(x), Some(y)) => first_difference(x, y, &mut path).map(|d| (d, summary_subject(x, y, &path))),
            (None, None) => None,
            (x, y) => {
                let whole = Subject::Summary { index: None, expiry: None };
                Some(((x.as_ref().map(Node::json), y.as_ref().map(Node::json)), whole))
            }
        };
        if let Some(((va, vb), subject)) = found {
            return Verdict::Differ(Box::new(Difference { cycle, subject, path: path_text(&path), a: va, b: vb }));
        }
    }
    Verdict::Identical { cycles: a.cycles.len(), events: a.events.len() }
}

/// What [`check`] found, with the spawn orders it compared.
#[derive(Clone, Debug)]
pub struct Report {
    pub verdict: Verdict,
    pub orders: (SpawnOrder, SpawnOrder),
}

impl Report {
    /// The exit code of `--check-determinism`: 0 when the runs are identical, 1 when they differ.
    pub fn exit_code(&self) -> u8 {
        u8::from(!self.verdict.identical())
    }
}

impl fmt::Display for Report {
    /// `identical (N cycles, M events, spawn order forward vs reverse)` or `DIFFER at cycle N: ...`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (x, y) = (self.orders.0.as_str(), self.orders.1.as_str());
        match &self.verdict {
            Verdict::Identical { cycles, events } => {
                write!(f, "identical ({cycles} cycles, {events} events, spawn order {x} vs {y})")
            }
            Verdict::Differ(d) => write!(f, "DIFFER at {}", d.describe((x, y))),
        }
    }
}

/// Runs a prepared scenario forward and reversed (same configuration, seed and cycles) and compares.
pub fn check(prepared: &Prepared) -> Result<Report, Error> {
    let forward = prepared.clone().run_in_order(SpawnOrder::Forward, |_| {})?;
    let reverse = prepared.clone().run_in_order(SpawnOrder::Reverse, |_| {})?;
    Ok(Report {
        verdict: compare(&forward.result, &reverse.result),
        orders: (SpawnOrder::Forward, SpawnOrder::Reverse),
    })
}

/// Loads, prepares and checks a scenario file: what `g6sim run SCENARIO --check-determinism` does.
pub fn check_file(path: &std::path::Path, options: &crate::run::RunOptions) -> Result<Report, Error> {
    let loaded = crate::run::load_scenario(path, options).map_err(Error::Scenario)?;
    check(&crate::run::prepare(&loaded, options)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::Event;

    const TWO: &str = r#"Scenario(
        name: "canary", seed: 5, start: "2025-10-06T09:15:00+05:30", cycles: 6,
        indices: [(symbol: "NIFTY", expiries: ["this_week", "next_week"]), (symbol: "BANKNIFTY", expiries: ["this_week", "this_month"])],
        market: (volatility_per_cycle: 0.002),
        phases: [(name: "noise", cycles: (2, 4), index: "BANKNIFTY", faults: [StrikeDropout(0.4), FieldDropout(0.3)])],
    )"#;

    fn prepared() -> Prepared {
        let scenario = crate::scenario::parse("canary.ron", TWO).unwrap_or_else(|e| panic!("{e}"));
        let loaded = crate::scenario::LoadedScenario::inline(scenario, "canary.ron");
        crate::run::prepare(&loaded, &crate::run::RunOptions::default()).unwrap()
    }

    fn result() -> RunResult {
        prepared().run(|_| {}).unwrap().result
    }

    fn differ(verdict: Verdict) -> Difference {
        match verdict {
            Verdict::Differ(d) => *d,
            v => panic!("expected a difference, got {v:?}"),
        }
    }

    #[test]
    fn identical_results_match() {
        let (a, b) = (result(), result());
        let events = a.events.len();
        assert!(events > 20);
        assert_eq!(compare(&a, &b), Verdict::Identical { cycles: 6, events });
        let report = Report { verdict: compare(&a, &b), orders: (SpawnOrder::Forward, SpawnOrder::Reverse) };
        assert_eq!(report.exit_code(), 0);
        assert_eq!(
            report.to_string(),
            format!("identical (6 cycles, {events} events, spawn order forward vs reverse)")
        );
    }

    #[test]
    fn a_changed_field_is_reported_at_its_cycle_and_path() {
        let a = result();
        let mut b = a.clone();
        let expiry = &mut b.cycles[2].indices[1].expiries[1];
        let before = expiry.strike_coverage.unwrap();
        expiry.strike_coverage = Some(0.123);
        let d = differ(compare(&a, &b));
        assert_eq!(d.cycle, 3);
        assert_eq!(d.subject, Subject::Summary { index: Some("BANKNIFTY".into()), expiry: Some("this_month".into()) });
        assert_eq!(d.path, "indices[1].expiries[1].strike_coverage");
        assert_eq!((d.a.as_deref(), d.b.as_deref()), (Some(before.to_string().as_str()), Some("0.123")));
        let line = Report { verdict: Verdict::Differ(Box::new(d)), orders: (SpawnOrder::Forward, SpawnOrder::Reverse) };
        assert_eq!(line.exit_code(), 1);
        assert_eq!(
            line.to_string(),
            format!(
                "DIFFER at cycle 3, index BANKNIFTY, expiry this_month, field indices[1].expiries[1].strike_coverage: \
                 {before} (forward) vs 0.123 (reverse)"
            )
        );
        // A field outside any index, and an earlier cycle winning over a later one.
        let mut c = b.clone();
        c.cycles[1].universe_rows += 1;
        let d = differ(compare(&a, &c));
        assert_eq!((d.cycle, d.path.as_str()), (2, "universe_rows"));
        assert_eq!(d.subject, Subject::Summary { index: None, expiry: None });
    }

    #[test]
    fn an_extra_or_changed_event_is_reported() {
        let a = result();
        let in_cycle_4 = a.events.iter().position(|e| e.cycle == 4).unwrap();
        let after = a.events.iter().rposition(|e| e.cycle == 4).unwrap() + 1;
        let mut b = a.clone();
        let extra = a.events[in_cycle_4].clone();
        let name = extra.event.name();
        b.events.insert(after, extra);
        let d = differ(compare(&a, &b));
        assert_eq!(d.cycle, 4);
        assert!(matches!(&d.subject, Subject::Event { position, name: n, .. } if *position == after && n == name));
        assert_eq!((d.a.is_none(), d.path.as_str()), (true, ""));
        assert!(d.b.as_deref().is_some_and(|b| b.contains(name)), "{d:?}");
        assert!(d.to_string().contains("(absent) (A) vs {"), "{d}");
        // Swapped sides: present in A.
        let d = differ(compare(&b, &a));
        assert!(d.a.is_some() && d.b.is_none());

        // A changed event field: reported at the event with its name, index and rule.
        let mut c = a.clone();
        let k = c.events.iter().position(|e| matches!(e.event, Event::OptionMatchStats(_)) && e.cycle == 5).unwrap();
        let Event::OptionMatchStats(stats) = &mut c.events[k].event else { unreachable!() };
        stats.legs += 2;
        let (index, rule) = (stats.index.clone(), stats.rule.clone());
        let d = differ(compare(&a, &c));
        assert_eq!(d.cycle, 5);
        assert_eq!(
            d.subject,
            Subject::Event { position: k, name: "option_match_stats".into(), index: Some(index), rule: Some(rule) }
        );
        assert_eq!(d.path, "data.legs");
    }

    #[test]
    fn a_missing_cycle_is_reported() {
        let a = result();
        let mut b = a.clone();
        b.cycles.pop();
        b.events.retain(|e| e.cycle < 6);
        let d = differ(compare(&a, &b));
        assert_eq!(d.cycle, 6);
        assert!(d.a.is_some() && d.b.is_none());
        assert!(d.a.as_deref().unwrap().chars().count() <= SHOWN + 3, "long values are cut");
    }

    #[test]
    fn objects_are_walked_in_serialized_order() {
        // `rule` comes before `strike_coverage` in cycles.jsonl, though not alphabetically.
        let a = result();
        let mut b = a.clone();
        b.cycles[0].indices[0].expiries[0].strike_coverage = Some(0.5);
        b.cycles[0].indices[0].expiries[0].rule = "x".into();
        let d = differ(compare(&a, &b));
        assert_eq!(d.path, "indices[0].expiries[0].rule");
    }

    #[test]
    fn forward_and_reverse_spawn_orders_give_the_same_run() {
        let report = check(&prepared()).unwrap();
        assert!(report.verdict.identical(), "{report}");
    }
}
