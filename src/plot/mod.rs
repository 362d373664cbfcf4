//! Charts of a run, drawn with plotters: strike depth, coverage, statuses and reasons, and the prefilter
//! clamp, each as PNG and SVG.
//!
//! Charts are built from the run's own outputs (`cycles.jsonl`, `events.jsonl`, `manifest.json`), so
//! `g6sim plot RUN_DIR` redraws any finished run; a streamed run folds the same JSON into [`PlotSeries`] one
//! cycle at a time and keeps only the charts' numbers. Text uses DejaVu Sans embedded in the binary (the
//! `dejavu` crate) and registered with plotters' `ab_glyph` backend: no system font, no fontconfig, and
//! the same SVG bytes on every machine.
//!
//! Every colour comes from `palette`: statuses are OK green, PARTIAL amber, EMPTY red and SYNTH grey in
//! every chart, and no other series takes their colours. Each panel's legend stands in a strip to the right of
//! its plot area (the `legend` module), so it hides no data; fault windows are shaded faint grey, named at
//! their top, and listed in the legend as "fault window".
//!
//! Overlapping series stay readable:
//! - **depth**: when an index's ITM and OTM depths are equal in every cycle, one line labelled "ITM = OTM"
//!   replaces the two; otherwise ITM is drawn wide underneath and OTM narrow on top.
//! - **coverage**: each expiry of an index has its own colour; its strike line is solid, the first expiry's
//!   widest and each next one narrower and drawn on top, so coinciding strike lines show as nested bands. Its
//!   field line is dashed in a darker shade of that colour, with a dash pattern of its own and a hollow marker
//!   of its own shape and size (circle, triangle, square, diamond, largest first) at every measured cycle, so
//!   it shows on its own strike line and next to another expiry's field line. When two series share a value
//!   in some cycle, the legend adds the note "(coinciding series overlap)".
//! - **status**: count axes have ticks at whole numbers only, each labelled once; a panel with nothing to
//!   stack says so ("no partial reasons").
//!
//! Long runs stay readable: marks (field markers, depth adjustments) are drawn only where neighbouring ones
//! stand `MIN_MARK_SPACING_PX` apart, bars stand apart only while a cycle has `MIN_BAR_SPACING_PX` (else
//! they touch, and runs of equal bars become one rectangle), and the right margin holds the last cycle's tick
//! label.
//!
//! Threshold, trigger and baseline lines are dashed at 2 px, and their legend swatches are the same dashes at
//! the same width.

mod data;
mod legend;
pub(crate) mod palette;

pub use data::{Adjustment, ExpirySeries, IndexSeries, PhaseWindow, PlotData, PlotSeries, load_dir, manifest_value};

use crate::output::write_atomic;
use legend::{Entry, Swatch};
use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::path::{Path, PathBuf};
use std::sync::Once;

/// Why a run's charts (or a sweep's heat maps) cannot be built or drawn: a file of the run's directory
/// unreadable or not JSON, no cycle, or a chart that cannot be drawn or written.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file of the run directory that cannot be read (missing, unreadable, not UTF-8).
    #[error("{}: {source}", path.display())]
    Unreadable { path: PathBuf, source: std::io::Error },
    /// A line of `cycles.jsonl` or `events.jsonl` that is not JSON; `line` counts from 1.
    #[error("{}:{line}: {source}", path.display())]
    Line { path: PathBuf, line: usize, source: serde_json::Error },
    /// A run directory's `manifest.json` that is not JSON.
    #[error("{}: {source}", path.display())]
    ManifestFile { path: PathBuf, source: serde_json::Error },
    /// A manifest's bytes that are not JSON.
    #[error("{0}")]
    Manifest(serde_json::Error),
    /// A run without a cycle: nothing to draw.
    #[error("the run has no cycles to plot")]
    NoCycles,
    /// The drawing library's error, in its words (its error types differ from one backend to another).
    #[error("{0}")]
    Draw(String),
    /// A PNG that cannot be encoded.
    #[error("{0}")]
    Png(image::ImageError),
    /// A chart's directory that cannot be created, or a chart file that cannot be written. The message is
    /// the system's alone: the caller names the directory.
    #[error("{source}")]
    Write { path: PathBuf, source: std::io::Error },
    /// A chart left by an earlier sweep that cannot be removed.
    #[error("{}: {source}", path.display())]
    Remove { path: PathBuf, source: std::io::Error },
}

pub(crate) const FONT: &str = "sans-serif";
const WIDTH: u32 = 1200;
const PANEL_HEIGHT: u32 = 300;
/// The font size of tick labels.
const TICK_SIZE: u32 = 13;
/// Space around a chart's panel.
const MARGIN: u32 = 8;
/// How far below a panel's top its plot area starts (the caption and the margin), at most.
const PLOT_TOP: u32 = 40;
/// The width of the y label area, left of the plot area.
const Y_LABEL_AREA: u32 = 60;
/// The room above the largest bar of a count chart, for the fault windows' names.
const HEADROOM: f64 = 1.15;

/// Marks (a field marker per measured cycle, a depth adjustment's triangle or cross) are drawn only when
/// neighbouring ones stand at least this many pixels apart. The smallest mark is 8 px across: closer than
/// 10 px they touch and merge into a band that hides the line under it. On a 1200 px chart a 40-cycle run
/// has about 22 px per cycle; a 10,000-cycle run 0.09.
pub(crate) const MIN_MARK_SPACING_PX: f64 = 10.0;

/// Bars stand apart (0.8 of a cycle wide) while a cycle has at least this many pixels; below it the gap
/// between neighbours is under a pixel, so the bars are drawn touching, a cycle wide, and a run of cycles
/// with the same bar becomes one rectangle (a steady 10,000-cycle run draws one band per layer, not 10,000
/// slivers).
pub(crate) const MIN_BAR_SPACING_PX: f64 = 5.0;

pub(crate) fn register_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // The bytes are a valid TrueType font shipped by the dejavu crate.
        let _ = plotters::style::register_font(FONT, FontStyle::Normal, dejavu::sans::regular());
    });
}

pub(crate) type DrawResult<T> = Result<T, Error>;

type Chart2d<'a, DB> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// A drawing error in words (what the user reads), never its debug form.
pub(crate) fn err<E: std::fmt::Display>(e: E) -> Error {
    Error::Draw(e.to_string())
}

/// A chart: its file stem, its height and how to draw it on an area.
struct Chart {
    stem: &'static str,
    height: u32,
    draw: fn(&PlotData, &DrawingArea<SVGBackend, Shift>) -> DrawResult<()>,
    draw_png: fn(&PlotData, &DrawingArea<BitMapBackend, Shift>) -> DrawResult<()>,
}

