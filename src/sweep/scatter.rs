//! The Pareto scatter chart of a sweep: every setting as a point of two objectives (x and y, both better
//! lower), the third objective as its colour, on the heat maps' scale (light = smaller = better).
//!
//! A feasible setting (one that meets every constraint) is a filled circle with a thin dark edge, coloured by
//! its value of the third objective; the colour scale stands at the right, labelled with that objective's
//! caption. An infeasible setting is a grey cross. The Pareto front of the plotted pair among the feasible
//! settings ([`front_2d`]) is drawn as a step line through its points, left to right; the settings on the
//! front of all three objectives are ringed in dark grey, the settings indistinguishable from the
//! recommended one in light blue, and the recommended setting in a thicker blue ring, labelled with its
//! setting number. A legend beside the plot names the markers the chart has (and notes when no setting is
//! feasible); it stands outside the plot area, so it hides no point.
//!
//! Axis ranges are the drawn values' smallest and largest, padded by 5% of their span (by 5% of the value,
//! at least 0.5, when every value is the same). A point is drawn when its x and y are finite and, for a
//! feasible point, its colour value too; a point that is not drawn is on no front. Without a point to draw
//! the chart is still written: empty axes with a note, so a sweep's set of files does not depend on its
//! values.
//!
//! [`draw`] knows nothing of scores or constraints; [`render_sweep`] maps a sweep's results into its points:
//! one chart per pair of the front's objectives, `DIR/pareto/<x>__<y>.svg` and `.png`, for every sweep of at
//! least two settings.

use super::heatmap::{bounds, color_at, color_scale, scale_position};
use super::results::{Ranking, Recommendation, SettingResult, SweepManifest};
use crate::plot::{DrawResult, Error, FONT, err, palette, register_font, remove_unwritten, title, write_svg_png};
use crate::scoring::score::{OBJECTIVES, Score};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::path::{Path, PathBuf};

/// The chart's size. A scatter has one plot whose two axes are both continuous values, unlike a heat map's
/// row of three panels: a near-square plot area keeps the slopes of the front readable, where the heat maps'
/// 1500 x 600 would stretch the x axis to well over twice the y axis.
const WIDTH: u32 = 1000;
const HEIGHT: u32 = 700;

/// The radius of a setting's circle, in pixels (its cross reaches a pixel less far).
const DOT: i32 = 6;
/// The ring of a setting on the front of all three objectives.
const FRONT_RING: (i32, u32) = (10, 2);
/// The ring of a setting indistinguishable from the recommended one, and the recommended setting's: the same
/// radius, so the recommended ring covers the other when a point has both.
const OUTER_RING: (i32, u32) = (14, 3);
const RECOMMENDED_RING: (i32, u32) = (14, 4);
/// The fraction of an axis's span added at either end.
const PAD: f64 = 0.05;

/// One setting as the chart sees it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Point {
    /// The setting's number, printed beside the recommendation.
    pub setting: usize,
    pub x: f64,
    pub y: f64,
    /// The value the point is coloured by (of a feasible point).
    pub c: f64,
    /// Whether the setting meets every constraint.
    pub feasible: bool,
    /// On the Pareto front of all three objectives.
    pub front: bool,
    pub recommended: bool,
    /// Indistinguishable from the recommended setting.
    pub indistinguishable: bool,
}

/// What the axes and the colour scale show: their captions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Axes {
    pub x: &'static str,
    pub y: &'static str,
    pub c: &'static str,
    /// What a dot is: `feasible` (it meets every constraint) or `eligible` (without constraints).
    pub pool: &'static str,
}

/// Whether a point is drawn (module doc).
fn drawn(p: &Point) -> bool {
    p.x.is_finite() && p.y.is_finite() && (!p.feasible || p.c.is_finite())
}

