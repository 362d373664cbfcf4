//! Kite instrument dumps: the sample dump, every tolerance, every error with its line
//! and column, the synthetic writer's round trip (plain and gzipped), a 60k-row NFO+BFO dump counted against
//! an independent count of its CSV rows, and arbitrary bytes that must never panic.

use crate::common::{g6sim_cmd, proptest_config, root, temp_dir};
use chrono::NaiveDate;
use g6sim::universe::write::{gzip, synthetic_rows, to_csv};
use g6sim::universe::{DumpErrorKind, RowClass, SyntheticSpec, parse, read_file};
use g6sim::vocab::SkipReason;
use proptest::prelude::*;
use std::collections::BTreeMap;

const HEADER: &str = "instrument_token,exchange_token,tradingsymbol,name,last_price,expiry,strike,tick_size,lot_size,instrument_type,segment,exchange";

fn d(s: &str) -> NaiveDate {
    g6sim::universe::parse_iso_date(s).unwrap()
}

fn skipped(pairs: &[(SkipReason, u64)]) -> BTreeMap<SkipReason, u64> {
    pairs.iter().copied().collect()
}

/// The longest registry symbol `symbol` starts with, followed by a digit (independent of the reader's
/// parser: no month or strike check).
fn prefix_index(symbol: &str) -> Option<&'static str> {
    // The registry's symbols, longest first.
    ["MIDCPNIFTY", "BANKNIFTY", "FINNIFTY", "SENSEX", "NIFTY"]
        .into_iter()
        .find(|k| symbol.strip_prefix(k).is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_digit())))
}

#[test]
fn the_sample_dump_parses_and_its_counts_match_a_plain_count() {
    let path = root().join("tests/data/kite_instruments_sample.csv");
    let dump = read_file(&path).unwrap_or_else(|e| panic!("{e}"));
    // The independent count: the sample has no quoted fields, so plain splitting is exact.
    let text = std::fs::read_to_string(&path).unwrap();
    let (mut options, mut unknown, mut other) = (0, 0, 0);
    let mut bank_nearest: Vec<f64> = Vec::new();
    let mut bank_expiries: Vec<String> = Vec::new();
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        assert_eq!(f.len(), 12);
        if f[9] != "CE" && f[9] != "PE" {
            other += 1;
        } else if prefix_index(f[2]) == Some("BANKNIFTY") && f[10] == "NFO-OPT" {
            options += 1;
            bank_expiries.push(f[5].to_string());
            if f[5] == "2017-11-30" {
                bank_nearest.push(f[6].parse().unwrap());
            }
        } else {
            unknown += 1;
        }
    }
    assert_eq!(options + unknown + other, 99);
    assert_eq!(dump.counts.rows, 99);
    assert_eq!(dump.rows.len(), 99);
    assert_eq!(dump.counts.index_options, options);
    assert_eq!(
        dump.counts.skipped,
        skipped(&[(SkipReason::NotAnOption, other), (SkipReason::UnknownUnderlying, unknown)])
    );
    assert!(options >= 10 && unknown >= 10, "the sample has both: {options} {unknown}");
    // BANKNIFTY only; its summary from the same plain count.
    assert_eq!(dump.indices.len(), 1);
    let bank = dump.summary("banknifty").unwrap();
    bank_expiries.sort();
    bank_expiries.dedup();
    let expiries: Vec<String> = bank.expiries.iter().map(|e| e.to_string()).collect();
    assert_eq!(expiries, bank_expiries);
    assert_eq!(bank.nearest_expiry, Some(d("2017-11-30")));
    bank_nearest.sort_by(f64::total_cmp);
    assert_eq!(bank.atm, Some(bank_nearest[(bank_nearest.len() - 1) / 2]));
    assert_eq!((bank.lot_size, bank.tick_size, bank.options), (Some(40), Some(0.05), options));
    assert_eq!(bank.segment, "NFO-OPT");
    assert_eq!(bank.expiry_weekday, Some(3), "Thursdays");
    // Nearest as of a later day: January 2018, strikes 23400..23700 by 100.
    let later = dump.summarize(Some(d("2018-01-01")));
    assert_eq!((later[0].nearest_expiry, later[0].strike_step), (Some(d("2018-01-25")), Some(100.0)));
    // Rows keep their typed form and file line.
    let first = &dump.rows[0];
    assert_eq!(
        (dump.symbol(first), dump.name(first), first.token, first.line),
        ("CENTRALBK-BE", "CENTRAL BANK OF INDIA", 3813889, 2)
    );
    let adani = dump.rows.iter().find(|r| dump.symbol(r) == "ADANIPORTS17DEC490PE").unwrap();
    assert_eq!((adani.class, adani.underlying), (RowClass::Skipped(SkipReason::UnknownUnderlying), None));
}