macro_rules! chart {
    ($stem:literal, $height:expr, $f:ident) => {
        Chart { stem: $stem, height: $height, draw: |d, a| $f(d, a), draw_png: |d, a| $f(d, a) }
    };
}

pub use crate::output::CHARTS;

/// The height of a panel whose legend has `rows` entries: [`PANEL_HEIGHT`], or more when the legend needs it.
fn panel_height(rows: usize) -> u32 {
    PANEL_HEIGHT.max(PLOT_TOP + legend::height(rows) + MARGIN)
}

/// The charts of `data`, each with its height.
fn charts(data: &PlotData) -> [Chart; 4] {
    let panels = data.indices.len().max(1) as u32;
    let expiries = data.indices.iter().map(|ix| ix.expiries.len()).max().unwrap_or(0);
    let reasons = data.reasons.len().max(data.statuses.len());
    let charts = [
        chart!("depth", panel_height(7) * panels + 40 + below_depth(data).iter().sum::<u32>(), draw_depth),
        chart!("coverage", panel_height(3 + 2 * expiries + 2) * panels + 40, draw_coverage),
        chart!("status", 2 * panel_height(reasons + 1) + 40, draw_status),
        chart!("clamp", panel_height(3) + 60, draw_clamp),
    ];
    debug_assert_eq!(charts.each_ref().map(|c| c.stem), CHARTS, "CHARTS lists the charts drawn");
    charts
}

/// Draws a streamed run's charts into `target` from the series kept while it ran ([`PlotSeries`]).
pub fn draw(series: PlotSeries, run: &crate::run::Streamed, target: &Path) -> Result<Vec<PathBuf>, Error> {
    let manifest = crate::output::manifest(&run.prepared, run.events, &run.outcomes);
    let data = manifest_value(&manifest).and_then(|m| series.finish(&m))?;
    render(&data, target)
}

/// Writes every chart as `DIR/<name>.svg` and `DIR/<name>.png`; returns the files written.
pub fn render(data: &PlotData, dir: &Path) -> DrawResult<Vec<PathBuf>> {
    register_font();
    std::fs::create_dir_all(dir).map_err(|source| Error::Write { path: dir.to_path_buf(), source })?;
    let mut written = Vec::new();
    for c in charts(data) {
        let files = write_svg_png(dir, c.stem, (WIDTH, c.height), |a| (c.draw)(data, a), |a| (c.draw_png)(data, a))?;
        written.extend(files);
    }
    Ok(written)
}

/// Every chart's SVG text, by file stem: the bytes [`render`] writes as `<stem>.svg`, without drawing the
/// PNGs (which take nearly all of its time).
pub fn svgs(data: &PlotData) -> DrawResult<Vec<(&'static str, String)>> {
    register_font();
    charts(data).into_iter().map(|c| Ok((c.stem, svg_text((WIDTH, c.height), |a| (c.draw)(data, a))?))).collect()
}

/// Draws a chart into SVG text (white background, `size` pixels).
fn svg_text(
    (width, height): (u32, u32),
    draw: impl FnOnce(&DrawingArea<SVGBackend, Shift>) -> DrawResult<()>,
) -> DrawResult<String> {
    let mut svg = String::new();
    {
        let area = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        area.fill(&WHITE).map_err(err)?;
        draw(&area)?;
        area.present().map_err(err)?;
    }
    Ok(svg)
}

/// Removes the files of `dir` that `is_chart` claims and `written` does not hold (charts an earlier run drew
/// and this one does not), in name order; nothing else.
pub(crate) fn remove_unwritten(dir: &Path, written: &[PathBuf], is_chart: impl Fn(&Path) -> bool) -> DrawResult<()> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Ok(()) };
    let mut stale: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && is_chart(p) && !written.contains(p))
        .collect();
    stale.sort();
    for p in stale {
        std::fs::remove_file(&p).map_err(|source| Error::Remove { path: p.clone(), source })?;
    }
    Ok(())
}

/// Draws one chart twice, into `DIR/<stem>.svg` and `DIR/<stem>.png` (white background, `size` pixels),
/// each written atomically; returns the two paths.
pub(crate) fn write_svg_png(
    dir: &Path,
    stem: &str,
    (width, height): (u32, u32),
    draw: impl FnOnce(&DrawingArea<SVGBackend, Shift>) -> DrawResult<()>,
    draw_png: impl FnOnce(&DrawingArea<BitMapBackend, Shift>) -> DrawResult<()>,
) -> DrawResult<[PathBuf; 2]> {
    let svg = svg_text((width, height), draw)?;
    let svg_path = dir.join(format!("{stem}.svg"));
    write_atomic(&svg_path, svg.as_bytes()).map_err(|source| Error::Write { path: svg_path.clone(), source })?;
    let mut rgb = vec![0u8; (width * height * 3) as usize];
    {
        let area = BitMapBackend::with_buffer(&mut rgb, (width, height)).into_drawing_area();
        area.fill(&WHITE).map_err(err)?;
        draw_png(&area)?;
        area.present().map_err(err)?;
    }
    let mut png = Vec::new();
    image::codecs::png::PngEncoder::new(&mut png)
        .write_image(&rgb, width, height, image::ColorType::Rgb8)
        .map_err(Error::Png)?;
    let png_path = dir.join(format!("{stem}.png"));
    write_atomic(&png_path, &png).map_err(|source| Error::Write { path: png_path.clone(), source })?;
    Ok([svg_path, png_path])
}

use image::ImageEncoder;

pub(crate) fn title<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    text: &str,
) -> DrawResult<DrawingArea<DB, Shift>> {
    let titled = area.titled(text, (FONT, 22)).map_err(err)?;
    Ok(titled)
}

fn x_range(data: &PlotData) -> std::ops::Range<f64> {
    let last = data.cycles.last().copied().unwrap_or(1) as f64;
    0.5..last + 0.5
}

/// The fault phases that touch `index` (every phase for `None`).
fn faults_of<'d>(data: &'d PlotData, index: Option<&'d str>) -> impl Iterator<Item = &'d data::PhaseWindow> + 'd {
    data.phases
        .iter()
        .filter(move |p| index.is_none_or(|i| p.index.as_deref().is_none_or(|pi| pi.eq_ignore_ascii_case(i))))
}