/// The Pareto front of `(x, y)` among the drawn feasible points, both better lower: the points no other of
/// them is at most as large as on both and smaller on one. Points with the same x and y are on it or off it
/// together. Indices into `points`, sorted by x, then y, then index.
pub(crate) fn front_2d(points: &[Point]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..points.len()).filter(|&i| points[i].feasible && drawn(&points[i])).collect();
    order.sort_by(|&a, &b| {
        let (p, q) = (&points[a], &points[b]);
        p.x.total_cmp(&q.x).then(p.y.total_cmp(&q.y)).then(a.cmp(&b))
    });
    // In x order, a point is on the front when its y is below every y before it, or it ties the last point on
    // the front on both.
    let mut front: Vec<usize> = Vec::new();
    for i in order {
        let p = &points[i];
        let on = match front.last().map(|&k| &points[k]) {
            None => true,
            Some(last) => p.y < last.y || (p.y == last.y && p.x == last.x),
        };
        if on {
            front.push(i);
        }
    }
    front
}

/// An axis's range: the values' smallest and largest, padded by [`PAD`] of the span, or of the value (at
/// least 0.5) when they are all the same; 0 to 1 without a finite value.
fn padded(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) =
        values.filter(|v| v.is_finite()).fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)));
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    let pad = if hi > lo { (hi - lo) * PAD } else { (lo.abs() * PAD).max(0.5) };
    (lo - pad, hi + pad)
}

/// A tick label of an axis spanning `span`: as many decimals as its ticks (at least an eighth of the span
/// apart, at 1, 2, 2.5 or 5 times a power of ten) need, at most 6, no trailing zeros.
fn tick(v: f64, span: f64) -> String {
    let step = span / 8.0;
    let decimals = if step >= 1.0 || !step.is_finite() || step <= 0.0 { 0 } else { (-step.log10()).ceil() as usize };
    let s = format!("{v:.*}", (decimals + 1).min(6));
    let s = if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.') } else { &s };
    if s == "-0" { "0".into() } else { s.into() }
}

/// A ring around a point.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Ring {
    Front,
    Indistinguishable,
    Recommended,
}

impl Ring {
    /// Radius, stroke width and colour.
    fn style(self) -> (i32, u32, RGBColor) {
        match self {
            Ring::Front => (FRONT_RING.0, FRONT_RING.1, palette::REFERENCE),
            Ring::Indistinguishable => (OUTER_RING.0, OUTER_RING.1, palette::INDISTINGUISHABLE),
            Ring::Recommended => (RECOMMENDED_RING.0, RECOMMENDED_RING.1, palette::RECOMMENDED),
        }
    }
}

/// What the chart draws at a point.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Mark {
    /// A feasible setting: a filled circle of this colour, edged.
    Dot((f64, f64), RGBColor),
    /// An infeasible setting.
    Cross((f64, f64)),
    Ring((f64, f64), Ring),
}

/// The chart's content, before drawing.
#[derive(Clone, Debug, PartialEq)]
struct Layout {
    x: (f64, f64),
    y: (f64, f64),
    /// The colour scale's range: the feasible points' colour values; `None` without a feasible point.
    c: Option<(f64, f64)>,
    /// In drawing order: each drawn point's dot or cross in setting order, then the rings of the 3-objective
    /// front, of the indistinguishable settings and of the recommendation (the first point marked so).
    marks: Vec<Mark>,
    /// The 2-D front's step line: right from each front point to the next one's x, then down to it.
    step: Vec<(f64, f64)>,
    /// The recommended point and its setting number.
    recommended: Option<((f64, f64), usize)>,
}