/// A dump of `rows` under the standard header.
fn dump_of(rows: &[&str]) -> String {
    let mut text = format!("{HEADER}\n");
    for r in rows {
        text.push_str(r);
        text.push('\n');
    }
    text
}

/// A CSV row's fields, each quoted (quotes doubled), read by the `csv` crate: an oracle independent of the
/// dump reader's own CSV handling.
fn quoted_fields(row: &str) -> Vec<String> {
    let mut reader = csv::ReaderBuilder::new().has_headers(false).from_reader(row.as_bytes());
    let record = reader.byte_records().next().expect("one row").expect("a CSV row");
    record.iter().map(|f| format!("\"{}\"", String::from_utf8_lossy(f).replace('"', "\"\""))).collect()
}

const NIFTY_CE: &str = "101,1,NIFTY25O0924800CE,NIFTY,12.5,2025-10-09,24800.0,0.05,75,CE,NFO-OPT,NFO";
const NIFTY_PE: &str = "102,2,NIFTY25O0924850PE,NIFTY,0.0,2025-10-09,24850.0,0.05,75,PE,NFO-OPT,NFO";
const SENSEX_CE: &str = "103,3,SENSEX25O1081000CE,SENSEX,0.0,2025-10-10,81000.0,0.05,20,CE,BFO-OPT,BFO";
const EQUITY: &str = "104,4,INFY,\"INFOSYS, \"\"LTD\"\"\",1500.5,,0.0,0.05,1,EQ,NSE,NSE";

#[test]
fn tolerances_give_the_same_rows() {
    let base = parse("base.csv", dump_of(&[NIFTY_CE, NIFTY_PE, SENSEX_CE, EQUITY]).as_bytes()).unwrap();
    assert_eq!(base.counts.index_options, 3);
    assert_eq!(base.counts.skipped, skipped(&[(SkipReason::NotAnOption, 1)]));
    assert_eq!(base.name(&base.rows[3]), "INFOSYS, \"LTD\"", "quoted, with a comma and doubled quotes");
    let want = base.kite_rows();

    // CRLF line ends, a BOM, a blank line and no final line end.
    let crlf = format!("\u{feff}{}", dump_of(&[NIFTY_CE, NIFTY_PE, "", SENSEX_CE, EQUITY]).replace('\n', "\r\n"));
    let crlf = crlf.trim_end();
    assert_eq!(parse("crlf.csv", crlf.as_bytes()).unwrap().kite_rows(), want);

    // Every field quoted.
    let quoted: Vec<String> =
        [HEADER, NIFTY_CE, NIFTY_PE, SENSEX_CE, EQUITY].iter().map(|r| quoted_fields(r).join(",")).collect();
    assert_eq!(parse("quoted.csv", quoted.join("\n").as_bytes()).unwrap().kite_rows(), want);

    // Columns in another order (reversed), upper-case names with spaces, and an extra column.
    let reorder = |row: &str| {
        let mut f = quoted_fields(row);
        f.reverse();
        f.insert(3, "\"extra\"".into());
        f.join(",")
    };
    let mut lines = vec![reorder(&HEADER.to_uppercase().replace(',', " , "))];
    lines.extend([NIFTY_CE, NIFTY_PE, SENSEX_CE, EQUITY].iter().map(|r| reorder(r)));
    assert_eq!(parse("reordered.csv", lines.join("\n").as_bytes()).unwrap().kite_rows(), want);

    // Integers written as floats, DD-MM-YYYY and DD/MM/YYYY expiries, an empty name (underlying from the
    // symbol) and an empty strike (from the symbol).
    let resaved = dump_of(&[
        "101.0,1.0,NIFTY25O0924800CE,,12.5,09-10-2025,24800,0.05,75.0,CE,NFO-OPT,NFO",
        "102,2,NIFTY25O0924850PE,NIFTY,0,09/10/2025,,0.050,7.5E1,PE,NFO-OPT,NFO",
        "103,3,SENSEX25O1081000CE,,0.0,2025-10-10,81000.00,0.05,20,CE,BFO-OPT,BFO",
        EQUITY,
    ]);
    let resaved = parse("resaved.csv", resaved.as_bytes()).unwrap();
    let mut got = resaved.kite_rows();
    got[0].name = "NIFTY".into();
    got[2].name = "SENSEX".into();
    assert_eq!(got, want);
}