/// The font size of a fault window's name.
const FAULT_NAME_SIZE: u32 = 13;
/// The rows of fault window names at the top of a plot area: a name that would overlap one already drawn
/// goes to the next row, and is left out when no row has room (the legend still lists the shading).
const FAULT_NAME_ROWS: i32 = 2;
/// Space between a fault window's name and the window's left edge (or the plot area's edges).
const FAULT_NAME_INSET: i32 = 3;
/// The narrowest a fault window is shaded, in pixels, so a one-cycle fault of a long run still shows.
const MIN_FAULT_PX: f64 = 2.0;

/// Shades the cycle windows of the faults that touch `index` (or every index), each named at its top left
/// where the name fits.
fn shade_faults<'a, DB: DrawingBackend + 'a>(
    chart: &mut Chart2d<'a, DB>,
    data: &PlotData,
    index: Option<&str>,
    y: (f64, f64),
) -> DrawResult<()> {
    let plot = chart.plotting_area().get_pixel_range().0;
    let px = f64::from(plot.end - plot.start) / (x_range(data).end - x_range(data).start);
    let font = (FONT, FAULT_NAME_SIZE).into_font();
    let mut taken: Vec<(i32, std::ops::Range<i32>)> = Vec::new();
    for phase in faults_of(data, index) {
        let (mut a, mut b) = (phase.first as f64 - 0.5, phase.last as f64 + 0.5);
        if (b - a) * px < MIN_FAULT_PX {
            let middle = (a + b) / 2.0;
            (a, b) = (middle - MIN_FAULT_PX / px / 2.0, middle + MIN_FAULT_PX / px / 2.0);
        }
        chart
            .draw_series(std::iter::once(Rectangle::new([(a, y.0), (b, y.1)], palette::FAULT_FILL.filled())))
            .map_err(err)?;
        // The name starts just right of the window's left edge, moved left as far as needed to end inside the
        // plot area.
        let width =
            chart.plotting_area().estimate_text_size(&phase.name, &TextStyle::from(font.clone())).map_err(err)?.0
                as i32;
        let at = chart.backend_coord(&(a, y.1)).0;
        let left = (at + FAULT_NAME_INSET).min(plot.end - width - FAULT_NAME_INSET).max(plot.start + FAULT_NAME_INSET);
        let span = left..left + width + 4;
        let overlaps =
            |(row, r): &(i32, std::ops::Range<i32>), k: i32| *row == k && r.start < span.end && span.start < r.end;
        let Some(row) = (0..FAULT_NAME_ROWS).find(|k| !taken.iter().any(|t| overlaps(t, *k))) else { continue };
        taken.push((row, span));
        let style = font.clone().color(&palette::NOTE_TEXT);
        let name = EmptyElement::at((a, y.1))
            + Text::new(phase.name.clone(), (left - at, row * FAULT_NAME_SIZE as i32), style);
        chart.draw_series(std::iter::once(name)).map_err(err)?;
    }
    Ok(())
}

/// A panel split into the chart's area (left) and the strip for its legend (right, `legend_width` pixels).
fn beside_legend<DB: DrawingBackend>(
    panel: &DrawingArea<DB, Shift>,
    legend_width: u32,
) -> (DrawingArea<DB, Shift>, DrawingArea<DB, Shift>) {
    let width = panel.dim_in_pixel().0;
    panel.split_horizontally(width.saturating_sub(legend_width))
}

/// Draws `entries` as the legend of `chart` in `strip`, its top level with the plot area's.
fn legend_beside<'a, DB: DrawingBackend + 'a>(
    chart: &Chart2d<'a, DB>,
    strip: &DrawingArea<DB, Shift>,
    entries: &[Entry],
) -> DrawResult<()> {
    let top = chart.plotting_area().get_pixel_range().1.start - strip.get_base_pixel().1;
    legend::draw(strip, entries, top)
}

/// The legend entry of the fault windows, when the panel shades any.
fn fault_entry(data: &PlotData, index: Option<&str>) -> Option<Entry> {
    faults_of(data, index).next().map(|_| Entry::new("fault window", Swatch::Shade))
}

/// Plotters' default number of y labels.
const DEFAULT_Y_LABELS: usize = 11;
/// Plotters' default number of x labels.
const DEFAULT_X_LABELS: usize = 11;

/// The y range's top and label count of a count axis: the top rounded up to a whole number, and at most
/// `top + 1` labels, so plotters' key points (steps of 1, 2, 5, 10, ... times a power of ten, the finest
/// that fits the count) are whole numbers, each printed once.
fn whole_ticks(top: f64) -> (f64, usize) {
    let top = top.ceil().max(1.0);
    (top, (top as usize + 1).min(DEFAULT_Y_LABELS))
}

/// The x label count of a chart: plotters' default, unless its key points would fall between cycles (a run
/// under 6 cycles: a 2-cycle run labelled 1, 1, 1, 2, 2, 2); then one per cycle, so each whole cycle is
/// labelled once.
fn x_labels(data: &PlotData) -> usize {
    let points = RangedCoordf64::from(x_range(data)).key_points(DEFAULT_X_LABELS);
    if points.iter().all(|p| p.fract() == 0.0) {
        DEFAULT_X_LABELS
    } else {
        let last = data.cycles.last().copied().unwrap_or(1);
        usize::try_from(last).unwrap_or(DEFAULT_X_LABELS).clamp(1, DEFAULT_X_LABELS)
    }
}

/// The right margin of a chart: half the widest x tick label (the last cycle's number) and a little, so a
/// label at the right end of the axis is not cut off.
fn right_margin<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, data: &PlotData) -> DrawResult<u32> {
    let last = format!("{}", data.cycles.last().copied().unwrap_or(1));
    let (width, _) = area.estimate_text_size(&last, &TextStyle::from((FONT, TICK_SIZE).into_font())).map_err(err)?;
    Ok((width / 2 + 4).max(MARGIN))
}

/// The width of the plot area [`axes`] lays out on `area`.
fn plot_width<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, data: &PlotData) -> DrawResult<u32> {
    Ok(area.dim_in_pixel().0.saturating_sub(MARGIN + Y_LABEL_AREA + right_margin(area, data)?))
}

/// How many pixels one cycle has along the x axis of a chart [`axes`] lays out on `area`.
fn px_per_cycle<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, data: &PlotData) -> DrawResult<f64> {
    let range = x_range(data);
    Ok(f64::from(plot_width(area, data)?) / (range.end - range.start))
}

/// Whether marks at these cycles stand [`MIN_MARK_SPACING_PX`] apart at `px_per_cycle`.
fn marks_fit(cycles: impl IntoIterator<Item = u64>, px_per_cycle: f64) -> bool {
    let mut cycles: Vec<u64> = cycles.into_iter().collect();
    cycles.sort_unstable();
    cycles.dedup();
    cycles.windows(2).all(|w| (w[1] - w[0]) as f64 * px_per_cycle >= MIN_MARK_SPACING_PX)
}

