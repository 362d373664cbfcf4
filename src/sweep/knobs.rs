//! The importance chart of a Saltelli sweep (`--importance N`): which knob matters, per score. One chart per
//! score the recommendation weighs first and for flips per 10 cycles, `DIR/importance/<score>.svg` and
//! `.png`: for each swept key (in `--param` order) two bars side by side, its first-order Sobol index (the
//! share of the score's variance the key explains alone; light) and its total index (with every interaction
//! it takes part in; dark), each with its 95% bootstrap interval as a whisker. A score the design does not
//! move has no chart.

use super::heatmap::{color_at, number};
use super::importance::Index;
use super::results::{Importance, Ranking, SweepManifest};
use crate::plot::{DrawResult, Error, FONT, err, register_font, remove_unwritten, title, write_svg_png};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::path::{Path, PathBuf};

/// The subdirectory of a sweep directory holding the importance charts.
pub(crate) const IMPORTANCE: &str = "importance";

const WIDTH: u32 = 1000;
const HEIGHT: u32 = 600;

/// The scores charted: the one the recommendation minimizes first, and flips per 10 cycles.
pub(crate) fn charted(ranking: &Ranking) -> Vec<&'static str> {
    let objective = ranking.objective_score();
    if objective == "flips_per_10" { vec![objective] } else { vec![objective, "flips_per_10"] }
}

/// Draws the importance charts (module doc) and removes the ones this sweep does not draw; returns the files
/// written, each chart's SVG then PNG.
pub(crate) fn render_sweep(
    dir: &Path,
    manifest: &SweepManifest,
    importance: Option<&Importance>,
    ranking: &Ranking,
) -> DrawResult<Vec<PathBuf>> {
    let out = dir.join(IMPORTANCE);
    let mut written = Vec::new();
    if let Some(importance) = importance {
        register_font();
        let rows = manifest.design.as_ref().map_or(0, |d| d.n);
        for score in charted(ranking) {
            let Some(by_key) = importance.of_score(score) else { continue };
            std::fs::create_dir_all(&out).map_err(|source| Error::Write { path: out.clone(), source })?;
            let heading = format!("{}: which knob matters for {score}", manifest.scenario);
            let subtitle = format!(
                "Sobol indices, {rows} Saltelli rows, {}; light: first order, dark: total; whiskers: 95%",
                ranking.basis()
            );
            let bars = &by_key.0;
            let files = write_svg_png(
                &out,
                score,
                (WIDTH, HEIGHT),
                |a| draw(bars, &heading, &subtitle, a),
                |a| draw(bars, &heading, &subtitle, a),
            )?;
            written.extend(files);
        }
    }
    let ours = |p: &Path| {
        p.extension().is_some_and(|x| x == "svg" || x == "png")
            && p.file_stem()
                .and_then(|s| s.to_str())
                .is_some_and(|s| crate::scoring::score::Score::ALL.iter().any(|score| score.info().name == s))
    };
    remove_unwritten(&out, &written, ours)?;
    Ok(written)
}

/// Draws one score's bars.
fn draw<DB: DrawingBackend>(
    bars: &[(String, Index)],
    heading: &str,
    subtitle: &str,
    canvas: &DrawingArea<DB, Shift>,
) -> DrawResult<()> {
    canvas.fill(&WHITE).map_err(err)?;
    let area = title(canvas, heading)?;
    let area = area.titled(subtitle, (FONT, 13)).map_err(err)?;
    let finite = |v: f64| if v.is_finite() { v } else { 0.0 };
    let lo =
        bars.iter().flat_map(|(_, i)| [i.first_ci[0], i.total_ci[0], i.first, i.total]).map(finite).fold(0.0, f64::min);
    let hi =
        bars.iter().flat_map(|(_, i)| [i.first_ci[1], i.total_ci[1], i.first, i.total]).map(finite).fold(1.0, f64::max);
    let keys: Vec<&str> = bars.iter().map(|(k, _)| k.as_str()).collect();
    let mut chart = ChartBuilder::on(&area)
        .margin(12)
        .x_label_area_size(46)
        .y_label_area_size(60)
        .build_cartesian_2d(0.0..keys.len().max(1) as f64, lo..hi * 1.05)
        .map_err(err)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .y_max_light_lines(1)
        .x_labels(keys.len().max(1) * 2 + 1)
        .x_label_formatter(&|x| {
            let k = (x - 0.5).round();
            if (x - 0.5 - k).abs() < 1e-9 && k >= 0.0 {
                keys.get(k as usize).copied().unwrap_or("").to_string()
            } else {
                String::new()
            }
        })
        .y_desc("share of the variance")
        .y_label_formatter(&|y| number(*y))
        .label_style((FONT, 13))
        .axis_desc_style((FONT, 14))
        .draw()
        .map_err(err)?;
    let (light, dark) = (color_at(0.3), color_at(0.85));
    for (k, (_, index)) in bars.iter().enumerate() {
        let x = k as f64;
        for (offset, value, ci, color) in
            [(0.15, index.first, index.first_ci, light), (0.5, index.total, index.total_ci, dark)]
        {
            let value = finite(value);
            chart
                .draw_series([Rectangle::new([(x + offset, 0.0), (x + offset + 0.33, value)], color.filled())])
                .map_err(err)?;
            chart
                .draw_series([Rectangle::new([(x + offset, 0.0), (x + offset + 0.33, value)], BLACK.stroke_width(1))])
                .map_err(err)?;
            let mid = x + offset + 0.165;
            let (a, b) = (finite(ci[0]), finite(ci[1]));
            chart
                .draw_series([
                    PathElement::new([(mid, a), (mid, b)], BLACK.stroke_width(2)),
                    PathElement::new([(mid - 0.06, a), (mid + 0.06, a)], BLACK.stroke_width(2)),
                    PathElement::new([(mid - 0.06, b), (mid + 0.06, b)], BLACK.stroke_width(2)),
                ])
                .map_err(err)?;
            let style = (FONT, 12).into_font().color(&BLACK).pos(Pos::new(HPos::Center, VPos::Bottom));
            chart
                .draw_series([EmptyElement::at((mid, value.max(b))) + Text::new(number(value), (0, -4), style)])
                .map_err(err)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_charted_scores_are_the_objective_and_flips() {
        let ranking =
            Ranking { members: 1, aggregate: super::super::Aggregate::Mean, constraints: Vec::new(), objective: None };
        assert_eq!(charted(&ranking), ["mean_depth", "flips_per_10"]);
        let flips = Ranking { objective: Some("flips_per_10_worst".into()), ..ranking };
        assert_eq!(charted(&flips), ["flips_per_10"]);
    }
}
