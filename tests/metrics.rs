//! `metrics.prom`, parsed by the official Prometheus text-format parser (Python's `prometheus_client`, which
//! the tests install into their own virtual environment under the target directory; see `common::python`),
//! agrees with `cycles.jsonl` and `events.jsonl`.

use crate::common::*;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;

const PARSE: &str = r#"
import json, sys
from prometheus_client.parser import text_string_to_metric_families
text = open(sys.argv[1]).read()
out = []
for family in text_string_to_metric_families(text):
    for s in family.samples:
        out.append({"family": family.name, "type": family.type, "name": s.name, "labels": s.labels, "value": s.value})
print(json.dumps(out))
"#;

/// A sample's name and sorted labels.
type SampleKey = (String, Vec<(String, String)>);

/// Sample -> value, as the official parser reads the file, and the raw samples.
fn parse_with_prometheus_client(file: &Path) -> (BTreeMap<SampleKey, f64>, Vec<Value>) {
    let out = python().args(["-c", PARSE, file.to_str().unwrap()]).output().expect("python runs");
    assert!(
        out.status.success(),
        "the official parser rejected the file or is missing (the tests' environment {} should hold it; \
         or set {PYTHON_VAR} to a Python that has it):\n{}",
        venv_dir().display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let samples: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    let mut map = BTreeMap::new();
    for s in &samples {
        let mut labels: Vec<(String, String)> = s["labels"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
            .collect();
        labels.sort();
        map.insert((s["name"].as_str().unwrap().to_string(), labels), s["value"].as_f64().unwrap());
    }
    (map, samples)
}

fn lines(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

fn key(name: &str, labels: &[(&str, &str)]) -> SampleKey {
    let mut l: Vec<(String, String)> = labels.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    l.sort();
    (name.to_string(), l)
}

#[test]
fn metrics_parse_and_agree_with_the_cycle_log() {
    let scenarios = [
        "strike_dropout_recovery.ron",
        "oversized_clamp_strict.ron",
        "provider_outage.ron",
        "low_both.ron",
        "slow_provider.ron",
        "sla_limit_cycle.ron",
    ];
    for scenario in scenarios {
        let dir = temp_dir(&format!("metrics-{scenario}"));
        let out = g6sim(&["run", &format!("scenarios/{scenario}"), "-q", "--out", dir.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(0), "{scenario}");
        let (m, samples) = parse_with_prometheus_client(&dir.join("metrics.prom"));
        let cycles = lines(&dir.join("cycles.jsonl"));
        let events = lines(&dir.join("events.jsonl"));
        let get = |name: &str, labels: &[(&str, &str)]| {
            *m.get(&key(name, labels)).unwrap_or_else(|| panic!("{scenario}: no sample {name}{labels:?}"))
        };
        assert_eq!(get("g6_collection_cycles_total", &[]), cycles.len() as f64);
        // The cycle time: a histogram of every cycle's `elapsed_s`, and the breaches counted.
        let elapsed: Vec<f64> = cycles.iter().map(|c| c["cycle_time"]["elapsed_s"].as_f64().unwrap()).collect();
        let breaches = cycles.iter().filter(|c| c["cycle_time"]["breach"] == true).count();
        assert_eq!(get("g6_cycle_time_seconds_count", &[]), cycles.len() as f64, "{scenario}");
        assert!((get("g6_cycle_time_seconds_sum", &[]) - elapsed.iter().sum::<f64>()).abs() < 1e-6, "{scenario}");
        for (le, bound) in [("5", 5.0), ("60", 60.0), ("+Inf", f64::INFINITY)] {
            let n = elapsed.iter().filter(|e| **e <= bound).count();
            assert_eq!(get("g6_cycle_time_seconds_bucket", &[("le", le)]), n as f64, "{scenario} {le}");
        }
        assert!(samples.iter().any(|s| s["family"] == "g6_cycle_time_seconds" && s["type"] == "histogram"));
        assert_eq!(get("g6_cycle_sla_breach_total", &[]), breaches as f64, "{scenario}");
        let slow = ["slow_provider.ron", "sla_limit_cycle.ron"].contains(&scenario);
        assert_eq!(breaches > 0, slow, "{scenario}: only the slow providers breach");
        // The scale factor, with strike scaling on: the last cycle's.
        let scale = cycles.last().and_then(|c| c["strike_scaling"]["scale"].as_f64());
        for index in cycles[0]["indices"].as_array().unwrap() {
            let labels = [("index", index["index"].as_str().unwrap())];
            match scale {
                Some(s) => assert_eq!(get("g6_strike_depth_scale_factor", &labels), s, "{scenario}"),
                None => assert!(!m.contains_key(&key("g6_strike_depth_scale_factor", &labels)), "{scenario}"),
            }
        }
        for status in ["OK", "PARTIAL", "EMPTY", "SYNTH"] {
            let total: u64 =
                cycles.iter().map(|c| c["expiry_status_totals"][status.to_lowercase()].as_u64().unwrap()).sum();
            assert_eq!(get("g6_expiries_total", &[("status", status)]), total as f64, "{scenario} {status}");
        }
        for reason in ["low_strike", "low_field", "low_both", "unknown", "prefilter_clamp"] {
            let total: u64 = cycles.iter().map(|c| c["partial_reason_totals"][reason].as_u64().unwrap()).sum();
            assert_eq!(get("g6_partial_expiries_total", &[("reason", reason)]), total as f64, "{scenario} {reason}");
            assert_eq!(get("g6_partial_cycle_reasons_total", &[("reason", reason)]), total as f64);
        }
        let last = cycles.last().unwrap();
        for index in last["indices"].as_array().unwrap() {
            let name = index["index"].as_str().unwrap();
            for side in ["itm", "otm"] {
                assert_eq!(
                    get("g6_strike_depth", &[("index", name), ("side", side)]),
                    index["depth"][side].as_f64().unwrap()
                );
            }
            for reason in ["low_strike_cov", "contraction"] {
                let n = events
                    .iter()
                    .filter(|e| {
                        e["event"] == "strike_depth_adjustment"
                            && e["data"]["index"] == name
                            && e["data"]["reason"] == reason
                    })
                    .count();
                assert_eq!(get("g6_strike_depth_adjustments_total", &[("index", name), ("reason", reason)]), n as f64);
            }
            let dropped: u64 = events
                .iter()
                .filter(|e| e["event"] == "prefilter_clamp" && e["data"]["index"] == name)
                .map(|e| e["data"]["dropped"].as_u64().unwrap())
                .sum();
            assert_eq!(get("g6_prefilter_dropped_instruments_total", &[("index", name)]), dropped as f64);
            for expiry in index["expiries"].as_array().unwrap() {
                let labels = [("index", name), ("expiry", expiry["rule"].as_str().unwrap())];
                match expiry["strike_coverage"].as_f64() {
                    Some(s) => assert!((get("instrument_coverage_pct", &labels) - s * 100.0).abs() < 1e-9),
                    None => assert!(!m.contains_key(&key("instrument_coverage_pct", &labels)), "unmeasured is absent"),
                }
            }
        }
        // Every counter family is typed counter and its samples end in _total.
        for s in samples.iter().filter(|s| s["type"] == "counter") {
            assert!(s["name"].as_str().unwrap().ends_with("_total"), "{s}");
        }
    }
}

#[test]
fn metrics_are_byte_identical_across_runs() {
    let (a, b) = (temp_dir("metrics-bytes-a"), temp_dir("metrics-bytes-b"));
    for dir in [&a, &b] {
        let out = g6sim(&["run", "scenarios/coverage_flapping.ron", "-q", "--out", dir.to_str().unwrap()]);
        assert!(out.status.success());
    }
    let text = std::fs::read(a.join("metrics.prom")).unwrap();
    assert_eq!(text, std::fs::read(b.join("metrics.prom")).unwrap());
    assert!(text.ends_with(b"\n"));
}
