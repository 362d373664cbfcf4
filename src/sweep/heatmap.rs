//! Heat maps of a sweep: how the scores move when two swept keys change together, the other keys held at
//! the recommended setting's values.
//!
//! One chart per pair of swept keys (`i < j`, in `--param` order), `DIR/heatmaps/<key_i>__<key_j>.svg` and
//! `.png`, with a panel per objective of the Pareto front and the recommendation ([`OBJECTIVES`]), side by
//! side, each titled with its score's caption: **flips per 10 cycles** (the hysteresis question), **mean
//! depth** (strikes per side: the cost) and **PARTIAL expiry-cycles per run** (the coverage lost), each a mean
//! over the seeds. In every panel the
//! first key runs along x and the second along y, the tick labels are the swept values in sweep order
//! (categorical), each cell is coloured on the panel's own scale (light yellow = the panel's smallest value,
//! dark red = its largest: lighter is better, every score being better smaller) and shows its value, the
//! colour scale is drawn to the right, and the recommended setting's cell is outlined in blue. The title names
//! the pair and the fixed keys' values.
//!
//! When a sweep's runs breached their SLA or scaled their strikes, a second row of panels shows **SLA breaches
//! per run** and **strike scale changes per run** ([`SLA_SCORES`]) the same way.
//!
//! A sweep of one key draws `DIR/heatmaps/<key>.svg` and `.png` instead: the same scores as bars over the
//! key's values, the recommended value's bar outlined. A sweep of no key draws nothing, and neither does one
//! of a drawn design (`--sample`, `--importance`): its settings are no grid.

use super::{Recommendation, SettingResult, SweepManifest};
use crate::plot::{DrawResult, Error, FONT, err, palette, register_font, remove_unwritten, title, write_svg_png};
use crate::scoring::score::{OBJECTIVES, Score};
use plotters::coord::Shift;
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint};
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::path::{Path, PathBuf};

/// The subdirectory of a sweep directory holding the heat maps.
pub(crate) const HEATMAPS: &str = "heatmaps";

const WIDTH: u32 = 1500;
const HEIGHT: u32 = 600;
/// Width of the colour scale at the right of each heat map panel.
const SCALE_WIDTH: u32 = 95;

/// A panel's title.
fn caption(score: Score) -> &'static str {
    score.info().caption
}

/// The colour of `t` in 0..=1 on the scale (linear between its stops).
pub(super) fn color_at(t: f64) -> RGBColor {
    let t = if t.is_finite() { t.clamp(0.0, 1.0) } else { 0.0 };
    let scale = palette::SEQUENTIAL;
    let x = t * (scale.len() - 1) as f64;
    let k = (x.floor() as usize).min(scale.len() - 2);
    let f = x - k as f64;
    let mix = |a: u8, b: u8| (f64::from(a) + (f64::from(b) - f64::from(a)) * f).round() as u8;
    let (a, b) = (scale[k], scale[k + 1]);
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// Black text on light cells, white on dark ones.
fn text_color(c: RGBColor) -> RGBColor {
    let luma = 0.299 * f64::from(c.0) + 0.587 * f64::from(c.1) + 0.114 * f64::from(c.2);
    if luma < 140.0 { WHITE } else { BLACK }
}

/// A score as printed: at most two decimals, no trailing zeros.
pub(super) fn number(v: f64) -> String {
    if !v.is_finite() {
        return "n/a".into();
    }
    let s = format!("{v:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.into() }
}

/// The range of a panel's colour scale: the finite values' smallest and largest.
pub(super) fn bounds(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) =
        values.filter(|v| v.is_finite()).fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)));
    if lo.is_finite() { (lo, hi) } else { (0.0, 0.0) }
}

pub(super) fn scale_position(v: f64, (lo, hi): (f64, f64)) -> f64 {
    if hi > lo { (v - lo) / (hi - lo) } else { 0.0 }
}

/// A file stem from a key: characters other than letters, digits, `_`, `-` and `.` become `_`.
fn stem(key: &str) -> String {
    key.chars().map(|c| if c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.') { c } else { '_' }).collect()
}

/// The file stems of a sweep over `keys`: one per pair with two keys or more, the key alone with one.
pub(crate) fn stems(keys: &[&str]) -> Vec<String> {
    match keys {
        [] => Vec::new(),
        [key] => vec![stem(key)],
        _ => (0..keys.len())
            .flat_map(|i| (i + 1..keys.len()).map(move |j| (i, j)))
            .map(|(i, j)| format!("{}__{}", stem(keys[i]), stem(keys[j])))
            .collect(),
    }
}

/// The sweep's grid: settings numbered first key slowest, as the plan numbers them.
struct Grid<'a> {
    manifest: &'a SweepManifest,
    results: &'a [SettingResult],
    /// The value index of each key in the setting the other keys are held at.
    anchor: Vec<usize>,
    recommended: Option<usize>,
}