#[test]
fn skip_reasons_are_counted_in_order() {
    let text = dump_of(&[
        NIFTY_CE,
        "x,5,NIFTY25O0924900CE,NIFTY,0,2025-10-09,24900,0.05,75,CE,NFO-OPT,NFO",
        "6,6,NIFTY25OCTFUT,NIFTY,0,2025-10-30,0,0.05,75,FUT,NFO-FUT,NFO",
        "7,7,NIFTYIT25OCT35000CE,,0,2025-10-30,35000,0.05,25,CE,NFO-OPT,NFO",
        "8,8,NIFTYNXT5025OCT68000CE,NIFTYNXT50,0,2025-10-30,68000,0.05,25,CE,NFO-OPT,NFO",
        "9,9,NIFTY25O0924800CE,NIFTY,0,2025-10-09,24800,0.05,75,CE,BFO-OPT,BFO",
        "10,10,SENSEX25O1081000CE,,0,2025-10-10,81000,0.05,20,CE,NFO-OPT,NFO",
        "11,11,NIFTY25O0924800CE,NIFTY,0,2025-13-09,24800,0.05,75,CE,NFO-OPT,NFO",
        "12,12,NIFTY25O0924800CE,NIFTY,0,,24800,0.05,75,CE,NFO-OPT,NFO",
        "13,13,NIFTY25O0924800CE,NIFTY,0,2025-10-09,-50,0.05,75,CE,NFO-OPT,NFO",
        "14,14,NIFTY25O09CE,NIFTY,0,2025-10-09,,0.05,75,CE,NFO-OPT,NFO",
        "15,15,NIFTY25O0924800CE,NIFTY,0,2025-10-09,24800,0.05,0,CE,NFO-OPT,NFO",
        "16,16,NIFTY25O0924800CE,NIFTY,0,2025-10-09,24800,,75,CE,NFO-OPT,NFO",
        "101,17,NIFTY25O0924800CE,NIFTY,0,2025-10-09,24800,0.05,75,CE,NFO-OPT,NFO",
    ]);
    let dump = parse("reasons.csv", text.as_bytes()).unwrap();
    use SkipReason::*;
    assert_eq!(
        dump.counts.skipped,
        skipped(&[
            (BadToken, 1),
            (NotAnOption, 1),
            (UnknownUnderlying, 2),
            (WrongSegment, 2),
            (BadExpiry, 2),
            (BadStrike, 2),
            (BadLotSize, 1),
            (BadTickSize, 1),
            (DuplicateToken, 1),
        ])
    );
    assert_eq!(dump.counts.index_options, 1);
    let json = serde_json::to_string(&dump.counts.skipped).unwrap();
    assert!(json.starts_with("{\"bad_token\":1,\"not_an_option\":1,\"unknown_underlying\":2,"), "{json}");
    // A skipped index option keeps its underlying (the wiring counts its bad expiry).
    let bad_expiry = dump.rows.iter().find(|r| r.token == 11).unwrap();
    assert_eq!((bad_expiry.class, bad_expiry.underlying), (RowClass::Skipped(BadExpiry), Some(0)));
}

