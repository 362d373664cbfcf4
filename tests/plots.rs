//! Charts: every run can draw them, SVG bytes are identical across runs, PNGs are real pictures, and the
//! committed `plots/` match what the code draws today.

use crate::common::*;
use std::path::Path;

const CHARTS: [&str; 4] = ["depth", "coverage", "status", "clamp"];

fn run_with_plots(dir: &Path, scenario: &str) {
    let out = g6sim(&["run", scenario, "-q", "--plots", "--out", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn svg_is_byte_identical_across_runs_and_plot_redraws_a_run_dir() {
    let (a, b) = (temp_dir("plots-a"), temp_dir("plots-b"));
    // Two processes at once (the PNGs take most of a debug build's run).
    std::thread::scope(|s| {
        s.spawn(|| run_with_plots(&a, "scenarios/strike_dropout_recovery.ron"));
        run_with_plots(&b, "scenarios/strike_dropout_recovery.ron");
    });
    for chart in CHARTS {
        let name = format!("plots/{chart}.svg");
        let svg = std::fs::read(a.join(&name)).unwrap();
        assert_eq!(svg, std::fs::read(b.join(&name)).unwrap(), "{name}");
        let text = String::from_utf8(svg).unwrap();
        assert!(text.starts_with("<svg") && text.contains("<text"), "{name} has text");
        assert!(text.contains("strike_dropout_recovery"), "{name} has its title");
    }
    let depth = std::fs::read_to_string(a.join("plots/depth.svg")).unwrap();
    for label in ["strikes per side", "cycle", "baseline", "ITM = OTM", "expansion", "contraction", "strike dropout"] {
        assert!(depth.contains(label), "depth chart lacks {label:?}");
    }
    let coverage = std::fs::read_to_string(a.join("plots/coverage.svg")).unwrap();
    for label in ["strike OK threshold 0.75", "field OK threshold 0.55", "expansion trigger 0.675", "this_week strike"]
    {
        assert!(coverage.contains(label), "coverage chart lacks {label:?}");
    }
    // `g6sim plot RUN_DIR` redraws the same charts from the files.
    std::fs::remove_dir_all(a.join("plots")).unwrap();
    let out = g6sim(&["plot", a.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    for chart in CHARTS {
        let name = format!("plots/{chart}.svg");
        assert_eq!(
            std::fs::read(a.join(&name)).unwrap(),
            std::fs::read(b.join(&name)).unwrap(),
            "{name} from the files"
        );
    }
    let out = g6sim(&["plot", temp_dir("plots-empty").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "a directory without a run is bad input");
    assert!(String::from_utf8_lossy(&out.stderr).contains("hint:"));
}

#[test]
fn pngs_have_their_size_and_real_content() {
    let dir = temp_dir("plots-png");
    run_with_plots(&dir, "scenarios/oversized_clamp.ron");
    for (chart, height) in [("depth", 940), ("coverage", 640), ("status", 640), ("clamp", 360)] {
        let bytes = std::fs::read(dir.join(format!("plots/{chart}.png"))).unwrap();
        assert_eq!(&bytes[1..4], b"PNG");
        let width = u32::from_be_bytes(bytes[16..20].try_into().unwrap());
        let h = u32::from_be_bytes(bytes[20..24].try_into().unwrap());
        assert_eq!((width, h), (1200, height), "{chart}");
        let img = image::load_from_memory(&bytes).unwrap().to_rgb8();
        let non_white = img.pixels().filter(|p| p.0 != [255, 255, 255]).count();
        assert!(non_white > 10_000, "{chart}: {non_white} drawn pixels");
        let mut colors: Vec<[u8; 3]> = img.pixels().map(|p| p.0).collect();
        colors.sort_unstable();
        colors.dedup();
        assert!(colors.len() > 20, "{chart}: text and series in several colours ({})", colors.len());
    }
}

const STALE: &str = "run `cargo run --release -- check --plots plots`";

/// The scenario whose charts `committed_plots_match_what_the_code_draws` draws through `g6sim check --plots`:
/// fault windows, depth adjustments and PARTIAL reasons, so the streamed series carry events of each kind.
const DRAWN_BY_CHECK: &str = "coverage_flapping";

/// The directory `check --plots` draws a scenario's charts into: its name, other characters than letters,
/// digits, `-`, `_` and `.` replaced by `_`.
fn plots_dir(name: &str) -> String {
    name.chars().map(|c| if c.is_ascii_alphanumeric() || "-_.".contains(c) { c } else { '_' }).collect()
}

/// The committed `plots/` are what `check --plots plots` draws today. One scenario goes through the command
/// (streamed series, SVG and PNG files); every shipped scenario's SVGs are drawn through the library, which
/// skips the PNGs (drawn by the same code, and nearly all of the time).
#[test]
fn committed_plots_match_what_the_code_draws() {
    let committed = root().join("plots");
    let dir = temp_dir("plots-committed");
    let scenario = format!("scenarios/{DRAWN_BY_CHECK}.ron");
    let out = g6sim(&["check", &scenario, "--plots", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));
    let mut files = 0;
    for chart in CHARTS {
        for ext in ["svg", "png"] {
            let rel = Path::new(DRAWN_BY_CHECK).join(format!("{chart}.{ext}"));
            let old = std::fs::read(committed.join(&rel))
                .unwrap_or_else(|_| panic!("plots/{} is missing: {STALE}", rel.display()));
            assert!(std::fs::read(dir.join(&rel)).unwrap() == old, "plots/{} is stale: {STALE}", rel.display());
            files += 1;
        }
    }
    assert_eq!(files, 8);
    let mut scenarios: Vec<std::path::PathBuf> = std::fs::read_dir(root().join("scenarios"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "ron"))
        .collect();
    scenarios.sort();
    let mut drawn = Vec::new();
    for path in &scenarios {
        let options = g6sim::RunOptions::default();
        let loaded = g6sim::load_scenario(path, &options).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let run = g6sim::run_scenario(&loaded, &options).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let data = g6sim::plot::PlotData::from_run(&run).unwrap();
        let name = plots_dir(&data.scenario);
        for (chart, svg) in g6sim::plot::svgs(&data).unwrap() {
            let rel = Path::new(&name).join(format!("{chart}.svg"));
            let old = std::fs::read(committed.join(&rel))
                .unwrap_or_else(|_| panic!("plots/{} is missing: {STALE}", rel.display()));
            assert!(svg.as_bytes() == old, "plots/{} is stale: {STALE}", rel.display());
        }
        drawn.push(name);
    }
    assert!(drawn.len() >= 12 && drawn.contains(&DRAWN_BY_CHECK.to_string()), "{drawn:?}");
    // No committed charts of a scenario that is gone.
    for entry in std::fs::read_dir(&committed).unwrap().map(|e| e.unwrap()) {
        let name = entry.file_name().into_string().unwrap();
        if entry.path().join("depth.svg").exists() {
            assert!(drawn.contains(&name), "plots/{name} has no scenario in scenarios/: remove it");
        }
    }
}

/// The charts' SVG text by chart name.
type Svgs = std::collections::BTreeMap<&'static str, String>;

fn svgs_of(data: &g6sim::plot::PlotData) -> Svgs {
    g6sim::plot::svgs(data).unwrap().into_iter().collect()
}

/// The charts of a run of inline scenario text (or of a shipped scenario's file), drawn through the library.
fn charts_of(text: &str) -> Svgs {
    let run = run_text(text, &g6sim::RunOptions::default());
    svgs_of(&g6sim::plot::PlotData::from_run(&run).unwrap())
}

fn shipped(scenario: &str) -> String {
    std::fs::read_to_string(root().join("scenarios").join(format!("{scenario}.ron"))).unwrap()
}

/// The SVG's text elements: (text-anchor, content).
fn svg_texts(svg: &str) -> Vec<(String, String)> {
    svg.split("<text ")
        .skip(1)
        .map(|t| {
            let (attrs, rest) = t.split_once('>').unwrap();
            let anchor = attrs.split("text-anchor=\"").nth(1).and_then(|a| a.split('"').next()).unwrap_or("");
            (anchor.to_string(), rest.split("</text>").next().unwrap().trim().to_string())
        })
        .collect()
}

/// The y-axis labels (right-aligned), per panel: a label smaller than the one before starts a panel.
fn y_labels_per_panel(svg: &str) -> Vec<Vec<String>> {
    let mut panels: Vec<Vec<String>> = Vec::new();
    for (_, label) in svg_texts(svg).into_iter().filter(|(anchor, _)| anchor == "end") {
        let starts = match panels.last().and_then(|p| p.last()) {
            Some(prev) => label.parse::<f64>().unwrap_or(f64::NAN) < prev.parse::<f64>().unwrap_or(f64::NAN),
            None => true,
        };
        if starts {
            panels.push(Vec::new());
        }
        panels.last_mut().unwrap().push(label);
    }
    panels
}

fn assert_distinct_integer_labels(svg: &str, what: &str) {
    let panels = y_labels_per_panel(svg);
    assert_eq!(panels.len(), 2, "{what}: two panels of y labels: {panels:?}");
    for labels in &panels {
        assert!(labels.len() >= 2, "{what}: {labels:?}");
        let values: Vec<i64> =
            labels.iter().map(|l| l.parse().unwrap_or_else(|_| panic!("{what}: {l:?} is not an integer"))).collect();
        assert!(values.windows(2).all(|w| w[0] < w[1]), "{what}: y labels repeat: {labels:?}");
    }
}

#[test]
fn status_chart_has_distinct_integer_y_labels_and_names_an_empty_reasons_panel() {
    let healthy = charts_of(&shipped("healthy_baseline"))["status"].clone();
    assert_distinct_integer_labels(&healthy, "healthy_baseline");
    assert!(healthy.contains("no partial reasons"), "a run without PARTIAL says so");
    let partial = charts_of(&shipped("low_both"))["status"].clone();
    assert_distinct_integer_labels(&partial, "low_both");
    assert!(!partial.contains("no partial reasons"), "a run with PARTIAL expiries draws them");
    assert!(partial.contains("low_both"));
    // Counts whose headroom gives a fractional top: the ticks are still whole numbers, each printed once.
    for max in [1.0, 2.0, 3.0, 4.0, 7.0, 13.0, 29.0, 64.0] {
        let data = g6sim::plot::PlotData {
            scenario: "counts".into(),
            cycles: vec![1, 2, 3],
            indices: Vec::new(),
            statuses: vec![("OK".into(), vec![max, 1.0, 0.0])],
            reasons: vec![("low_strike".into(), vec![0.0, max, 1.0])],
            clamp_original: vec![0.0; 3],
            clamp_kept: vec![0.0; 3],
            elapsed_s: vec![None; 3],
            sla_s: vec![None; 3],
            scale: vec![None; 3],
            memory_scale: vec![None; 3],
            phases: Vec::new(),
            strike_ok: 0.75,
            field_ok: 0.55,
            trigger: 0.675,
        };
        let svgs = svgs_of(&data);
        let svg = &svgs["status"];
        assert_distinct_integer_labels(svg, &format!("max {max}"));
        let clamp = &svgs["clamp"];
        let labels: Vec<String> = svg_texts(clamp).into_iter().filter(|(a, _)| a == "end").map(|(_, l)| l).collect();
        assert!(labels.windows(2).all(|w| w[0] != w[1]), "clamp chart: {labels:?}");
    }
}

#[test]
fn depth_chart_shows_the_cycle_time_and_the_strike_scale_under_the_indices() {
    // A run with strike scaling: the cycle-time panel (the SLA, the breaches) and the scale's; the default's
    // scaled ladder is drawn beside the depth it scales.
    let scaled = charts_of(&shipped("sla_limit_cycle"))["depth"].clone();
    for text in ["cycle time (modelled)", "SLA breach", "depth scaling", "strike scale", "ladder built (ITM)"] {
        assert!(scaled.contains(text), "sla_limit_cycle: no `{text}`");
    }
    assert!(!scaled.contains("memory depth scale"), "sla_limit_cycle has no memory pressure");
    // Memory pressure: its depth scale in the scale panel, and the ladder it scales.
    let memory = charts_of(&shipped("memory_pressure"))["depth"].clone();
    for text in ["depth scaling", "memory depth scale", "ladder built (ITM)"] {
        assert!(memory.contains(text), "memory_pressure: no `{text}`");
    }
    assert!(!memory.contains("strike scale<"), "memory_pressure has no strike scaling");
    // Without either, no scale panel; a ladder that is the depth is not drawn twice.
    let plain = charts_of(&shipped("strike_dropout_recovery"))["depth"].clone();
    assert!(plain.contains("cycle time (modelled)") && !plain.contains("depth scaling"));
    assert!(!plain.contains("ladder built"), "strike_dropout_recovery draws its ladder twice");
}

const ASYMMETRIC: &str = r#"Scenario(
    name: "asymmetric",
    seed: 7,
    start: "2025-10-06T09:15:00+05:30",
    interval_s: 60,
    cycles: 6,
    indices: [(symbol: "NIFTY", expiries: ["this_week"], depth: (itm: 10, otm: 6))],
)"#;

#[test]
fn depth_chart_draws_one_line_when_itm_equals_otm() {
    let symmetric = charts_of(&shipped("healthy_baseline"))["depth"].clone();
    let texts: Vec<String> = svg_texts(&symmetric).into_iter().map(|(_, t)| t).collect();
    assert_eq!(texts.iter().filter(|t| *t == "ITM = OTM").count(), 2, "one per index: {texts:?}");
    assert!(!texts.iter().any(|t| t == "itm" || t == "otm"), "{texts:?}");
    let asymmetric = charts_of(ASYMMETRIC)["depth"].clone();
    let texts: Vec<String> = svg_texts(&asymmetric).into_iter().map(|(_, t)| t).collect();
    assert!(!texts.iter().any(|t| t == "ITM = OTM"), "{texts:?}");
    assert!(texts.iter().any(|t| t == "itm") && texts.iter().any(|t| t == "otm"), "{texts:?}");
}

/// A polyline of the SVG: stroke colour, stroke width and points.
struct Polyline {
    stroke: String,
    width: u32,
    points: Vec<(i32, i32)>,
}

fn polylines(svg: &str) -> Vec<Polyline> {
    let attr = |s: &str, name: &str| -> String {
        s.split(&format!(" {name}=\"")).nth(1).and_then(|a| a.split('"').next()).unwrap_or("").to_string()
    };
    svg.split("<polyline")
        .skip(1)
        .map(|p| {
            let p = p.split("/>").next().unwrap();
            let points = attr(p, "points")
                .split_whitespace()
                .map(|xy| {
                    let (x, y) = xy.split_once(',').unwrap();
                    (x.parse().unwrap(), y.parse().unwrap())
                })
                .collect();
            Polyline { stroke: attr(p, "stroke"), width: attr(p, "stroke-width").parse().unwrap(), points }
        })
        .collect()
}

#[test]
fn coinciding_coverage_series_are_drawn_with_distinct_styles() {
    // healthy_baseline: NIFTY's three expiries have strike and field coverage 1.0 in every cycle.
    let svg = charts_of(&shipped("healthy_baseline"))["coverage"].clone();
    // The y pixel of 1.0 in the first (NIFTY) panel, from its axis label.
    let svg_head = &svg[..svg.find(">\n1.0\n</text>").expect("a 1.0 y label")];
    let one: i32 = svg_head.rsplit(" y=\"").next().unwrap().split('"').next().unwrap().parse().unwrap();
    // Lines of the plot area (not of the legend beside it) near 1.0.
    let right = plot_right(&svg) as i32;
    let near = |l: &Polyline| l.points.iter().all(|(x, y)| *x > 70 && *x <= right && (y - one).abs() <= 12);
    let lines: Vec<Polyline> = polylines(&svg).into_iter().filter(near).collect();
    // Strike lines: one polyline across every cycle (the whole plot width) per expiry, each at its own width.
    let across = |l: &&Polyline| l.points.last().unwrap().0 - l.points[0].0 >= 500;
    let mut strike: Vec<(String, u32)> = lines.iter().filter(across).map(|l| (l.stroke.clone(), l.width)).collect();
    strike.sort();
    let mut widths: Vec<u32> = strike.iter().map(|s| s.1).collect();
    widths.sort_unstable();
    widths.dedup();
    assert_eq!((strike.len(), widths.len()), (3, 3), "three strike lines at distinct widths: {strike:?}");
    // Field lines: dashes (straight two-point pieces) of a length of their own per expiry.
    let mut dashes: std::collections::BTreeMap<&str, std::collections::BTreeMap<i32, usize>> = Default::default();
    let dash = |l: &&Polyline| l.points.len() == 2 && l.points[0].1 == l.points[1].1 && !across(l);
    for l in lines.iter().filter(dash) {
        *dashes.entry(l.stroke.as_str()).or_default().entry((l.points[1].0 - l.points[0].0).abs()).or_default() += 1;
    }
    let modal: Vec<i32> =
        dashes.values().map(|lengths| *lengths.iter().max_by_key(|(len, n)| (**n, **len)).unwrap().0).collect();
    let mut distinct = modal.clone();
    distinct.sort_unstable();
    distinct.dedup();
    assert!(dashes.len() >= 3 && distinct.len() == modal.len(), "field dashes per colour: {dashes:?}");
    // Field markers: closed outlines of distinct shapes and sizes.
    let mut markers: Vec<(usize, i32)> = lines
        .iter()
        .filter(|l| l.points.len() >= 4 && l.points.first() == l.points.last())
        .map(|l| {
            let xs = l.points.iter().map(|p| p.0);
            (l.points.len(), xs.clone().max().unwrap() - xs.min().unwrap())
        })
        .collect();
    markers.sort_unstable();
    markers.dedup();
    assert!(markers.len() >= 3, "three distinct field markers: {markers:?}");
    assert!(svg.contains("(coinciding series overlap)"), "the legend notes the overlap");
}

/// A text element of an SVG: position, anchor, font size (as the SVG writes it) and content.
#[derive(Debug)]
struct SvgText {
    x: f64,
    y: f64,
    anchor: String,
    dy: String,
    size: f64,
    text: String,
}

fn attr<'a>(element: &'a str, name: &str) -> &'a str {
    element.split(&format!(" {name}=\"")).nth(1).and_then(|a| a.split('"').next()).unwrap_or("")
}

fn texts(svg: &str) -> Vec<SvgText> {
    svg.split("<text ")
        .skip(1)
        .map(|t| {
            let (attrs, rest) = t.split_once('>').unwrap();
            let attrs = format!(" {attrs}");
            SvgText {
                x: attr(&attrs, "x").parse().unwrap(),
                y: attr(&attrs, "y").parse().unwrap(),
                anchor: attr(&attrs, "text-anchor").to_string(),
                dy: attr(&attrs, "dy").to_string(),
                size: attr(&attrs, "font-size").parse().unwrap(),
                text: rest.split("</text>").next().unwrap().trim().to_string(),
            }
        })
        .collect()
}

/// The canvas width of an SVG.
fn svg_width(svg: &str) -> f64 {
    attr(svg, "width").parse().unwrap()
}

/// The horizontal extent of a number's text in pixels of the PNG. plotters writes an SVG font size of the
/// drawn size / 1.24, and a DejaVu Sans digit is 0.636 em wide (a sign or point narrower).
fn number_extent(t: &SvgText) -> (f64, f64) {
    let width = t.text.chars().count() as f64 * 0.636 * t.size * 1.24;
    match t.anchor.as_str() {
        "middle" => (t.x - width / 2.0, t.x + width / 2.0),
        "end" => (t.x - width, t.x),
        _ => (t.x, t.x + width),
    }
}

/// The vertical centre of a text (the SVG writes the top, centre or bottom anchor as `dy`).
fn text_centre(t: &SvgText) -> f64 {
    match t.dy.as_str() {
        "0.76em" => t.y + 0.5 * t.size,
        "-0.5ex" => t.y - 0.5 * t.size,
        _ => t.y,
    }
}

/// A rectangle of an SVG: x, y, width, height, fill, stroke and opacity.
#[derive(Debug)]
struct SvgRect {
    x: f64,
    y: f64,
    w: f64,
    h: f64,
    fill: String,
    stroke: String,
    opacity: f64,
}

fn rects(svg: &str) -> Vec<SvgRect> {
    svg.split("<rect")
        .skip(1)
        .map(|r| {
            let r = r.split("/>").next().unwrap();
            SvgRect {
                x: attr(r, "x").parse().unwrap(),
                y: attr(r, "y").parse().unwrap(),
                w: attr(r, "width").parse().unwrap(),
                h: attr(r, "height").parse().unwrap(),
                fill: attr(r, "fill").to_string(),
                stroke: attr(r, "stroke").to_string(),
                opacity: attr(r, "opacity").parse().unwrap_or(1.0),
            }
        })
        .collect()
}

/// The colour swatch beside each of `labels` in a legend: the small opaque filled rectangle left of the label
/// (within 40 px) whose centre is nearest the label's centre.
fn legend_fills(svg: &str, labels: &[&str]) -> std::collections::BTreeMap<String, String> {
    let swatches: Vec<SvgRect> = rects(svg)
        .into_iter()
        .filter(|r| r.opacity == 1.0 && r.w <= 30.0 && r.h <= 20.0 && r.fill.starts_with('#'))
        .collect();
    texts(svg)
        .iter()
        .filter(|t| labels.contains(&t.text.as_str()))
        .map(|t| {
            let centre = text_centre(t);
            let swatch = swatches
                .iter()
                .filter(|r| r.x + r.w <= t.x && r.x + r.w >= t.x - 40.0)
                .min_by(|a, b| {
                    let d = |r: &SvgRect| (r.y + r.h / 2.0 - centre).abs();
                    d(a).total_cmp(&d(b))
                })
                .unwrap_or_else(|| panic!("no swatch beside {:?}", t.text));
            (t.text.clone(), swatch.fill.clone())
        })
        .collect()
}

fn rgb(hex: &str) -> (i32, i32, i32) {
    let c = |k: usize| i32::from_str_radix(&hex[1 + 2 * k..3 + 2 * k], 16).unwrap();
    (c(0), c(1), c(2))
}

const STATUSES: [&str; 4] = ["OK", "PARTIAL", "EMPTY", "SYNTH"];
const REASONS: [&str; 5] = ["low_strike", "low_field", "low_both", "unknown", "prefilter_clamp"];

#[test]
fn statuses_are_green_amber_red_grey_and_reasons_take_other_colours() {
    let svg = charts_of(&shipped("low_both"))["status"].clone();
    let fills = legend_fills(&svg, &[&STATUSES[..], &REASONS[..]].concat());
    assert_eq!(fills.len(), 9, "{fills:?}");
    let (ok, partial, empty, synth) =
        (rgb(&fills["OK"]), rgb(&fills["PARTIAL"]), rgb(&fills["EMPTY"]), rgb(&fills["SYNTH"]));
    assert!(ok.1 > ok.0 + 60 && ok.1 > ok.2, "OK is green: {ok:?}");
    assert!(
        partial.0 > 180 && partial.1 > 110 && partial.1 < partial.0 && partial.2 < 60,
        "PARTIAL is amber: {partial:?}"
    );
    assert!(empty.0 > 150 && empty.1 < empty.0 / 2 + 10 && empty.2 < 60, "EMPTY is red: {empty:?}");
    assert!(synth.0 == synth.1 && synth.1 == synth.2, "SYNTH is grey: {synth:?}");
    let mut all: Vec<&String> = fills.values().collect();
    all.sort();
    all.dedup();
    assert_eq!(all.len(), 9, "statuses and reasons each have a colour of their own: {fills:?}");
    // The bars take their legend's colours: the statuses panel draws OK and PARTIAL, the reasons panel low_both.
    let bar_fills = |top: f64, bottom: f64| -> Vec<String> {
        let mut f: Vec<String> = rects(&svg)
            .into_iter()
            .filter(|r| r.opacity == 1.0 && r.w > 30.0 && r.y >= top && r.y + r.h <= bottom && r.fill.starts_with('#'))
            .filter(|r| r.fill != "#FFFFFF")
            .map(|r| r.fill)
            .collect();
        f.sort();
        f.dedup();
        f
    };
    let height: f64 = attr(&svg, "height").parse().unwrap();
    let mut statuses = vec![fills["OK"].clone(), fills["PARTIAL"].clone()];
    statuses.sort();
    assert_eq!(bar_fills(0.0, height / 2.0), statuses);
    assert_eq!(bar_fills(height / 2.0, height), [fills["low_both"].clone()]);
}

/// The right end of the plot areas: the x axes (black horizontal lines 200 px or longer).
fn plot_right(svg: &str) -> f64 {
    polylines(svg)
        .into_iter()
        .filter(|l| l.stroke == "#000000" && l.points.len() == 2 && l.points[0].1 == l.points[1].1)
        .filter(|l| (l.points[1].0 - l.points[0].0).abs() >= 200)
        .map(|l| f64::from(l.points[0].0.max(l.points[1].0)))
        .fold(f64::NAN, f64::max)
}

#[test]
fn legends_stand_beside_the_plot_areas() {
    for (scenario, charts) in [
        (
            "strike_dropout_recovery",
            [
                ("depth", vec!["baseline", "ITM = OTM", "expansion", "contraction", "fault window"]),
                ("coverage", vec!["strike OK threshold 0.75", "this_week strike", "this_week field", "fault window"]),
                ("status", [&STATUSES[..], &REASONS[..], &["fault window"]].concat()),
                ("clamp", vec!["original", "kept", "fault window"]),
            ],
        ),
        (
            "healthy_baseline",
            [
                ("depth", vec!["baseline", "ITM = OTM", "expansion", "contraction"]),
                ("coverage", vec!["expansion trigger 0.675", "next_month strike", "next_month field"]),
                ("status", [&STATUSES[..], &REASONS[..]].concat()),
                ("clamp", vec!["original", "kept"]),
            ],
        ),
    ] {
        let svgs = charts_of(&shipped(scenario));
        for (chart, labels) in charts {
            let svg = &svgs[chart];
            let right = plot_right(svg);
            assert!(right > 500.0, "{scenario} {chart}: the x axis ends at {right}");
            for label in &labels {
                let found: Vec<SvgText> = texts(svg).into_iter().filter(|t| t.text == *label).collect();
                assert!(!found.is_empty(), "{scenario} {chart}: no legend label {label:?}");
                for t in found {
                    assert!(
                        t.x > right,
                        "{scenario} {chart}: {label:?} at x {} is over the plot area (to {right})",
                        t.x
                    );
                }
            }
            let fault = texts(svg).iter().any(|t| t.text == "fault window");
            assert_eq!(fault, scenario != "healthy_baseline", "{scenario} {chart}: a fault window entry where shaded");
        }
    }
}

#[test]
fn titles_mention_fault_windows_only_when_there_are_some() {
    let depth = |scenario: &str| charts_of(&shipped(scenario))["depth"].clone();
    assert!(!depth("healthy_baseline").contains("(shaded"), "healthy_baseline has no fault windows");
    assert!(depth("strike_dropout_recovery").contains("(shaded: fault windows)"));
}

/// A steady run of `n` cycles: one index, four expiries covered in full, every expiry OK, no fault.
fn steady_run(n: u64) -> g6sim::plot::PlotData {
    let expiries: Vec<serde_json::Value> = ["this_week", "next_week", "this_month", "next_month"]
        .iter()
        .map(|r| serde_json::json!({"rule": r, "strike_coverage": 1.0, "field_coverage": 1.0}))
        .collect();
    let cycles: Vec<serde_json::Value> = (1..=n)
        .map(|c| {
            serde_json::json!({"cycle": c,
                "indices": [{"index": "NIFTY", "depth": {"itm": 10, "otm": 10}, "baseline": {"itm": 10},
                             "expiries": expiries}],
                "expiry_status_totals": {"ok": 4, "partial": 0, "empty": 0, "synth": 0},
                "partial_reason_totals":
                    {"low_both": 0, "low_field": 0, "low_strike": 0, "prefilter_clamp": 0, "unknown": 0}})
        })
        .collect();
    let manifest = serde_json::json!({"scenario": {"name": "steady"}, "config": {}});
    g6sim::plot::PlotData::from_json(&cycles, &[], &manifest).unwrap()
}

#[test]
fn a_long_run_draws_no_per_cycle_marks_and_its_last_tick_label_fits() {
    let svgs = svgs_of(&steady_run(10_000));
    for chart in CHARTS {
        let svg = &svgs[chart];
        let width = svg_width(svg);
        let numbers: Vec<SvgText> = texts(svg).into_iter().filter(|t| t.text.parse::<f64>().is_ok()).collect();
        // The tick labels end left of the legend boxes (and of the canvas's right edge).
        let border = "#AAAAAA"; // the legend boxes' light grey outline
        let legend =
            rects(svg).into_iter().filter(|r| r.stroke == border && r.w > 60.0).map(|r| r.x).fold(width, f64::min);
        assert!(legend < width, "{chart}: a legend box");
        assert!(numbers.iter().any(|t| t.text == "10000"), "{chart}: the last cycle is labelled");
        for t in &numbers {
            let (left, right) = number_extent(t);
            assert!(
                left >= 0.0 && right <= legend,
                "{chart}: label {:?} spans {left}..{right}, the legend starts at {legend}",
                t.text
            );
        }
        assert!(!svg.contains("(shaded"), "{chart}: no fault windows to shade");
    }
    let coverage = &svgs["coverage"];
    let markers =
        polylines(coverage).iter().filter(|l| l.points.len() >= 4 && l.points.first() == l.points.last()).count();
    assert_eq!(markers, 0, "0.09 px per cycle: field markers would merge into a band");
    let status = &svgs["status"];
    let bars =
        rects(status).iter().filter(|r| r.opacity == 1.0 && r.fill.starts_with('#') && r.fill != "#FFFFFF").count();
    assert!(bars < 50, "steady counts are drawn as one band per layer, not a bar per cycle: {bars} rectangles");
}