/// The scores of the panels' second row, drawn when some setting's runs have them: the SLA's.
pub(crate) const SLA_SCORES: [Score; 2] = [Score::BreachCycles, Score::ScaleChanges];

impl Grid<'_> {
    /// The rows of panels: the objectives, then the SLA scores when any setting has one above 0.
    fn rows(&self) -> Vec<&'static [Score]> {
        let sla = SLA_SCORES.iter().any(|&score| self.results.iter().any(|r| r.mean(score) > 0.0));
        if sla { vec![&OBJECTIVES, &SLA_SCORES] } else { vec![&OBJECTIVES] }
    }

    /// The panels, in rows of as many as the objectives, each with the score it shows.
    fn panels<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Vec<(Score, DrawingArea<DB, Shift>)> {
        let rows = self.rows();
        let mut panels = Vec::new();
        for (row, scores) in area.split_evenly((rows.len(), 1)).into_iter().zip(rows) {
            panels.extend(scores.iter().copied().zip(row.split_evenly((1, OBJECTIVES.len()))));
        }
        panels
    }

    fn setting(&self, digits: &[usize]) -> usize {
        digits.iter().zip(&self.manifest.params).fold(0, |n, (d, (_, values))| n * values.len() + d)
    }

    fn digits(&self, mut setting: usize) -> Vec<usize> {
        let mut digits = vec![0; self.manifest.params.len()];
        for (d, (_, values)) in digits.iter_mut().zip(&self.manifest.params).rev() {
            *d = setting % values.len().max(1);
            setting /= values.len().max(1);
        }
        digits
    }

    fn result(&self, digits: &[usize]) -> Option<&SettingResult> {
        self.results.get(self.setting(digits))
    }

    /// The line under the title: what a value is, which way is better, what the outline marks.
    fn subtitle(&self, better: &str) -> String {
        let seeds = self.manifest.seeds.len();
        let plural = if seeds == 1 { "" } else { "s" };
        let mut line = format!("means over {seeds} seed{plural} per setting");
        if !self.manifest.members.is_empty() {
            let rule = self.manifest.aggregate.unwrap_or_default().name();
            line.push_str(&format!(", then the {rule} of {} members", self.manifest.members.len()));
        }
        line.push_str(&format!("; {better}"));
        if let Some(s) = self.recommended {
            line.push_str(&format!("; outlined in blue: the recommended setting ({s})"));
        }
        line
    }
}

/// Draws the heat maps of a sweep into `DIR/heatmaps/` (see the module doc) and removes the charts an
/// earlier sweep of other keys left there; returns the files written, each chart's SVG then PNG.
pub(crate) fn render_sweep(
    dir: &Path,
    manifest: &SweepManifest,
    results: &[SettingResult],
    recommended: Option<&Recommendation>,
) -> DrawResult<Vec<PathBuf>> {
    let out = dir.join(HEATMAPS);
    let keys: Vec<&str> = manifest.params.iter().map(|(k, _)| k.as_str()).collect();
    let mut written = Vec::new();
    // A drawn design is no grid; a halving's settings ran different seeds, so its cells would not compare.
    if !keys.is_empty() && results.len() == manifest.settings && manifest.design.is_none() && manifest.halving.is_none()
    {
        register_font();
        std::fs::create_dir_all(&out).map_err(|source| Error::Write { path: out.clone(), source })?;
        let mut grid = Grid { manifest, results, anchor: Vec::new(), recommended: recommended.map(|r| r.setting) };
        grid.anchor = grid.digits(grid.recommended.unwrap_or(0));
        let pairs: Vec<(usize, usize)> =
            (0..keys.len()).flat_map(|i| (i + 1..keys.len()).map(move |j| (i, j))).collect();
        let height = HEIGHT * grid.rows().len() as u32;
        for (name, pair) in stems(&keys).iter().zip(pairs.iter().map(Some).chain(std::iter::repeat(None))) {
            let files = match pair {
                Some(&(i, j)) => write_svg_png(
                    &out,
                    name,
                    (WIDTH, height),
                    |a| draw_pair(&grid, i, j, a),
                    |a| draw_pair(&grid, i, j, a),
                )?,
                None => {
                    write_svg_png(&out, name, (WIDTH, height), |a| draw_single(&grid, a), |a| draw_single(&grid, a))?
                }
            };
            written.extend(files);
        }
    }
    remove_stale(&out, &written)?;
    Ok(written)
}