impl Layout {
    fn of(points: &[Point]) -> Self {
        let mut shown: Vec<&Point> = points.iter().filter(|p| drawn(p)).collect();
        shown.sort_by_key(|p| p.setting);
        let feasible = || shown.iter().filter(|p| p.feasible);
        let c = feasible().next().map(|_| bounds(feasible().map(|p| p.c)));
        let mut marks: Vec<Mark> = shown
            .iter()
            .map(|p| match c {
                Some(range) if p.feasible => Mark::Dot((p.x, p.y), color_at(scale_position(p.c, range))),
                _ => Mark::Cross((p.x, p.y)),
            })
            .collect();
        for (ring, marked) in [
            (Ring::Front, (|p: &Point| p.front) as fn(&Point) -> bool),
            (Ring::Indistinguishable, |p| p.indistinguishable),
        ] {
            marks.extend(shown.iter().filter(|p| marked(p)).map(|p| Mark::Ring((p.x, p.y), ring)));
        }
        let recommended = shown.iter().find(|p| p.recommended).map(|p| ((p.x, p.y), p.setting));
        marks.extend(recommended.map(|(at, _)| Mark::Ring(at, Ring::Recommended)));
        let mut step: Vec<(f64, f64)> = Vec::new();
        for i in front_2d(points) {
            let p = (points[i].x, points[i].y);
            if let Some(&(_, y)) = step.last() {
                step.push((p.0, y));
            }
            step.push(p);
        }
        step.dedup();
        Self { x: padded(shown.iter().map(|p| p.x)), y: padded(shown.iter().map(|p| p.y)), c, marks, step, recommended }
    }

    /// The legend: an entry for each kind of marker the chart has, in a fixed order.
    fn legend(&self, pool: &str) -> Vec<(String, Swatch)> {
        let has = |f: fn(&Mark) -> bool| self.marks.iter().any(f);
        let mut entries = Vec::new();
        if has(|m| matches!(m, Mark::Dot(..))) {
            entries.push((format!("{pool} setting"), Swatch::Dot));
        }
        if has(|m| matches!(m, Mark::Cross(..))) {
            entries.push((format!("not {pool}"), Swatch::Cross));
        }
        if self.step.len() > 1 {
            entries.push(("front of this pair".to_string(), Swatch::Step));
        }
        if has(|m| matches!(m, Mark::Ring(_, Ring::Front))) {
            entries.push(("on the 3-objective front".to_string(), Swatch::Ring(Ring::Front)));
        }
        if let Some((_, setting)) = self.recommended {
            entries.push((format!("recommended ({setting})"), Swatch::Ring(Ring::Recommended)));
        }
        if has(|m| matches!(m, Mark::Ring(_, Ring::Indistinguishable))) {
            entries.push(("indistinguishable from it".to_string(), Swatch::Ring(Ring::Indistinguishable)));
        }
        if !self.marks.is_empty() && self.c.is_none() {
            entries.push((format!("no {pool} setting"), Swatch::Note));
        }
        entries
    }
}

/// How a legend entry shows its marker.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Swatch {
    Dot,
    Cross,
    Step,
    Ring(Ring),
    /// No swatch: the entry is a note.
    Note,
}

/// The legend's label size, row height, swatch width and spacing (as the run charts' legends, with rows
/// tall enough for a ring).
const LEGEND_LABEL: u32 = 14;
const LEGEND_ROW: i32 = 32;
const LEGEND_SWATCH: i32 = 32;
const LEGEND_GAP: i32 = 8;
const LEGEND_PAD: i32 = 7;
const LEGEND_OUTSIDE: i32 = 8;
/// The width of the colour scale (its tick labels, the bar and a margin) and of its caption beside it.
const SCALE_WIDTH: u32 = 48 + 24 + 8;
const SCALE_CAPTION: u32 = 28;
/// The plot's margin and label areas (the colour scale's bottom lines up with the plot's).
const MARGIN: u32 = 8;
const X_LABEL_AREA: u32 = 46;
const Y_LABEL_AREA: u32 = 70;

/// The subdirectory of a sweep directory holding the Pareto scatter charts.
pub(crate) const PARETO: &str = "pareto";

/// The pairs of objectives drawn, x then y, and the objective each colours by.
const PAIRS: [(Score, Score, Score); 3] = [
    (OBJECTIVES[0], OBJECTIVES[1], OBJECTIVES[2]),
    (OBJECTIVES[0], OBJECTIVES[2], OBJECTIVES[1]),
    (OBJECTIVES[1], OBJECTIVES[2], OBJECTIVES[0]),
];