#[test]
fn a_file_that_is_no_dump_gets_a_clear_error() {
    let err = |name: &str, text: &str| parse(name, text.as_bytes()).unwrap_err();

    let e = err("short.csv", &HEADER.replace(",strike", ""));
    assert_eq!((e.kind, e.line, e.column.as_deref()), (DumpErrorKind::MissingColumn, Some(1), Some("strike")));
    assert!(e.value.as_deref().unwrap().starts_with("instrument_token,exchange_token"), "lists the header: {e}");
    assert!(e.to_string().starts_with("short.csv:1: column `strike`: found `instrument_token,"), "{e}");
    let e = err("two.csv", &HEADER.replace(",strike", "").replace(",segment", ""));
    assert!(e.expected.ends_with("missing: strike, segment"), "{e}");

    let e = err("data.csv", &format!("{NIFTY_CE}\n{NIFTY_PE}\n"));
    assert_eq!((e.kind, e.line), (DumpErrorKind::NotADump, Some(1)));
    assert!(e.to_string().contains("expected a Kite instruments dump: a header naming the 12 columns"), "{e}");

    let e = err("dup.csv", &format!("{HEADER},Strike"));
    assert_eq!((e.kind, e.column.as_deref()), (DumpErrorKind::DuplicateColumn, Some("strike")));
    assert!(e.expected.contains("columns 7 and 13"), "{e}");

    let e = err("few.csv", &dump_of(&[NIFTY_CE, "105,5,NIFTY25O0924800CE,NIFTY,0,2025-10-09,24800", NIFTY_PE]));
    assert_eq!((e.kind, e.line, e.column.as_deref()), (DumpErrorKind::FieldCount, Some(3), Some("tick_size")));
    assert_eq!(e.value.as_deref(), Some("105,5,NIFTY25O0924800CE,NIFTY,0,2025-10-09,24800"));
    assert_eq!(
        e.to_string(),
        "few.csv:3: column `tick_size`: found `105,5,NIFTY25O0924800CE,NIFTY,0,2025-10-09,24800`: expected 12 fields as in the header, found 7"
    );

    let e = err("many.csv", &dump_of(&[&format!("{NIFTY_CE},x")]));
    assert_eq!((e.kind, e.line, e.column.as_deref()), (DumpErrorKind::FieldCount, Some(2), None));
    assert!(e.expected.contains("found 13"), "{e}");

    // A quoted field with a line end inside moves the next record's line.
    let two_lines = EQUITY.replace("INFOSYS, ", "INFOSYS,\n");
    let e = err("lines.csv", &dump_of(&[&two_lines, "1,2"]));
    assert_eq!((e.kind, e.line), (DumpErrorKind::FieldCount, Some(4)));

    let e = err("open.csv", &dump_of(&[NIFTY_CE, "105,5,\"NIFTY,NIFTY,0"]));
    assert_eq!((e.kind, e.line), (DumpErrorKind::UnterminatedQuote, Some(3)));

    assert_eq!(err("empty.csv", "").kind, DumpErrorKind::Empty);
    assert_eq!(err("blank.csv", "\u{feff}\r\n\n").kind, DumpErrorKind::Empty);
    // Only the header (a cut download, an export of nothing): no universe to run over.
    let e = err("header.csv", &format!("\u{feff}{HEADER}\r\n\r\n"));
    assert_eq!((e.kind, e.line), (DumpErrorKind::NoRows, Some(1)));
    assert_eq!(
        e.to_string(),
        "header.csv:1: expected instrument rows after the header; the file holds only the header"
    );
    let e = parse("broken.csv.gz", b"\x1f\x8bnot gzip").unwrap_err();
    assert_eq!(e.kind, DumpErrorKind::Gzip);
    let e = read_file(&root().join("tests/data/no-such-dump.csv")).unwrap_err();
    assert_eq!(e.kind, DumpErrorKind::Io);
    assert!(e.to_string().contains("no-such-dump.csv: expected a readable file"), "{e}");
}

fn small_spec() -> SyntheticSpec {
    SyntheticSpec { strikes_per_side: 12, ..SyntheticSpec::default() }
}