/// Removes the heat maps of `DIR/heatmaps/` not written by this sweep: `.svg` and `.png` files named as a
/// sweep names them (configuration keys joined by `__`). Nothing else.
fn remove_stale(out: &Path, written: &[PathBuf]) -> DrawResult<()> {
    let keys = crate::config::key_names();
    let is_key = |k: &str| keys.contains(&k) || k.strip_prefix("strike_step.").is_some_and(|s| !s.is_empty());
    let is_heatmap = |p: &Path| {
        p.extension().is_some_and(|x| x == "svg" || x == "png")
            && p.file_stem().and_then(|s| s.to_str()).is_some_and(|s| s.split("__").all(is_key))
    };
    remove_unwritten(out, written, is_heatmap)
}

/// A categorical axis of `n` values: 0..n, one cell per value, a tick label at the centre of every cell.
#[derive(Clone, Copy)]
struct Categories(usize);

impl Ranged for Categories {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        RangedCoordf64::from(self.range()).map(value, limit)
    }

    fn key_points<Hint: KeyPointHint>(&self, _hint: Hint) -> Vec<f64> {
        (0..self.0).map(|k| k as f64 + 0.5).collect()
    }

    fn range(&self) -> std::ops::Range<f64> {
        0.0..self.0.max(1) as f64
    }
}

fn categories(n: usize) -> Categories {
    Categories(n)
}

/// The value whose cell is centred at `x`.
fn category(values: &[String], x: f64) -> String {
    let k = x.floor();
    if k >= 0.0 { values.get(k as usize).cloned().unwrap_or_default() } else { String::new() }
}

fn draw_pair<DB: DrawingBackend>(grid: &Grid, i: usize, j: usize, area: &DrawingArea<DB, Shift>) -> DrawResult<()> {
    let params = &grid.manifest.params;
    let ((x_key, x_values), (y_key, y_values)) = (&params[i], &params[j]);
    let fixed: Vec<String> = params
        .iter()
        .enumerate()
        .filter(|(k, _)| *k != i && *k != j)
        .map(|(k, (key, values))| format!("{key}={}", values[grid.anchor[k]]))
        .collect();
    let held = match (fixed.is_empty(), grid.recommended.is_some()) {
        (true, _) => String::new(),
        (false, true) => format!(", {} (as in the recommended setting)", fixed.join(" ")),
        (false, false) => format!(", {}", fixed.join(" ")),
    };
    let area = title(area, &format!("{}: {x_key} x {y_key}{held}", grid.manifest.scenario))?;
    let area = area.titled(&grid.subtitle("colour: light = smaller = better"), (FONT, 14)).map_err(err)?;
    for (score, panel) in &grid.panels(&area) {
        let score = *score;
        let mut cells = Vec::new();
        for a in 0..x_values.len() {
            for b in 0..y_values.len() {
                let mut digits = grid.anchor.clone();
                (digits[i], digits[j]) = (a, b);
                let Some(r) = grid.result(&digits) else { continue };
                cells.push(Cell { x: a, y: b, value: r.mean(score), recommended: grid.recommended == Some(r.setting) });
            }
        }
        heat_panel(panel, caption(score), (x_key, x_values), (y_key, y_values), &cells)?;
    }
    Ok(())
}

struct Cell {
    x: usize,
    y: usize,
    value: f64,
    recommended: bool,
}