/// Draws a sweep's Pareto scatter charts into `DIR/pareto/` (module doc): each setting's headline figures
/// (means over seeds, combined over a suite's members by its rule), feasible when it meets every constraint
/// (without constraints: when it is one of the settings the front is drawn from); removes the charts this
/// sweep does not draw. Returns the files written, each chart's SVG then PNG.
pub(crate) fn render_sweep(
    dir: &Path,
    manifest: &SweepManifest,
    results: &[SettingResult],
    recommended: Option<&Recommendation>,
    ranking: &Ranking,
    indistinguishable: &[usize],
) -> DrawResult<Vec<PathBuf>> {
    let out = dir.join(PARETO);
    let mut written = Vec::new();
    // A halving's settings of earlier rungs ran fewer seeds: only the last rung's are drawn.
    let candidates = results.iter().filter(|r| r.candidate).count();
    if candidates >= 2 {
        let (pool, _) = ranking.pool(results);
        let who = if manifest.members.is_empty() {
            manifest.scenario.clone()
        } else {
            format!("a suite of {} members", manifest.members.len())
        };
        for (x, y, c) in PAIRS {
            let points: Vec<Point> = results
                .iter()
                .zip(&pool)
                .filter(|(r, _)| r.candidate)
                .map(|(r, &feasible)| Point {
                    setting: r.setting,
                    x: r.mean(x),
                    y: r.mean(y),
                    c: r.mean(c),
                    feasible,
                    front: r.pareto,
                    recommended: recommended.is_some_and(|rec| rec.setting == r.setting),
                    indistinguishable: indistinguishable.contains(&r.setting),
                })
                .collect();
            let kind = if ranking.constraints.is_empty() { "eligible" } else { "feasible" };
            let axes = Axes { x: x.info().caption, y: y.info().caption, c: c.info().caption, pool: kind };
            let heading = format!("{who}: {} x {}", x.info().name, y.info().name);
            let settings = if candidates < results.len() {
                format!("the {candidates} settings of the halving's last rung")
            } else {
                format!("{candidates} settings")
            };
            let subtitle = format!(
                "{settings}, {}; crosses: not {kind}; ringed: the front of all three objectives",
                ranking.basis()
            );
            let stem = out.join(format!("{}__{}", x.info().name, y.info().name));
            written.extend(draw(&points, &axes, &heading, &subtitle, &stem)?);
        }
    }
    let ours = |p: &Path| {
        p.file_stem()
            .and_then(|s| s.to_str())
            .is_some_and(|s| PAIRS.iter().any(|(x, y, _)| s == format!("{}__{}", x.info().name, y.info().name)))
    };
    remove_unwritten(&out, &written, ours)?;
    Ok(written)
}

/// Draws the chart of `points` into `<stem>.svg` and `<stem>.png` (module doc), creating the directory;
/// returns the two paths.
pub(crate) fn draw(
    points: &[Point],
    axes: &Axes,
    title: &str,
    subtitle: &str,
    stem: &Path,
) -> DrawResult<Vec<PathBuf>> {
    register_font();
    let name = stem
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| Error::Draw(format!("{}: no file name for a chart", stem.display())))?;
    let dir = stem.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|source| Error::Write { path: dir.to_path_buf(), source })?;
    let layout = Layout::of(points);
    let files = write_svg_png(
        dir,
        name,
        (WIDTH, HEIGHT),
        |a| render(&layout, axes, title, subtitle, a),
        |a| render(&layout, axes, title, subtitle, a),
    )?;
    Ok(files.into())
}