#[test]
fn gzip_round_trip_and_the_command() {
    let rows = synthetic_rows(&small_spec()).unwrap();
    let csv = to_csv(&rows);
    let packed = gzip(&csv);
    assert!(packed.len() < csv.len() / 4);
    let dump = parse("synthetic.csv.gz", &packed).unwrap();
    assert!(dump.gzipped);
    assert_eq!(dump.kite_rows(), rows);

    let dir = temp_dir("universe-cmd");
    let run = |file: &str, extra: &[&str]| {
        let out = g6sim_cmd()
            .args(["universe", "--out"])
            .arg(dir.join(file))
            .args(["--date", "2025-10-06", "--indices", "nifty,SENSEX", "--strikes-per-side", "5"])
            .args(extra)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    };
    let said = run("u.csv.gz", &["--gzip", "--weeks", "2", "--months", "1"]);
    assert!(said.contains("index options"), "{said}");
    let gz = read_file(&dir.join("u.csv.gz")).unwrap();
    run("u.csv", &["--weeks", "2", "--months", "1"]);
    let plain = read_file(&dir.join("u.csv")).unwrap();
    assert!(gz.gzipped && !plain.gzipped);
    assert_eq!(gz.kite_rows(), plain.kite_rows());
    let symbols: Vec<&str> = plain.indices.iter().map(|s| s.symbol.as_str()).collect();
    assert_eq!(symbols, ["NIFTY", "SENSEX"]);
    // Monday 2025-10-06: NIFTY Thursdays 10-09, 10-16 and the October monthly 10-30.
    assert_eq!(plain.indices[0].expiries, [d("2025-10-09"), d("2025-10-16"), d("2025-10-30")]);
    assert_eq!(plain.counts.index_options, (3 + 3) * 2 * 11);
    let first = std::fs::read(dir.join("u.csv.gz")).unwrap();
    run("u.csv.gz", &["--gzip", "--weeks", "2", "--months", "1"]);
    assert_eq!(std::fs::read(dir.join("u.csv.gz")).unwrap(), first, "the same bytes every time");

    let out =
        g6sim_cmd().args(["universe", "--out"]).arg(dir.join("x.csv")).args(["--indices", "NIFTYIT"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown index `NIFTYIT`"));
    assert!(!dir.join("x.csv").exists());
    // A dump with no expiry would hold no index option: refused, nothing written.
    let out = g6sim_cmd()
        .args(["universe", "--out"])
        .arg(dir.join("x.csv"))
        .args(["--weeks", "0", "--months", "0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("lists no expiry"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!dir.join("x.csv").exists());
    // `check` over a dump that lacks one of a scenario's indices warns, as `run` does.
    let out = g6sim_cmd()
        .args(["check", "scenarios/healthy_baseline.ron", "--no-env", "--universe"])
        .arg(dir.join("u.csv.gz"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("warning: scenarios/healthy_baseline.ron: universe ")
            && stderr.contains("no valid BANKNIFTY option"),
        "{stderr}"
    );
    // `--out` a directory, or in a directory that does not exist: exit 2 with a hint, nothing written.
    for out in [dir.clone(), dir.join("no-such-dir/x.csv")] {
        let said = g6sim_cmd().args(["universe", "--out"]).arg(&out).output().unwrap();
        let stderr = String::from_utf8_lossy(&said.stderr);
        assert_eq!(said.status.code(), Some(2), "{stderr}");
        assert!(stderr.starts_with(&format!("error: cannot write {}: ", out.display())), "{stderr}");
        assert!(stderr.contains("\n  hint: --out names the dump file to write"), "{stderr}");
    }
    assert!(!dir.join("no-such-dir").exists());
    // Sizes beyond a scenario's limits are refused before anything is written; one strike has no step.
    for (flag, value, range) in [("--strikes-per-side", "100000", "0..=5000"), ("--weeks", "5000", "0..=1000")] {
        let said = g6sim_cmd().args(["universe", "--out"]).arg(dir.join("y.csv")).args([flag, value]).output();
        let stderr = String::from_utf8_lossy(&said.as_ref().unwrap().stderr).into_owned();
        assert_eq!(said.unwrap().status.code(), Some(2), "{stderr}");
        assert!(stderr.contains(range), "{stderr}");
    }
    assert!(!dir.join("y.csv").exists());
    let said = g6sim_cmd()
        .args(["universe", "--out"])
        .arg(dir.join("one.csv"))
        .args(["--strikes-per-side", "0"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&said.stdout).contains(" step -  lot "), "no step between one strike");
}

#[test]
fn a_60k_row_nfo_bfo_dump_counts_like_its_csv_rows() {
    let spec = SyntheticSpec { strikes_per_side: 500, ..SyntheticSpec::default() };
    let csv = to_csv(&synthetic_rows(&spec).unwrap());
    let dump = parse("big.csv", &csv).unwrap();
    // The independent count: the first three and last three fields of each line by plain splitting (only
    // equity names are quoted, and they sit in between).
    let text = std::str::from_utf8(&csv).unwrap();
    let mut per_index: BTreeMap<&str, u64> = BTreeMap::new();
    let (mut rows, mut not_option, mut unknown) = (0u64, 0u64, 0u64);
    let mut segments: BTreeMap<&str, u64> = BTreeMap::new();
    for line in text.lines().skip(1) {
        rows += 1;
        let head: Vec<&str> = line.splitn(4, ',').collect();
        let tail: Vec<&str> = line.rsplitn(4, ',').collect();
        let (symbol, itype, segment) = (head[2], tail[2], tail[1]);
        *segments.entry(segment).or_default() += 1;
        if itype != "CE" && itype != "PE" {
            not_option += 1;
            continue;
        }
        match prefix_index(symbol) {
            Some(ix) if segment == if ix == "SENSEX" { "BFO-OPT" } else { "NFO-OPT" } => {
                *per_index.entry(ix).or_default() += 1
            }
            _ => unknown += 1,
        }
    }
    assert!(rows >= 60_000, "{rows} rows");
    assert!(segments["NFO-OPT"] > 40_000 && segments["BFO-OPT"] > 10_000, "{segments:?}");
    assert_eq!(dump.counts.rows, rows);
    assert_eq!(dump.counts.index_options, per_index.values().sum::<u64>());
    assert_eq!(
        dump.counts.skipped,
        skipped(&[(SkipReason::NotAnOption, not_option), (SkipReason::UnknownUnderlying, unknown)])
    );
    for s in &dump.indices {
        assert_eq!(s.options, per_index[s.symbol.as_str()], "{}", s.symbol);
    }
    assert_eq!(dump.indices.len(), 5);
}

proptest! {
    #![proptest_config(proptest_config(128))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        if let Ok(dump) = parse("fuzz.csv", &bytes) {
            prop_assert_eq!(dump.rows.len() as u64, dump.counts.rows);
        }
    }

    #[test]
    fn rows_after_a_header_never_panic_and_always_add_up(
        tail in proptest::collection::vec(
            prop_oneof![
                Just(b','), Just(b'"'), Just(b'\n'), Just(b'\r'), Just(b'.'), Just(b'-'), Just(b'/'),
                Just(b'E'), Just(b'C'), b'0'..=b'9', b'A'..=b'Z', any::<u8>()
            ],
            0..600,
        ),
        base in 0usize..4,
    ) {
        let mut bytes = format!("{HEADER}\n{}\n", [NIFTY_CE, SENSEX_CE, EQUITY, NIFTY_PE][base]).into_bytes();
        bytes.extend(tail);
        match parse("fuzz.csv", &bytes) {
            Ok(dump) => {
                let skipped: u64 = dump.counts.skipped.values().sum();
                prop_assert_eq!(dump.counts.index_options + skipped, dump.counts.rows);
                prop_assert_eq!(dump.rows.len() as u64, dump.counts.rows);
            }
            Err(e) => prop_assert!(e.line.is_some_and(|l| l >= 2), "{}", e),
        }
        if base == 0 {
            let _ = parse("fuzz.csv.gz", &gzip(&bytes));
        }
    }
}
