//! Charts: every run can draw them, SVG bytes are identical across runs, PNGs are real pictures, and the
//! committed `plots/` match what the code draws today.

use crate::common::*;
use std::path::Path;
use std::process::Command;

const CHARTS: [&str; 4] = ["depth", "coverage", "status", "clamp"];

fn g6sim(args: &[&str]) -> std::process::Output {
    Command::new(bin()).args(args).current_dir(root()).output().unwrap()
}

fn run_with_plots(dir: &Path, scenario: &str) {
    let out = g6sim(&["run", scenario, "-q", "--plots", "--out", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn svg_is_byte_identical_across_runs_and_plot_redraws_a_run_dir() {
    let (a, b) = (temp_dir("plots-a"), temp_dir("plots-b"));
    run_with_plots(&a, "scenarios/strike_dropout_recovery.ron");
    run_with_plots(&b, "scenarios/strike_dropout_recovery.ron");
    for chart in CHARTS {
        let name = format!("plots/{chart}.svg");
        let svg = std::fs::read(a.join(&name)).unwrap();
        assert_eq!(svg, std::fs::read(b.join(&name)).unwrap(), "{name}");
        let text = String::from_utf8(svg).unwrap();
        assert!(text.starts_with("<svg") && text.contains("<text"), "{name} has text");
        assert!(text.contains("strike_dropout_recovery"), "{name} has its title");
    }
    let depth = std::fs::read_to_string(a.join("plots/depth.svg")).unwrap();
    for label in ["strikes per side", "cycle", "baseline", "itm", "otm", "expansion", "contraction", "strike dropout"] {
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
    for (chart, height) in [("depth", 640), ("coverage", 640), ("status", 640), ("clamp", 360)] {
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

#[test]
fn committed_plots_match_what_the_code_draws() {
    let dir = temp_dir("plots-committed");
    let out = g6sim(&["check", "--plots", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));
    let committed = root().join("plots");
    let mut compared = 0;
    for scenario in std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name()) {
        for chart in CHARTS {
            let rel = Path::new(&scenario).join(format!("{chart}.svg"));
            let fresh = std::fs::read(dir.join(&rel)).unwrap();
            let old = std::fs::read(committed.join(&rel)).unwrap_or_else(|_| {
                panic!("plots/{} is missing: run `cargo run --release -- check --plots plots`", rel.display())
            });
            assert!(fresh == old, "plots/{} is stale: run `cargo run --release -- check --plots plots`", rel.display());
            compared += 1;
        }
    }
    assert!(compared >= 32, "{compared}");
}