/// A cycle-by-value chart on `area`: caption, axes with labels, and the fault windows shaded.
fn axes<'a, DB: DrawingBackend + 'a>(
    area: &'a DrawingArea<DB, Shift>,
    data: &PlotData,
    caption: &str,
    y_desc: &str,
    top: f64,
    faults_of: Option<&str>,
    whole_y: bool,
) -> DrawResult<Chart2d<'a, DB>> {
    let (top, y_labels) = if whole_y { whole_ticks(top) } else { (top, DEFAULT_Y_LABELS) };
    let mut chart = ChartBuilder::on(area)
        .caption(caption, (FONT, 16))
        .margin(MARGIN)
        .margin_right(right_margin(area, data)?)
        .x_label_area_size(34)
        .y_label_area_size(Y_LABEL_AREA)
        .build_cartesian_2d(x_range(data), 0.0..top)
        .map_err(err)?;
    debug_assert_eq!(chart.plotting_area().dim_in_pixel().0, plot_width(area, data)?, "plot_width lays out as axes");
    let y_format = |y: &f64| if whole_y { format!("{y:.0}") } else { format!("{y:.1}") };
    chart
        .configure_mesh()
        .x_desc("cycle")
        .y_desc(y_desc)
        .x_labels(x_labels(data))
        .x_label_formatter(&|x| format!("{x:.0}"))
        .y_labels(y_labels)
        .y_label_formatter(&y_format)
        .label_style((FONT, TICK_SIZE))
        .draw()
        .map_err(err)?;
    shade_faults(&mut chart, data, faults_of, (0.0, top))?;
    Ok(chart)
}

/// The dash and gap of the baseline.
const BASELINE_DASH: (i32, i32) = (8, 6);

/// The legend of an index's depth panel (with the adjustment marks when they are drawn).
fn depth_entries(data: &PlotData, ix: &data::IndexSeries, marks: bool) -> Vec<Entry> {
    let mut entries = vec![Entry::new("baseline", Swatch::Dashed(palette::REFERENCE, 2, BASELINE_DASH))];
    if same_series(&ix.itm, &ix.otm) {
        entries.push(Entry::new("ITM = OTM", Swatch::Line(palette::DEPTH_BOTH, 4)));
    } else {
        entries.push(Entry::new("itm", Swatch::Line(palette::DEPTH_ITM, 6)));
        entries.push(Entry::new("otm", Swatch::Line(palette::DEPTH_OTM, 2)));
    }
    if marks {
        entries.push(Entry::new("expansion", Swatch::Triangle(palette::EXPANSION)));
        entries.push(Entry::new("contraction", Swatch::Cross(palette::CONTRACTION)));
    }
    if ladder_differs(ix) {
        entries.push(Entry::new("ladder built (ITM)", Swatch::Line(palette::LADDER, 2)));
    }
    entries.extend(fault_entry(data, Some(&ix.name)));
    entries
}

/// Whether the ladder an index built in some cycle differs from the depth it went into that cycle with (the
/// last cycle's): strike scaling or memory pressure scaled it, or parity g6's floor of 2 raised it.
fn ladder_differs(ix: &data::IndexSeries) -> bool {
    ix.itm.iter().zip(ix.ladder_itm.iter().skip(1)).any(|(d, l)| !d.is_nan() && !l.is_nan() && d != l)
}

/// The heights of the panels under the depth chart's index panels: the cycle time (in a run that records it)
/// and the depth scales (in a run with strike scaling on or memory pressure in play).
fn below_depth(data: &PlotData) -> Vec<u32> {
    let mut heights = Vec::new();
    if data.elapsed_s.iter().any(Option::is_some) {
        heights.push(panel_height(cycle_time_entries(data).len()));
    }
    if scaled(data) {
        heights.push(panel_height(scale_entries(data).len()));
    }
    heights
}

/// Whether the run has a depth scale to draw: strike scaling's or memory pressure's.
fn scaled(data: &PlotData) -> bool {
    data.scale.iter().chain(&data.memory_scale).any(Option::is_some)
}

/// The legend of the scale panel: the scales the run has.
fn scale_entries(data: &PlotData) -> Vec<Entry> {
    let mut entries = Vec::new();
    if data.scale.iter().any(Option::is_some) {
        entries.push(Entry::new("strike scale", Swatch::Line(palette::SCALE, 3)));
    }
    if data.memory_scale.iter().any(Option::is_some) {
        entries.push(Entry::new("memory depth scale", Swatch::Dashed(palette::MEMORY_SCALE, 3, MEMORY_DASH)));
    }
    entries
}

/// The legend of the cycle-time panel.
fn cycle_time_entries(data: &PlotData) -> Vec<Entry> {
    let mut entries = vec![
        Entry::new("cycle time", Swatch::Line(palette::CYCLE_TIME, 2)),
        Entry::new("SLA", Swatch::Dashed(palette::REFERENCE, 2, THRESHOLD_DASH)),
        Entry::new("SLA breach", Swatch::Cross(palette::BREACH)),
    ];
    entries.extend(fault_entry(data, None));
    entries
}

/// The cycle-time panel: each cycle's modelled time against its SLA, the breaches marked.
fn draw_cycle_time<DB: DrawingBackend>(
    data: &PlotData,
    panel: &DrawingArea<DB, Shift>,
    legend_width: u32,
) -> DrawResult<()> {
    let (plot, strip) = beside_legend(panel, legend_width);
    let top = data.elapsed_s.iter().chain(&data.sla_s).flatten().copied().fold(1.0, f64::max) * 1.1;
    let mut chart = axes(&plot, data, "cycle time (modelled)", "seconds", top, None, false)?;
    let (dash, gap) = THRESHOLD_DASH;
    for seg in segments(&data.cycles, &data.sla_s) {
        let style = palette::REFERENCE.stroke_width(2);
        chart.draw_series(DashedLineSeries::new(level_runs(seg), dash, gap, style)).map_err(err)?;
    }
    for seg in segments(&data.cycles, &data.elapsed_s) {
        chart.draw_series(LineSeries::new(level_runs(seg), palette::CYCLE_TIME.stroke_width(2))).map_err(err)?;
    }
    let breaches = data.cycles.iter().zip(data.elapsed_s.iter().zip(&data.sla_s)).filter_map(|(c, t)| match t {
        (Some(e), Some(s)) if e > s => Some((*c as f64, *e)),
        _ => None,
    });
    let style = palette::BREACH.stroke_width(2);
    chart.draw_series(breaches.map(|p| Cross::new(p, 5, style))).map_err(err)?;
    legend_beside(&chart, &strip, &cycle_time_entries(data))
}

