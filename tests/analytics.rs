//! The analytics step end to end: the summary's IV and Greeks, parity's IV-only block, and the switches.

use crate::common::*;
use g6sim::RunOptions;
use g6sim::config::Parity;
use std::collections::BTreeMap;

const SMILE: &str = r#"Scenario(
    name: "smile", seed: 4, start: "2025-10-06T09:15:00+05:30", cycles: 2,
    indices: [(symbol: "NIFTY", expiries: ["this_month"], depth: (itm: 12, otm: 12))],
    market: (implied_vol: 0.14, skew: -0.3, smile: 1.0),
    config: (compute_greeks: true),
)"#;

#[test]
fn the_summary_carries_the_solved_ivs_and_greeks() {
    let run = run_text(SMILE, &RunOptions::default());
    let a = run.result.cycles[0].indices[0].expiries[0].analytics.clone().unwrap();
    assert_eq!((a.iv_success, a.iv_fail), (50, 0));
    let call = a.atm_call.unwrap();
    let g = call.greeks.unwrap();
    assert!(g.delta > 0.45 && g.delta < 0.6 && g.gamma > 0.0 && g.theta < 0.0 && g.vega > 0.0 && g.rho > 0.0, "{g:?}");
    let put = a.atm_put.unwrap().greeks.unwrap();
    assert!(put.delta < 0.0 && put.rho < 0.0);
}

#[test]
fn parity_fills_only_the_iv_and_the_step_is_off_by_default() {
    let parity = run_text(SMILE, &RunOptions { parity: Some(Parity::G6), ..RunOptions::default() });
    let call = parity.result.cycles[0].indices[0].expiries[0].analytics.clone().unwrap().atm_call.unwrap();
    assert!(call.iv.is_some() && call.greeks.is_none(), "the reference's Greeks block is dead code");
    let off = run_text(&SMILE.replace("config: (compute_greeks: true),", ""), &RunOptions::default());
    assert!(off.result.cycles[0].indices[0].expiries[0].analytics.is_none());
    let line = String::from_utf8(g6sim::output::cycles_jsonl(&off)).unwrap();
    assert!(!line.contains("analytics"), "outputs are unchanged when the step is off");
    let env: BTreeMap<String, String> = [("G6_DISABLE_GREEKS", "1"), ("G6_FORCE_GREEKS", "1")]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let disabled = run_text(SMILE, &RunOptions { env, ..RunOptions::default() });
    assert!(!disabled.prepared.config.compute_greeks, "G6_DISABLE_GREEKS wins over G6_FORCE_GREEKS");
    let env: BTreeMap<String, String> = [("G6_FORCE_GREEKS".to_string(), "yes".to_string())].into();
    let forced =
        run_text(&SMILE.replace("config: (compute_greeks: true),", ""), &RunOptions { env, ..RunOptions::default() });
    assert!(forced.prepared.config.compute_greeks);
}