/// Draws the chart on `canvas`.
fn render<DB: DrawingBackend>(
    layout: &Layout,
    axes: &Axes,
    heading: &str,
    subtitle: &str,
    canvas: &DrawingArea<DB, Shift>,
) -> DrawResult<()> {
    let area = title(canvas, heading)?;
    let area = if subtitle.is_empty() { area } else { area.titled(subtitle, (FONT, 14)).map_err(err)? };
    let entries = layout.legend(axes.pool);
    let style = TextStyle::from((FONT, LEGEND_LABEL).into_font());
    let mut widest = 0;
    for (label, _) in &entries {
        widest = widest.max(area.estimate_text_size(label, &style).map_err(err)?.0);
    }
    let legend_width = widest + (2 * LEGEND_OUTSIDE + 2 * LEGEND_PAD + LEGEND_SWATCH + LEGEND_GAP) as u32;
    let strip_width = legend_width.max(SCALE_WIDTH + SCALE_CAPTION);
    let (plot, strip) = area.split_horizontally(area.dim_in_pixel().0.saturating_sub(strip_width));
    let mut chart = ChartBuilder::on(&plot)
        .margin(MARGIN)
        .x_label_area_size(X_LABEL_AREA)
        .y_label_area_size(Y_LABEL_AREA)
        .build_cartesian_2d(layout.x.0..layout.x.1, layout.y.0..layout.y.1)
        .map_err(err)?;
    let (x_span, y_span) = (layout.x.1 - layout.x.0, layout.y.1 - layout.y.0);
    // An empty chart's axes have no values to label.
    let labels = if layout.marks.is_empty() { 0 } else { 8 };
    chart
        .configure_mesh()
        .x_desc(axes.x)
        .y_desc(axes.y)
        .x_labels(labels)
        .y_labels(labels)
        .x_label_formatter(&|v| tick(*v, x_span))
        .y_label_formatter(&|v| tick(*v, y_span))
        .x_max_light_lines(1)
        .y_max_light_lines(1)
        .light_line_style(palette::LEGEND_BORDER.mix(0.2))
        .bold_line_style(palette::LEGEND_BORDER.mix(0.5))
        .label_style((FONT, 13))
        .axis_desc_style((FONT, 14))
        .draw()
        .map_err(err)?;
    let centre = ((layout.x.0 + layout.x.1) / 2.0, (layout.y.0 + layout.y.1) / 2.0);
    let note = (FONT, 20).into_font().color(&palette::NOTE_TEXT).pos(Pos::new(HPos::Center, VPos::Center));
    if layout.marks.is_empty() {
        chart.draw_series(std::iter::once(Text::new("no setting to plot", centre, note))).map_err(err)?;
    }
    if layout.step.len() > 1 {
        let line = PathElement::new(layout.step.clone(), palette::REFERENCE.stroke_width(2));
        chart.draw_series(std::iter::once(line)).map_err(err)?;
    }
    // The markers are drawn on the canvas, in pixels, as the legend's are.
    let base = canvas.get_base_pixel();
    let pixel = |at: (f64, f64)| {
        let (x, y) = chart.backend_coord(&at);
        (x - base.0, y - base.1)
    };
    for mark in &layout.marks {
        match *mark {
            Mark::Dot(at, color) => dot(canvas, pixel(at), color)?,
            Mark::Cross(at) => cross(canvas, pixel(at))?,
            Mark::Ring(at, ring) => ring_element(canvas, pixel(at), ring)?,
        }
    }
    if let Some((at, setting)) = layout.recommended {
        // Up and to the right of the ring, or to its left or below it where the plot's edge is near.
        let label = format!("setting {setting}");
        let font = (FONT, 14).into_font();
        let (w, h) = plot.estimate_text_size(&label, &TextStyle::from(font.clone())).map_err(err)?;
        let (px, py) = chart.backend_coord(&at);
        let (xs, ys) = chart.plotting_area().get_pixel_range();
        let gap = RECOMMENDED_RING.0 + 4;
        let left = px + gap + w as i32 > xs.end;
        let below = py - gap - (h as i32) < ys.start;
        let pos = Pos::new(if left { HPos::Right } else { HPos::Left }, if below { VPos::Top } else { VPos::Bottom });
        let offset = (if left { -gap } else { gap }, if below { gap } else { -gap });
        let style = font.color(&palette::RECOMMENDED).pos(pos);
        chart.draw_series(std::iter::once(EmptyElement::at(at) + Text::new(label, offset, style))).map_err(err)?;
    }
    let top = chart.plotting_area().get_pixel_range().1.start - strip.get_base_pixel().1;
    let legend_height = draw_legend(&strip, &entries, top)?;
    if let Some(range) = layout.c {
        let (_, below) = strip.split_vertically(top + legend_height + 8);
        let (bar, rest) = below.split_horizontally(SCALE_WIDTH);
        let (caption, _) = rest.split_horizontally(SCALE_CAPTION);
        color_scale(&bar, range)?;
        let (w, h) = caption.dim_in_pixel();
        let style = (FONT, 14)
            .into_font()
            .transform(FontTransform::Rotate270)
            .color(&BLACK)
            .pos(Pos::new(HPos::Center, VPos::Center));
        // Centred on the bar, which stands between the scale's top margin (8 + 16 + 8: `color_scale`'s) and
        // its bottom one (the plot's margin and x label area).
        let y = (8 + 16 + 8 + h as i32 - (MARGIN + X_LABEL_AREA) as i32) / 2;
        caption.draw(&Text::new(axes.c, (w as i32 / 2 - 4, y), style)).map_err(err)?;
    }
    Ok(())
}