/// The scale panel: strike scaling's factor after each cycle, memory pressure's depth scale in each.
fn draw_scale<DB: DrawingBackend>(
    data: &PlotData,
    panel: &DrawingArea<DB, Shift>,
    legend_width: u32,
) -> DrawResult<()> {
    let (plot, strip) = beside_legend(panel, legend_width);
    let mut chart = axes(&plot, data, "depth scaling", "scale", 1.1, None, false)?;
    for seg in segments(&data.cycles, &data.scale) {
        chart.draw_series(LineSeries::new(level_runs(seg), palette::SCALE.stroke_width(3))).map_err(err)?;
    }
    let (dash, gap) = MEMORY_DASH;
    for seg in segments(&data.cycles, &data.memory_scale) {
        let style = palette::MEMORY_SCALE.stroke_width(3);
        chart.draw_series(DashedLineSeries::new(level_runs(seg), dash, gap, style)).map_err(err)?;
    }
    legend_beside(&chart, &strip, &scale_entries(data))
}

fn draw_depth<DB: DrawingBackend>(data: &PlotData, area: &DrawingArea<DB, Shift>) -> DrawResult<()> {
    let shaded = data.indices.iter().any(|ix| faults_of(data, Some(&ix.name)).next().is_some());
    let note = if shaded { " (shaded: fault windows)" } else { "" };
    let area = title(area, &format!("{}: strike depth per side{note}", data.scenario))?;
    let mut all: Vec<Entry> = data.indices.iter().flat_map(|ix| depth_entries(data, ix, true)).collect();
    all.extend(cycle_time_entries(data));
    all.extend(scale_entries(data));
    let legend_width = legend::width(&area, &all)?;
    let below = below_depth(data);
    let height = area.dim_in_pixel().1;
    let (area, mut rest) = area.split_vertically(height.saturating_sub(below.iter().sum::<u32>()));
    let panels = area.split_evenly((data.indices.len().max(1), 1));
    for (ix, panel) in data.indices.iter().zip(&panels) {
        let (plot, strip) = beside_legend(panel, legend_width);
        let top = ix.itm.iter().chain(&ix.otm).chain(&ix.baseline_itm).copied().fold(2.0, f64::max) + 4.0;
        let marks = marks_fit(ix.adjustments.iter().map(|a| a.cycle), px_per_cycle(&plot, data)?);
        let caption = if marks {
            ix.name.clone()
        } else {
            let expansions = ix.adjustments.iter().filter(|a| a.expansion).count();
            let contractions = ix.adjustments.len() - expansions;
            format!("{} ({expansions} expansions, {contractions} contractions: too close together to mark)", ix.name)
        };
        let mut chart = axes(&plot, data, &caption, "strikes per side", top, Some(&ix.name), true)?;
        let series = |v: &[f64]| -> Vec<(f64, f64)> {
            level_runs(data.cycles.iter().map(|c| *c as f64).zip(v.iter().copied()).collect())
        };
        let (dash, gap) = BASELINE_DASH;
        let baseline = palette::REFERENCE.stroke_width(2);
        chart.draw_series(DashedLineSeries::new(series(&ix.baseline_itm), dash, gap, baseline)).map_err(err)?;
        if same_series(&ix.itm, &ix.otm) {
            // One line for both sides: two identical lines would hide one of them.
            chart.draw_series(LineSeries::new(series(&ix.itm), palette::DEPTH_BOTH.stroke_width(4))).map_err(err)?;
        } else {
            // ITM is drawn wider underneath, so it stays visible where OTM runs on top of it.
            chart.draw_series(LineSeries::new(series(&ix.itm), palette::DEPTH_ITM.stroke_width(6))).map_err(err)?;
            chart.draw_series(LineSeries::new(series(&ix.otm), palette::DEPTH_OTM.stroke_width(2))).map_err(err)?;
        }
        if ladder_differs(ix) {
            chart.draw_series(LineSeries::new(series(&ix.ladder_itm), palette::LADDER.stroke_width(2))).map_err(err)?;
        }
        if marks {
            let points = |expansion: bool| {
                ix.adjustments.iter().filter(move |a| a.expansion == expansion).map(|a| (a.cycle as f64, a.new_itm))
            };
            let expansion = palette::EXPANSION.filled();
            chart.draw_series(points(true).map(|p| TriangleMarker::new(p, 7, expansion))).map_err(err)?;
            let contraction = palette::CONTRACTION.stroke_width(3);
            chart.draw_series(points(false).map(|p| Cross::new(p, 6, contraction))).map_err(err)?;
        }
        legend_beside(&chart, &strip, &depth_entries(data, ix, marks))?;
    }
    let mut drawn = 0;
    if data.elapsed_s.iter().any(Option::is_some) {
        let (panel, after) = rest.split_vertically(below[drawn]);
        draw_cycle_time(data, &panel, legend_width)?;
        (rest, drawn) = (after, drawn + 1);
    }
    if scaled(data) {
        let (panel, _) = rest.split_vertically(below[drawn]);
        draw_scale(data, &panel, legend_width)?;
    }
    Ok(())
}

/// Dash and gap of the field line, by the expiry's position: distinct, so coinciding field lines interleave.
const FIELD_DASHES: [(i32, i32); 4] = [(8, 4), (3, 3), (12, 5), (5, 2)];
/// Dash and gap of the threshold and trigger lines (and of their legend swatches).
const THRESHOLD_DASH: (i32, i32) = (5, 4);
/// Dash and gap of memory pressure's depth scale.
const MEMORY_DASH: (i32, i32) = (10, 5);
/// The legend note of a coverage panel in which two series share a value in some cycle.
const COINCIDE_NOTE: &str = "(coinciding series overlap)";

/// The hollow point markers of the field series, by the expiry's position.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Marker {
    Circle,
    Triangle,
    Square,
    Diamond,
}

const MARKERS: [Marker; 4] = [Marker::Circle, Marker::Triangle, Marker::Square, Marker::Diamond];

impl Marker {
    /// The closed outline, in pixels around the point.
    fn outline(self, r: f64, (dx, dy): (i32, i32)) -> Vec<(i32, i32)> {
        let corners: Vec<(f64, f64)> = match self {
            Marker::Circle => (0..=12)
                .map(|k| f64::from(k) * std::f64::consts::PI / 6.0)
                .map(|a| (r * a.cos(), r * a.sin()))
                .collect(),
            Marker::Triangle => vec![(0.0, -r), (r, 0.75 * r), (-r, 0.75 * r), (0.0, -r)],
            Marker::Square => {
                let h = 0.8 * r;
                vec![(-h, -h), (h, -h), (h, h), (-h, h), (-h, -h)]
            }
            Marker::Diamond => vec![(0.0, -r), (r, 0.0), (0.0, r), (-r, 0.0), (0.0, -r)],
        };
        corners.into_iter().map(|(x, y)| (x.round() as i32 + dx, y.round() as i32 + dy)).collect()
    }
}