fn heat_panel<DB: DrawingBackend>(
    panel: &DrawingArea<DB, Shift>,
    caption: &str,
    (x_key, x_values): (&str, &[String]),
    (y_key, y_values): (&str, &[String]),
    cells: &[Cell],
) -> DrawResult<()> {
    let width = panel.dim_in_pixel().0;
    let (heat, scale) = panel.split_horizontally(width.saturating_sub(SCALE_WIDTH));
    let range = bounds(cells.iter().map(|c| c.value));
    let mut chart = ChartBuilder::on(&heat)
        .caption(caption, (FONT, 16))
        .margin(8)
        .margin_right(4)
        .x_label_area_size(46)
        .y_label_area_size(64)
        .build_cartesian_2d(categories(x_values.len()), categories(y_values.len()))
        .map_err(err)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .disable_y_mesh()
        .x_desc(x_key)
        .y_desc(y_key)
        .x_label_formatter(&|x| category(x_values, *x))
        .y_label_formatter(&|y| category(y_values, *y))
        .label_style((FONT, 13))
        .axis_desc_style((FONT, 14))
        .draw()
        .map_err(err)?;
    // The cell's width in pixels decides whether its value fits in it.
    let plot = chart.plotting_area().dim_in_pixel();
    let cell_px = (f64::from(plot.0) / x_values.len().max(1) as f64, f64::from(plot.1) / y_values.len().max(1) as f64);
    let fill = |c: &Cell| {
        if c.value.is_finite() { color_at(scale_position(c.value, range)) } else { palette::MISSING }
    };
    chart
        .draw_series(cells.iter().map(|c| {
            let (x, y) = (c.x as f64, c.y as f64);
            Rectangle::new([(x, y), (x + 1.0, y + 1.0)], fill(c).filled())
        }))
        .map_err(err)?;
    // Thin white grid lines between the cells.
    chart
        .draw_series(cells.iter().map(|c| {
            let (x, y) = (c.x as f64, c.y as f64);
            Rectangle::new([(x, y), (x + 1.0, y + 1.0)], WHITE.stroke_width(1))
        }))
        .map_err(err)?;
    let font_px = if cell_px.1 >= 24.0 { 13.0 } else { 11.0 };
    for c in cells {
        let label = number(c.value);
        // DejaVu digits are about 0.64 em wide.
        if (label.len() as f64) * 0.64 * font_px + 4.0 > cell_px.0 || cell_px.1 < font_px + 2.0 {
            continue;
        }
        let style = (FONT, font_px).into_font().color(&text_color(fill(c))).pos(Pos::new(HPos::Center, VPos::Center));
        chart
            .draw_series(std::iter::once(Text::new(label, (c.x as f64 + 0.5, c.y as f64 + 0.5), style)))
            .map_err(err)?;
    }
    if let Some(c) = cells.iter().find(|c| c.recommended) {
        let outline = outline((c.x as f64, c.y as f64), (c.x as f64 + 1.0, c.y as f64 + 1.0));
        chart.draw_series(std::iter::once(outline)).map_err(err)?;
    }
    color_scale(&scale, range)
}

/// The recommended setting's outline around the box from `a` to `b`: a closed 4 px path (an SVG `rect`
/// would lose the stroke width). No edge is drawn twice: the bitmap backend fills a wide path as one polygon,
/// and an edge drawn twice cancels out.
fn outline((x0, y0): (f64, f64), (x1, y1): (f64, f64)) -> PathElement<(f64, f64)> {
    PathElement::new(vec![(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)], palette::RECOMMENDED.stroke_width(4))
}

/// The colour scale of a panel: the gradient from its smallest to its largest value, with value ticks. Its
/// margins line it up with a chart built with an 8 px margin, a 16 px caption and a 46 px x label area.
pub(super) fn color_scale<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, (lo, hi): (f64, f64)) -> DrawResult<()> {
    let (y0, y1) = if hi > lo { (lo, hi) } else { (lo - 0.5, lo + 0.5) };
    let mut chart = ChartBuilder::on(area)
        .margin_top(8 + 16 + 8)
        .margin_bottom(8 + 46)
        .margin_right(8)
        .y_label_area_size(48)
        .right_y_label_area_size(0)
        .build_cartesian_2d(0.0..1.0, y0..y1)
        .map_err(err)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .disable_y_mesh()
        .disable_x_axis()
        .y_labels(if hi > lo { 6 } else { 0 })
        .y_label_formatter(&|y| number(*y))
        .set_all_tick_mark_size(5)
        .label_style((FONT, 12))
        .draw()
        .map_err(err)?;
    const STEPS: usize = 64;
    let step = (y1 - y0) / STEPS as f64;
    chart
        .draw_series((0..STEPS).map(|k| {
            let (a, b) = (y0 + k as f64 * step, y0 + (k + 1) as f64 * step);
            let t = scale_position((a + b) / 2.0, (lo, hi));
            Rectangle::new([(0.0, a), (1.0, b)], color_at(t).filled())
        }))
        .map_err(err)?;
    chart.draw_series(std::iter::once(Rectangle::new([(0.0, y0), (1.0, y1)], BLACK.stroke_width(1)))).map_err(err)?;
    if hi <= lo {
        // Every cell has the same value: one tick names it instead of ticks over an invented range.
        let style = (FONT, 12).into_font().color(&BLACK).pos(Pos::new(HPos::Right, VPos::Center));
        let tick = EmptyElement::at((0.0, lo))
            + PathElement::new(vec![(-5, 0), (0, 0)], BLACK.stroke_width(1))
            + Text::new(number(lo), (-8, 0), style);
        chart.draw_series(std::iter::once(tick)).map_err(err)?;
    }
    Ok(())
}