/// Draws a feasible setting's circle at pixel `at` of `area`: filled, edged in dark grey so the lightest
/// colours show on white.
fn dot<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, at: (i32, i32), color: RGBColor) -> DrawResult<()> {
    let edge = palette::REFERENCE.stroke_width(1);
    area.draw(&(EmptyElement::at(at) + Circle::new((0, 0), DOT, color.filled()) + Circle::new((0, 0), DOT, edge)))
        .map_err(err)
}

/// Draws an infeasible setting's cross at pixel `at` of `area`.
fn cross<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, at: (i32, i32)) -> DrawResult<()> {
    area.draw(&Cross::new(at, DOT - 1, palette::REFERENCE_LIGHT.stroke_width(2))).map_err(err)
}

/// Draws a ring around the point at pixel `at` of `area`.
fn ring_element<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, at: (i32, i32), ring: Ring) -> DrawResult<()> {
    let (radius, width, color) = ring.style();
    area.draw(&Circle::new(at, radius, color.stroke_width(width))).map_err(err)
}

/// Draws the legend's box `top` pixels below the strip's top; returns its height (0 without an entry).
fn draw_legend<DB: DrawingBackend>(
    strip: &DrawingArea<DB, Shift>,
    entries: &[(String, Swatch)],
    top: i32,
) -> DrawResult<i32> {
    if entries.is_empty() {
        return Ok(0);
    }
    let right = strip.dim_in_pixel().0 as i32 - LEGEND_OUTSIDE;
    let height = 2 * LEGEND_PAD + LEGEND_ROW * entries.len() as i32;
    let border = Rectangle::new([(LEGEND_OUTSIDE, top), (right, top + height)], palette::LEGEND_BORDER.stroke_width(1));
    strip.draw(&border).map_err(err)?;
    for (k, (label, swatch)) in entries.iter().enumerate() {
        let y = top + LEGEND_PAD + LEGEND_ROW * k as i32 + LEGEND_ROW / 2;
        let x = LEGEND_OUTSIDE + LEGEND_PAD;
        let mid = (x + LEGEND_SWATCH / 2, y);
        match swatch {
            Swatch::Dot => dot(strip, mid, color_at(0.5))?,
            Swatch::Cross => cross(strip, mid)?,
            Swatch::Step => {
                let (l, r) = (x + 2, x + LEGEND_SWATCH - 2);
                let path = vec![(l, y - 6), (mid.0, y - 6), (mid.0, y + 6), (r, y + 6)];
                strip.draw(&PathElement::new(path, palette::REFERENCE.stroke_width(2))).map_err(err)?
            }
            Swatch::Ring(ring) => {
                // A grey dot inside, so the ring reads as a marked setting.
                dot(strip, mid, palette::MISSING)?;
                ring_element(strip, mid, *ring)?
            }
            Swatch::Note => {}
        }
        let color = if *swatch == Swatch::Note { palette::NOTE_TEXT } else { BLACK };
        let style = (FONT, LEGEND_LABEL).into_font().color(&color).pos(Pos::new(HPos::Left, VPos::Center));
        strip.draw(&Text::new(label.clone(), (x + LEGEND_SWATCH + LEGEND_GAP, y), style)).map_err(err)?;
    }
    Ok(height)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(setting: usize, x: f64, y: f64) -> Point {
        Point {
            setting,
            x,
            y,
            c: setting as f64,
            feasible: true,
            front: false,
            recommended: false,
            indistinguishable: false,
        }
    }

    /// The chart's SVG text, as `draw` writes it.
    fn svg(points: &[Point]) -> String {
        register_font();
        let axes = Axes {
            x: "flips per 10 cycles",
            y: "mean depth (strikes per side)",
            c: "PARTIAL expiry-cycles per run",
            pool: "feasible",
        };
        let layout = Layout::of(points);
        let mut out = String::new();
        {
            let area = SVGBackend::with_string(&mut out, (WIDTH, HEIGHT)).into_drawing_area();
            area.fill(&WHITE).unwrap();
            render(&layout, &axes, "scenario: flips x depth", "means over 8 seeds", &area).unwrap();
            area.present().unwrap();
        }
        out
    }

    fn hex(c: RGBColor) -> String {
        format!("#{:02X}{:02X}{:02X}", c.0, c.1, c.2)
    }

    #[test]
    fn the_front_of_a_pair_keeps_what_nothing_dominates() {
        let points = [
            point(0, 1.0, 5.0),
            point(1, 2.0, 3.0),
            point(2, 2.0, 4.0), // dominated by 1 (same x, higher y)
            point(3, 3.0, 3.0), // dominated by 1 (same y, higher x)
            point(4, 4.0, 1.0),
            point(5, 0.5, 9.0),
            point(6, 5.0, 5.0), // dominated
        ];
        assert_eq!(front_2d(&points), [5, 0, 1, 4], "sorted by x");
        let ties = [point(0, 1.0, 2.0), point(1, 1.0, 2.0), point(2, 0.5, 3.0), point(3, 1.0, 2.5)];
        assert_eq!(front_2d(&ties), [2, 0, 1], "equal points are on the front together");
        let mut skipped = points;
        skipped[5].feasible = false;
        skipped[0].x = f64::NAN;
        skipped[4].c = f64::INFINITY;
        assert_eq!(front_2d(&skipped), [1]);
        assert!(front_2d(&[]).is_empty());
        assert_eq!(front_2d(&[point(3, 1.0, 1.0)]), [0]);
    }

    #[test]
    fn axes_are_padded_and_never_empty() {
        assert_eq!(padded([1.0, 3.0, f64::NAN].into_iter()), (0.9, 3.1));
        assert_eq!(padded([4.0, 4.0].into_iter()), (3.5, 4.5));
        assert_eq!(padded([40.0].into_iter()), (38.0, 42.0));
        assert_eq!(padded([0.0].into_iter()), (-0.5, 0.5));
        assert_eq!(padded(std::iter::empty()), (0.0, 1.0));
        assert_eq!(
            [tick(12.0, 20.0), tick(0.25, 1.0), tick(0.125, 0.3), tick(-0.0, 1.0)],
            ["12", "0.25", "0.125", "0"]
        );
    }

    /// A sweep of 12 settings trading flips for depth: three infeasible, one without a value, the
    /// recommendation (3) on the front with two settings indistinguishable from it.
    fn sweep() -> Vec<Point> {
        let xyc = [
            (0.2, 19.5, 3.0),
            (0.4, 16.0, 1.5),
            (0.5, 17.5, 2.0),
            (0.8, 14.0, 2.5),
            (1.0, 15.5, 0.5),
            (1.3, 12.5, 4.0),
            (1.6, 13.0, 1.0),
            (2.0, 11.0, 3.0),
            (2.4, 11.5, 2.0),
            (2.9, 10.0, 1.0),
            (3.3, 10.5, 0.0),
            (1.5, f64::NAN, 1.0),
        ];
        let mut points: Vec<Point> =
            xyc.iter().enumerate().map(|(k, &(x, y, c))| Point { c, ..point(k, x, y) }).collect();
        for k in [2, 7, 9] {
            points[k].feasible = false;
        }
        for k in [1, 3, 4, 5, 10] {
            points[k].front = true;
        }
        points[3].recommended = true;
        for k in [1, 5] {
            points[k].indistinguishable = true;
        }
        points
    }

    #[test]
    fn every_drawn_point_has_one_marker_and_the_recommendation_one_ring() {
        let points = sweep();
        let layout = Layout::of(&points);
        let count = |f: fn(&Mark) -> bool| layout.marks.iter().filter(|m| f(m)).count();
        assert_eq!(count(|m| matches!(m, Mark::Dot(..))), 8, "feasible and drawn");
        assert_eq!(count(|m| matches!(m, Mark::Cross(..))), 3, "infeasible");
        assert_eq!(count(|m| matches!(m, Mark::Ring(_, Ring::Recommended))), 1);
        let fronts = points.iter().filter(|p| p.front).count();
        assert_eq!(count(|m| matches!(m, Mark::Ring(_, Ring::Front))), fronts);
        assert_eq!(layout.legend("feasible").len(), 6);

        let svg = svg(&points);
        let circles = |fill: &str, stroke: &str, width: u32| {
            svg.matches(&format!("fill=\"{fill}\" stroke=\"{stroke}\" stroke-width=\"{width}\"")).count()
        };
        let edge = hex(palette::REFERENCE);
        // Each dot is a filled circle and its edge; the legend adds a dot to each of its 4 ringed or dot rows.
        assert_eq!(circles("none", &edge, 1), 8 + 4, "{svg}");
        assert_eq!(circles("none", &hex(palette::RECOMMENDED), 4), 1 + 1, "one recommendation and its legend row");
        assert_eq!(circles("none", &hex(palette::INDISTINGUISHABLE), 3), 2 + 1);
        assert_eq!(circles("none", &edge, 2), fronts + 1);
        let crosses = svg.matches(&format!("stroke=\"{}\" stroke-width=\"2\"", hex(palette::REFERENCE_LIGHT))).count();
        assert_eq!(crosses, 2 * (3 + 1), "two strokes a cross, the legend's too");
        assert!(svg.contains("\nsetting 3\n"), "the recommendation is labelled");
        assert!(!svg.contains("NaN"), "no value of the skipped point");
    }

    #[test]
    fn the_same_points_draw_the_same_bytes() {
        let points = sweep();
        assert_eq!(svg(&points), svg(&points));
        let mut reversed = points.clone();
        reversed.reverse();
        assert_eq!(svg(&points), svg(&reversed), "markers are drawn in setting order");
    }

    #[test]
    fn equal_values_a_single_point_and_nothing_draw() {
        let same: Vec<Point> = (0..4).map(|k| Point { c: 2.0, ..point(k, 1.0, 3.0) }).collect();
        for points in [same.clone(), same[..1].to_vec(), Vec::new()] {
            let svg = svg(&points);
            assert!(!svg.contains("NaN"), "{svg}");
        }
        assert!(svg(&[]).contains("no setting to plot"));
        let infeasible = [Point { feasible: false, ..point(0, 1.0, 2.0) }];
        assert!(svg(&infeasible).contains("no feasible setting"));
        let layout = Layout::of(&same);
        assert_eq!(layout.c, Some((2.0, 2.0)));
        assert_eq!(layout.step, [(1.0, 3.0)], "tied points make no line");
    }

    #[test]
    fn draw_writes_the_svg_and_the_png() {
        let dir = std::env::temp_dir().join(format!("g6sim-scatter-{}", std::process::id()));
        let axes =
            Axes { x: "flips per 10 cycles", y: "mean depth", c: "PARTIAL expiry-cycles per run", pool: "feasible" };
        let files = draw(&sweep(), &axes, "title", "", &dir.join("flips__depth")).unwrap();
        assert_eq!(files, [dir.join("flips__depth.svg"), dir.join("flips__depth.png")]);
        assert!(files.iter().all(|f| f.is_file()));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