/// How the series of the expiry at `position` (of `count` in its index) are drawn.
#[derive(Clone, Copy, Debug, PartialEq)]
struct ExpiryStyle {
    color: RGBColor,
    /// Width of the solid strike line: the first expiry widest, each next one narrower and drawn on top.
    strike_width: u32,
    /// Colour of the field line and markers: the expiry's colour darkened, so it shows on its own strike line.
    field_color: RGBColor,
    field_dash: (i32, i32),
    marker: Marker,
    /// Radius of the marker in pixels: the first expiry's largest, so coinciding markers nest.
    marker_size: f64,
}

impl ExpiryStyle {
    fn of(position: usize, count: usize) -> Self {
        let color = palette::EXPIRIES[position % palette::EXPIRIES.len()];
        let dark = |c: u8| (u16::from(c) * 3 / 5) as u8;
        // 0 for the last expiry (drawn last, on top), up to count - 1 for the first.
        let rank = (count.saturating_sub(1).saturating_sub(position)).min(4) as u32;
        Self {
            color,
            strike_width: 2 + 3 * rank,
            field_color: RGBColor(dark(color.0), dark(color.1), dark(color.2)),
            field_dash: FIELD_DASHES[position % FIELD_DASHES.len()],
            marker: MARKERS[position % MARKERS.len()],
            marker_size: f64::from(4 + 3 * rank),
        }
    }
}

/// Whether two of the series share a value in some cycle where both are measured.
fn some_coincide(series: &[&[Option<f64>]]) -> bool {
    series.iter().enumerate().any(|(i, a)| {
        series[i + 1..]
            .iter()
            .any(|b| a.iter().zip(b.iter()).any(|(x, y)| matches!((x, y), (Some(x), Some(y)) if (x - y).abs() < 1e-9)))
    })
}

/// The thresholds of the coverage chart: value, label and colour.
fn thresholds(data: &PlotData) -> [(f64, &'static str, RGBColor); 3] {
    [
        (data.strike_ok, "strike OK threshold", palette::REFERENCE),
        (data.field_ok, "field OK threshold", palette::REFERENCE_LIGHT),
        (data.trigger, "expansion trigger", palette::EXPANSION),
    ]
}

/// The legend of an index's coverage panel (the field swatches with their markers when those are drawn).
fn coverage_entries(data: &PlotData, ix: &data::IndexSeries, markers: bool) -> Vec<Entry> {
    let mut entries: Vec<Entry> = thresholds(data)
        .iter()
        .map(|(value, label, color)| Entry::new(format!("{label} {value}"), Swatch::Dashed(*color, 2, THRESHOLD_DASH)))
        .collect();
    let styles: Vec<ExpiryStyle> = (0..ix.expiries.len()).map(|k| ExpiryStyle::of(k, ix.expiries.len())).collect();
    for (e, st) in ix.expiries.iter().zip(&styles).filter(|(e, _)| e.strike.iter().any(Option::is_some)) {
        entries.push(Entry::new(format!("{} strike", e.rule), Swatch::Line(st.color, st.strike_width)));
    }
    for (e, st) in ix.expiries.iter().zip(&styles).filter(|(e, _)| e.field.iter().any(Option::is_some)) {
        let swatch = if markers {
            Swatch::Marked(st.field_color, st.field_dash, st.marker, st.marker_size)
        } else {
            Swatch::Dashed(st.field_color, 2, st.field_dash)
        };
        entries.push(Entry::new(format!("{} field", e.rule), swatch));
    }
    let all: Vec<&[Option<f64>]> = ix.expiries.iter().flat_map(|e| [e.strike.as_slice(), e.field.as_slice()]).collect();
    if some_coincide(&all) {
        entries.push(Entry::new(COINCIDE_NOTE, Swatch::Note));
    }
    entries.extend(fault_entry(data, Some(&ix.name)));
    entries
}

fn draw_coverage<DB: DrawingBackend>(data: &PlotData, area: &DrawingArea<DB, Shift>) -> DrawResult<()> {
    let all: Vec<Entry> = data.indices.iter().flat_map(|ix| coverage_entries(data, ix, true)).collect();
    let legend_width = legend::width(area, &all)?;
    // A marker at every measured cycle, cycles one apart; every panel is as wide as the whole chart.
    let markers = px_per_cycle(&beside_legend(area, legend_width).0, data)? >= MIN_MARK_SPACING_PX;
    let field = if markers { "dashed, marked" } else { "dashed" };
    let area = title(area, &format!("{}: strike (solid) and field ({field}) coverage per expiry", data.scenario))?;
    let panels = area.split_evenly((data.indices.len().max(1), 1));
    for (ix, panel) in data.indices.iter().zip(&panels) {
        let (plot, strip) = beside_legend(panel, legend_width);
        let top =
            ix.expiries.iter().flat_map(|e| e.strike.iter().chain(&e.field)).flatten().copied().fold(1.0, f64::max)
                + 0.1;
        let mut chart = axes(&plot, data, &ix.name, "coverage (ratio)", top, Some(&ix.name), false)?;
        let (x0, x1) = (x_range(data).start, x_range(data).end);
        let (dash, gap) = THRESHOLD_DASH;
        for (value, _, color) in thresholds(data) {
            let style = color.stroke_width(2);
            chart.draw_series(DashedLineSeries::new(vec![(x0, value), (x1, value)], dash, gap, style)).map_err(err)?;
        }
        let styles: Vec<ExpiryStyle> = (0..ix.expiries.len()).map(|k| ExpiryStyle::of(k, ix.expiries.len())).collect();
        let pts = |v: &[Option<f64>]| -> Vec<Vec<(f64, f64)>> { segments(&data.cycles, v) };
        // Strike lines first, widest first, so every coinciding strike line shows as a band of its own.
        for (e, st) in ix.expiries.iter().zip(&styles) {
            let style = st.color.stroke_width(st.strike_width);
            for seg in pts(&e.strike) {
                chart.draw_series(LineSeries::new(level_runs(seg), style)).map_err(err)?;
            }
        }
        // Field lines on top: a dash pattern and (where they fit) a hollow marker per expiry, in a darker shade.
        for (e, st) in ix.expiries.iter().zip(&styles) {
            let style = st.field_color.stroke_width(2);
            let ((dash, gap), marker, size) = (st.field_dash, st.marker, st.marker_size);
            for seg in pts(&e.field) {
                let marks: Vec<_> = if markers {
                    seg.iter()
                        .map(|p| EmptyElement::at(*p) + PathElement::new(marker.outline(size, (0, 0)), style))
                        .collect()
                } else {
                    Vec::new()
                };
                chart.draw_series(DashedLineSeries::new(level_runs(seg), dash, gap, style)).map_err(err)?;
                chart.draw_series(marks).map_err(err)?;
            }
        }
        legend_beside(&chart, &strip, &coverage_entries(data, ix, markers))?;
    }
    Ok(())
}

/// Whether two per-cycle series are equal at every cycle (an unmeasured cycle, NaN, equals only NaN).
fn same_series(a: &[f64], b: &[f64]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x == y || (x.is_nan() && y.is_nan()))
}