/// One swept key: each score as bars over the key's values, the recommended value's bar outlined.
fn draw_single<DB: DrawingBackend>(grid: &Grid, area: &DrawingArea<DB, Shift>) -> DrawResult<()> {
    let (key, values) = &grid.manifest.params[0];
    let area = title(area, &format!("{}: scores over {key} (heat maps need two swept keys)", grid.manifest.scenario))?;
    let area = area.titled(&grid.subtitle("smaller is better"), (FONT, 14)).map_err(err)?;
    for (score, panel) in &grid.panels(&area) {
        let score = *score;
        let bars: Vec<(usize, f64, bool)> = (0..values.len())
            .filter_map(|k| grid.result(&[k]).map(|r| (k, r.mean(score), grid.recommended == Some(r.setting))))
            .collect();
        let top = bars.iter().map(|b| b.1).filter(|v| v.is_finite()).fold(0.0, f64::max);
        let top = if top > 0.0 { top * 1.15 } else { 1.0 };
        let mut chart = ChartBuilder::on(panel)
            .caption(caption(score), (FONT, 16))
            .margin(8)
            .x_label_area_size(46)
            .y_label_area_size(60)
            .build_cartesian_2d(categories(values.len()), 0.0..top)
            .map_err(err)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .y_max_light_lines(1)
            .x_desc(key.as_str())
            .y_desc(caption(score))
            .x_label_formatter(&|x| category(values, *x))
            .y_label_formatter(&|y| number(*y))
            .label_style((FONT, 13))
            .axis_desc_style((FONT, 14))
            .draw()
            .map_err(err)?;
        let bar = |k: usize, v: f64| [(k as f64 + 0.15, 0.0), (k as f64 + 0.85, if v.is_finite() { v } else { 0.0 })];
        chart
            .draw_series(bars.iter().map(|&(k, v, _)| Rectangle::new(bar(k, v), color_at(0.45).filled())))
            .map_err(err)?;
        chart
            .draw_series(bars.iter().filter(|b| b.2).map(|&(k, v, _)| {
                let [a, b] = bar(k, v);
                outline(a, b)
            }))
            .map_err(err)?;
        let style = (FONT, 12).into_font().color(&BLACK).pos(Pos::new(HPos::Center, VPos::Bottom));
        chart
            .draw_series(bars.iter().map(|&(k, v, _)| {
                EmptyElement::at((k as f64 + 0.5, if v.is_finite() { v } else { 0.0 }))
                    + Text::new(number(v), (0, -5), style.clone())
            }))
            .map_err(err)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scale_runs_light_to_dark_and_numbers_print_short() {
        assert_eq!(color_at(0.0), RGBColor(255, 255, 204));
        assert_eq!(color_at(1.0), RGBColor(128, 0, 38));
        assert_eq!(color_at(f64::NAN), color_at(0.0));
        assert_eq!((text_color(color_at(0.0)), text_color(color_at(1.0))), (BLACK, WHITE));
        assert_eq!([number(0.4), number(12.0), number(1.256), number(f64::NAN)], ["0.4", "12", "1.26", "n/a"]);
        assert_eq!(bounds([3.0, f64::NAN, 1.0].into_iter()), (1.0, 3.0));
        assert_eq!(scale_position(2.0, (2.0, 2.0)), 0.0);
    }

    /// The panels colour light = smaller = better and the bars read "smaller is better": every objective is
    /// better lower.
    #[test]
    fn every_objective_is_better_lower() {
        for score in OBJECTIVES {
            assert_eq!(score.info().better, crate::scoring::score::Better::Lower, "{score:?}");
        }
    }

    #[test]
    fn stems_name_every_pair_in_param_order() {
        assert_eq!(stems(&["a", "b", "c"]), ["a__b", "a__c", "b__c"]);
        assert_eq!(stems(&["a.b/c"]), ["a.b_c"]);
        assert!(stems(&[]).is_empty());
    }
}