/// The points of a line without the inner points of its level runs: the same line through fewer points (a
/// steady 10,000-cycle series is two points, not 10,000).
fn level_runs(points: Vec<(f64, f64)>) -> Vec<(f64, f64)> {
    let inner =
        |k: usize| k > 0 && k + 1 < points.len() && points[k - 1].1 == points[k].1 && points[k + 1].1 == points[k].1;
    (0..points.len()).filter(|k| !inner(*k)).map(|k| points[k]).collect()
}

/// Runs of consecutive measured values (an unmeasured cycle breaks the line).
fn segments(cycles: &[u64], values: &[Option<f64>]) -> Vec<Vec<(f64, f64)>> {
    let mut out: Vec<Vec<(f64, f64)>> = Vec::new();
    let mut current = Vec::new();
    for (c, v) in cycles.iter().zip(values) {
        match v {
            Some(v) => current.push((*c as f64, *v)),
            None if !current.is_empty() => out.push(std::mem::take(&mut current)),
            None => {}
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// The rectangles of a layer of bars, one per `(cycle, bottom, top)` with `top > bottom`. Apart, each bar is
/// `(offset, width)` of its cycle (in cycles, from the cycle's number); touching, each bar fills its cycle and
/// a run of consecutive cycles with the same bottom and top is one rectangle.
fn bars(points: &[(u64, f64, f64)], apart: bool, (offset, width): (f64, f64)) -> Vec<[(f64, f64); 2]> {
    let mut out: Vec<[(f64, f64); 2]> = Vec::new();
    let mut last: Option<(u64, f64, f64)> = None;
    for &(c, bottom, top) in points.iter().filter(|(_, b, t)| t > b) {
        let x = c as f64;
        if apart {
            out.push([(x + offset, bottom), (x + offset + width, top)]);
        } else {
            match (last, out.last_mut()) {
                (Some((lc, lb, lt)), Some(rect)) if lc + 1 == c && lb == bottom && lt == top => rect[1].0 = x + 0.5,
                _ => out.push([(x - 0.5, bottom), (x + 0.5, top)]),
            }
        }
        last = Some((c, bottom, top));
    }
    out
}

fn stacked<DB: DrawingBackend>(
    data: &PlotData,
    panel: &DrawingArea<DB, Shift>,
    legend_width: u32,
    caption: &str,
    y_desc: &str,
    layers: &[(&str, Vec<f64>, RGBColor)],
    empty: &str,
) -> DrawResult<()> {
    let (plot, strip) = beside_legend(panel, legend_width);
    let top = data
        .cycles
        .iter()
        .enumerate()
        .map(|(i, _)| layers.iter().map(|(_, v, _)| v[i]).sum::<f64>())
        .fold(1.0, f64::max)
        * HEADROOM;
    let mut chart = axes(&plot, data, caption, y_desc, top, None, true)?;
    if layers.iter().all(|(_, v, _)| v.iter().all(|x| *x == 0.0)) {
        let x = (x_range(data).start + x_range(data).end) / 2.0;
        let style = (FONT, 20).into_font().color(&palette::NOTE_TEXT).pos(Pos::new(HPos::Center, VPos::Center));
        chart.draw_series(std::iter::once(Text::new(empty.to_string(), (x, top / 2.0), style))).map_err(err)?;
    }
    let apart = px_per_cycle(&plot, data)? >= MIN_BAR_SPACING_PX;
    let mut base = vec![0.0; data.cycles.len()];
    for (_, values, color) in layers {
        let points: Vec<(u64, f64, f64)> =
            data.cycles.iter().zip(base.iter().zip(values)).map(|(c, (b, v))| (*c, *b, b + v)).collect();
        let rects = bars(&points, apart, (-0.4, 0.8));
        chart.draw_series(rects.into_iter().map(|r| Rectangle::new(r, color.filled()))).map_err(err)?;
        for (b, v) in base.iter_mut().zip(values) {
            *b += v;
        }
    }
    let mut entries: Vec<Entry> =
        layers.iter().map(|(name, _, color)| Entry::new(*name, Swatch::Bar(*color))).collect();
    entries.extend(fault_entry(data, None));
    legend_beside(&chart, &strip, &entries)
}

fn draw_status<DB: DrawingBackend>(data: &PlotData, area: &DrawingArea<DB, Shift>) -> DrawResult<()> {
    let area = title(area, &format!("{}: expiry statuses and partial reasons per cycle", data.scenario))?;
    let panels = area.split_evenly((2, 1));
    let statuses: Vec<(&str, Vec<f64>, RGBColor)> =
        data.statuses.iter().map(|(n, v)| (n.as_str(), v.clone(), palette::status(n))).collect();
    let mut unnamed = 0;
    let reasons: Vec<(&str, Vec<f64>, RGBColor)> = data
        .reasons
        .iter()
        .map(|(n, v)| {
            let color = palette::reason(n, unnamed);
            unnamed += usize::from(!palette::REASONS.iter().any(|(r, _)| r == n));
            (n.as_str(), v.clone(), color)
        })
        .collect();
    let names = statuses.iter().chain(&reasons).map(|(n, _, _)| Entry::new(*n, Swatch::Note));
    let all: Vec<Entry> = names.chain(fault_entry(data, None)).collect();
    let legend_width = legend::width(&area, &all)?;
    stacked(data, &panels[0], legend_width, "statuses", "expiries", &statuses, "no statuses")?;
    stacked(data, &panels[1], legend_width, "partial reasons", "PARTIAL expiries", &reasons, "no partial reasons")
}

fn draw_clamp<DB: DrawingBackend>(data: &PlotData, area: &DrawingArea<DB, Shift>) -> DrawResult<()> {
    let area = title(area, &format!("{}: prefilter clamp, instruments before and after", data.scenario))?;
    let mut entries = vec![
        Entry::new("original", Swatch::Bar(palette::CLAMP_ORIGINAL)),
        Entry::new("kept", Swatch::Bar(palette::CLAMP_KEPT)),
    ];
    entries.extend(fault_entry(data, None));
    let (plot, strip) = beside_legend(&area, legend::width(&area, &entries)?);
    let top = data.clamp_original.iter().copied().fold(1.0, f64::max) * HEADROOM;
    let fired = data.clamp_original.iter().any(|v| *v > 0.0);
    let caption = if fired { "cycles where a clamp fired" } else { "no clamp fired in this run" };
    let mut chart = axes(&plot, data, caption, "instruments", top, None, true)?;
    // Apart, the two bars of a cycle stand side by side; touching, the kept ones (never more) are drawn over
    // the original ones.
    let apart = px_per_cycle(&plot, data)? >= MIN_BAR_SPACING_PX;
    for (values, color, offset) in
        [(&data.clamp_original, palette::CLAMP_ORIGINAL, -0.4), (&data.clamp_kept, palette::CLAMP_KEPT, 0.0)]
    {
        let points: Vec<(u64, f64, f64)> = data.cycles.iter().zip(values.iter()).map(|(c, v)| (*c, 0.0, *v)).collect();
        let rects = bars(&points, apart, (offset, 0.4));
        chart.draw_series(rects.into_iter().map(|r| Rectangle::new(r, color.filled()))).map_err(err)?;
    }
    legend_beside(&chart, &strip, &entries)
}

#[cfg(test)]
mod tests {
    use super::*;
    use plotters::coord::ranged1d::Ranged;

    #[test]
    fn whole_ticks_are_distinct_whole_numbers() {
        for max in 0..300 {
            let (top, labels) = whole_ticks(f64::from(max) * HEADROOM);
            let points = RangedCoordf64::from(0.0..top).key_points(labels);
            assert!(points.len() >= 2, "top {top}: {points:?}");
            assert!(points.iter().all(|p| p.fract() == 0.0), "top {top}: {points:?}");
            let printed: Vec<String> = points.iter().map(|p| format!("{p:.0}")).collect();
            assert!(printed.windows(2).all(|w| w[0] != w[1]), "top {top}: {printed:?}");
        }
    }

    /// However short the run, the cycle axis is labelled at whole cycles, each once.
    #[test]
    fn cycle_ticks_are_distinct_whole_cycles() {
        for last in 1..300u64 {
            let data = PlotData {
                scenario: String::new(),
                cycles: (1..=last).collect(),
                indices: Vec::new(),
                statuses: Vec::new(),
                reasons: Vec::new(),
                clamp_original: Vec::new(),
                clamp_kept: Vec::new(),
                elapsed_s: Vec::new(),
                sla_s: Vec::new(),
                scale: Vec::new(),
                memory_scale: Vec::new(),
                phases: Vec::new(),
                strike_ok: 0.75,
                field_ok: 0.55,
                trigger: 0.675,
            };
            let points = RangedCoordf64::from(x_range(&data)).key_points(x_labels(&data));
            assert!(!points.is_empty() && points.iter().all(|p| p.fract() == 0.0), "{last}: {points:?}");
            if last < 6 {
                assert_eq!(points.len() as u64, last, "{last}: {points:?}");
            } else {
                assert_eq!(x_labels(&data), DEFAULT_X_LABELS, "{last}: the default from 6 cycles on");
            }
        }
    }

    #[test]
    fn long_runs_merge_bars_and_leave_out_marks_that_would_touch() {
        let points = [(1, 0.0, 2.0), (2, 0.0, 2.0), (3, 1.0, 1.0), (4, 0.0, 2.0), (5, 0.0, 3.0), (7, 0.0, 3.0)];
        let apart = bars(&points, true, (-0.4, 0.8));
        assert_eq!(apart.len(), 5, "a bar per cycle with a value: {apart:?}");
        assert_eq!(apart[0], [(0.6, 0.0), (1.4, 2.0)]);
        let touching = bars(&points, false, (-0.4, 0.8));
        let expected =
            [[(0.5, 0.0), (2.5, 2.0)], [(3.5, 0.0), (4.5, 2.0)], [(4.5, 0.0), (5.5, 3.0)], [(6.5, 0.0), (7.5, 3.0)]];
        assert_eq!(touching, expected, "runs of consecutive equal bars are one rectangle");
        assert!(marks_fit([1, 3, 2], MIN_MARK_SPACING_PX), "one cycle apart at the threshold");
        assert!(!marks_fit([1, 3, 2], MIN_MARK_SPACING_PX - 0.1));
        assert!(marks_fit([1, 101], MIN_MARK_SPACING_PX / 100.0) && marks_fit([], 0.0) && marks_fit([5, 5], 0.0));
        let line = vec![(1.0, 1.0), (2.0, 1.0), (3.0, 1.0), (4.0, 2.0), (5.0, f64::NAN), (6.0, f64::NAN)];
        let kept: Vec<f64> = level_runs(line).iter().map(|p| p.0).collect();
        assert_eq!(kept, [1.0, 3.0, 4.0, 5.0, 6.0], "level runs keep their ends; NaN is never level");
    }

    #[test]
    fn coinciding_series_are_found_and_styled_apart() {
        let (a, b, c) = ([Some(1.0), Some(0.5)], [Some(0.9), Some(0.5)], [None, Some(0.4)]);
        assert!(some_coincide(&[&a, &b]));
        assert!(!some_coincide(&[&a, &c]) && !some_coincide(&[&b, &c]) && !some_coincide(&[&a]));
        assert!(!some_coincide(&[&[None, Some(0.4)], &[None, Some(0.45)]]), "an unmeasured cycle is no value");
        assert!(same_series(&[10.0, f64::NAN], &[10.0, f64::NAN]));
        assert!(!same_series(&[10.0, 12.0], &[10.0, 10.0]));
        for count in 1..=4 {
            let styles: Vec<ExpiryStyle> = (0..count).map(|k| ExpiryStyle::of(k, count)).collect();
            for (i, x) in styles.iter().enumerate() {
                assert!(x.strike_width >= 2);
                for y in &styles[i + 1..] {
                    assert!(x.color != y.color && x.field_dash != y.field_dash && x.marker != y.marker);
                    assert!(x.strike_width > y.strike_width && x.marker_size > y.marker_size, "{x:?} {y:?}");
                }
            }
        }
    }
}
