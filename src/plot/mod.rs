//! Charts of a run, drawn with plotters: strike depth, coverage, statuses and reasons, and the prefilter
//! clamp, each as PNG and SVG.
//!
//! Charts are built from the run's own outputs (`cycles.jsonl`, `events.jsonl`, `manifest.json`), so
//! `g6sim plot RUN_DIR` redraws any finished run. Text uses DejaVu Sans embedded in the binary (the
//! `dejavu` crate) and registered with plotters' `ab_glyph` backend: no system font, no fontconfig, and
//! the same SVG bytes on every machine.

mod data;

pub use data::{PlotData, load_dir};

use crate::output::write_atomic;
use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use std::path::{Path, PathBuf};
use std::sync::Once;

const FONT: &str = "sans-serif";
const WIDTH: u32 = 1200;
const PANEL_HEIGHT: u32 = 300;

fn register_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // The bytes are a valid TrueType font shipped by the dejavu crate.
        let _ = plotters::style::register_font(FONT, FontStyle::Normal, dejavu::sans::regular());
    });
}

type DrawResult<T> = Result<T, String>;

type Chart2d<'a, DB> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

fn err<E: std::fmt::Debug>(e: E) -> String {
    format!("{e:?}")
}

const PALETTE: [RGBColor; 8] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
];
const FAULT_FILL: RGBAColor = RGBAColor(214, 39, 40, 0.10);

/// A chart: its file stem and how to draw it on an area.
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

/// The charts of a run, by file stem (each written as `.svg` and `.png`).
pub const CHARTS: [&str; 4] = ["depth", "coverage", "status", "clamp"];

/// Writes every chart as `DIR/<name>.svg` and `DIR/<name>.png`; returns the files written.
pub fn render(data: &PlotData, dir: &Path) -> DrawResult<Vec<PathBuf>> {
    register_font();
    std::fs::create_dir_all(dir).map_err(err)?;
    let panels = data.indices.len().max(1) as u32;
    let charts = [
        chart!("depth", PANEL_HEIGHT * panels + 40, draw_depth),
        chart!("coverage", PANEL_HEIGHT * panels + 40, draw_coverage),
        chart!("status", 2 * PANEL_HEIGHT + 40, draw_status),
        chart!("clamp", PANEL_HEIGHT + 60, draw_clamp),
    ];
    debug_assert_eq!(charts.each_ref().map(|c| c.stem), CHARTS, "CHARTS lists the charts drawn");
    let mut written = Vec::new();
    for c in charts {
        let mut svg = String::new();
        {
            let area = SVGBackend::with_string(&mut svg, (WIDTH, c.height)).into_drawing_area();
            area.fill(&WHITE).map_err(err)?;
            (c.draw)(data, &area)?;
            area.present().map_err(err)?;
        }
        let path = dir.join(format!("{}.svg", c.stem));
        write_atomic(&path, svg.as_bytes()).map_err(err)?;
        written.push(path);
        let mut rgb = vec![0u8; (WIDTH * c.height * 3) as usize];
        {
            let area = BitMapBackend::with_buffer(&mut rgb, (WIDTH, c.height)).into_drawing_area();
            area.fill(&WHITE).map_err(err)?;
            (c.draw_png)(data, &area)?;
            area.present().map_err(err)?;
        }
        let mut png = Vec::new();
        image::codecs::png::PngEncoder::new(&mut png)
            .write_image(&rgb, WIDTH, c.height, image::ColorType::Rgb8)
            .map_err(err)?;
        let path = dir.join(format!("{}.png", c.stem));
        write_atomic(&path, &png).map_err(err)?;
        written.push(path);
    }
    Ok(written)
}

use image::ImageEncoder;

fn title<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, text: &str) -> DrawResult<DrawingArea<DB, Shift>> {
    let titled = area.titled(text, (FONT, 22)).map_err(err)?;
    Ok(titled)
}

fn x_range(data: &PlotData) -> std::ops::Range<f64> {
    let last = data.cycles.last().copied().unwrap_or(1) as f64;
    0.5..last + 0.5
}

/// Shades the cycle windows of the faults that touch `index` (or every index), labelled with the phase.
fn shade_faults<'a, DB: DrawingBackend + 'a>(
    chart: &mut Chart2d<'a, DB>,
    data: &PlotData,
    index: Option<&str>,
    y: (f64, f64),
) -> DrawResult<()> {
    for phase in data
        .phases
        .iter()
        .filter(|p| index.is_none_or(|i| p.index.as_deref().is_none_or(|pi| pi.eq_ignore_ascii_case(i))))
    {
        let (a, b) = (phase.first as f64 - 0.5, phase.last as f64 + 0.5);
        chart.draw_series(std::iter::once(Rectangle::new([(a, y.0), (b, y.1)], FAULT_FILL.filled()))).map_err(err)?;
        let label = Text::new(phase.name.clone(), (a, y.1), (FONT, 13).into_font().color(&RGBColor(160, 30, 30)));
        chart.draw_series(std::iter::once(label)).map_err(err)?;
    }
    Ok(())
}

fn legend<'a, DB: DrawingBackend + 'a>(chart: &mut Chart2d<'a, DB>, position: SeriesLabelPosition) -> DrawResult<()> {
    chart
        .configure_series_labels()
        .position(position)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .label_font((FONT, 14))
        .draw()
        .map_err(err)
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
    let mut chart = ChartBuilder::on(area)
        .caption(caption, (FONT, 16))
        .margin(8)
        .x_label_area_size(34)
        .y_label_area_size(60)
        .build_cartesian_2d(x_range(data), 0.0..top)
        .map_err(err)?;
    let y_format = |y: &f64| if whole_y { format!("{y:.0}") } else { format!("{y:.1}") };
    chart
        .configure_mesh()
        .x_desc("cycle")
        .y_desc(y_desc)
        .x_label_formatter(&|x| format!("{x:.0}"))
        .y_label_formatter(&y_format)
        .label_style((FONT, 13))
        .draw()
        .map_err(err)?;
    shade_faults(&mut chart, data, faults_of, (0.0, top))?;
    Ok(chart)
}

fn draw_depth<DB: DrawingBackend>(data: &PlotData, area: &DrawingArea<DB, Shift>) -> DrawResult<()> {
    let area = title(area, &format!("{}: strike depth per side (shaded: fault windows)", data.scenario))?;
    let panels = area.split_evenly((data.indices.len().max(1), 1));
    for (ix, panel) in data.indices.iter().zip(&panels) {
        let top = ix.itm.iter().chain(&ix.otm).chain(&ix.baseline_itm).copied().fold(2.0, f64::max) + 4.0;
        let caption = format!("{} (triangles: expansions, crosses: contractions)", ix.name);
        let mut chart = axes(panel, data, &caption, "strikes per side", top, Some(&ix.name), true)?;
        let series =
            |v: &[f64]| -> Vec<(f64, f64)> { data.cycles.iter().map(|c| *c as f64).zip(v.iter().copied()).collect() };
        // ITM is drawn wider underneath, so it stays visible where OTM runs on top of it.
        let (itm, otm) = (RGBColor(120, 170, 220), PALETTE[1]);
        chart
            .draw_series(DashedLineSeries::new(series(&ix.baseline_itm), 8, 6, RGBColor(90, 90, 90).stroke_width(2)))
            .map_err(err)?
            .label("baseline")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], RGBColor(90, 90, 90).stroke_width(2)));
        chart
            .draw_series(LineSeries::new(series(&ix.itm), itm.stroke_width(6)))
            .map_err(err)?
            .label("itm")
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], itm.stroke_width(6)));
        chart
            .draw_series(LineSeries::new(series(&ix.otm), otm.stroke_width(2)))
            .map_err(err)?
            .label("otm")
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], otm.stroke_width(2)));
        let marks = |expansion: bool| -> Vec<(f64, f64)> {
            ix.adjustments.iter().filter(|a| a.expansion == expansion).map(|a| (a.cycle as f64, a.new_itm)).collect()
        };
        chart
            .draw_series(marks(true).into_iter().map(|p| TriangleMarker::new(p, 7, PALETTE[3].filled())))
            .map_err(err)?
            .label("expansion")
            .legend(|(x, y)| TriangleMarker::new((x + 9, y), 6, PALETTE[3].filled()));
        chart
            .draw_series(marks(false).into_iter().map(|p| Cross::new(p, 6, PALETTE[2].stroke_width(3))))
            .map_err(err)?
            .label("contraction")
            .legend(|(x, y)| Cross::new((x + 9, y), 5, PALETTE[2].stroke_width(3)));
        legend(&mut chart, SeriesLabelPosition::LowerRight)?;
    }
    Ok(())
}

fn draw_coverage<DB: DrawingBackend>(data: &PlotData, area: &DrawingArea<DB, Shift>) -> DrawResult<()> {
    let area = title(area, &format!("{}: strike (solid) and field (dashed) coverage per expiry", data.scenario))?;
    let panels = area.split_evenly((data.indices.len().max(1), 1));
    for (ix, panel) in data.indices.iter().zip(&panels) {
        let top =
            ix.expiries.iter().flat_map(|e| e.strike.iter().chain(&e.field)).flatten().copied().fold(1.0, f64::max)
                + 0.1;
        let mut chart = axes(panel, data, &ix.name, "coverage (ratio)", top, Some(&ix.name), false)?;
        let (x0, x1) = (x_range(data).start, x_range(data).end);
        for (value, label, color) in [
            (data.strike_ok, "strike OK threshold", RGBColor(60, 60, 60)),
            (data.field_ok, "field OK threshold", RGBColor(150, 150, 150)),
            (data.trigger, "expansion trigger", PALETTE[3]),
        ] {
            chart
                .draw_series(DashedLineSeries::new(vec![(x0, value), (x1, value)], 4, 4, color.stroke_width(1)))
                .map_err(err)?
                .label(format!("{label} {value}"))
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], color.stroke_width(1)));
        }
        for (k, e) in ix.expiries.iter().enumerate() {
            let color = PALETTE[k % 3 * 2 % PALETTE.len()];
            let pts = |v: &[Option<f64>]| -> Vec<Vec<(f64, f64)>> { segments(&data.cycles, v) };
            for (n, seg) in pts(&e.strike).into_iter().enumerate() {
                let s = chart.draw_series(LineSeries::new(seg, color.stroke_width(2))).map_err(err)?;
                if n == 0 {
                    s.label(format!("{} strike", e.rule))
                        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], color.stroke_width(2)));
                }
            }
            for (n, seg) in pts(&e.field).into_iter().enumerate() {
                let s = chart.draw_series(DashedLineSeries::new(seg, 6, 4, color.stroke_width(2))).map_err(err)?;
                if n == 0 {
                    s.label(format!("{} field", e.rule))
                        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 6, y)], color.stroke_width(2)));
                }
            }
        }
        legend(&mut chart, SeriesLabelPosition::LowerRight)?;
    }
    Ok(())
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

fn stacked<DB: DrawingBackend>(
    data: &PlotData,
    panel: &DrawingArea<DB, Shift>,
    caption: &str,
    y_desc: &str,
    layers: &[(&str, Vec<f64>)],
) -> DrawResult<()> {
    let top =
        data.cycles.iter().enumerate().map(|(i, _)| layers.iter().map(|(_, v)| v[i]).sum::<f64>()).fold(1.0, f64::max)
            * 1.7;
    let mut chart = axes(panel, data, caption, y_desc, top, None, true)?;
    let mut base = vec![0.0; data.cycles.len()];
    for (k, (name, values)) in layers.iter().enumerate() {
        let color = PALETTE[k % PALETTE.len()];
        let bars: Vec<Rectangle<(f64, f64)>> = data
            .cycles
            .iter()
            .enumerate()
            .filter(|(i, _)| values[*i] > 0.0)
            .map(|(i, c)| {
                Rectangle::new([(*c as f64 - 0.4, base[i]), (*c as f64 + 0.4, base[i] + values[i])], color.filled())
            })
            .collect();
        chart
            .draw_series(bars)
            .map_err(err)?
            .label(*name)
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 12, y + 5)], color.filled()));
        for (b, v) in base.iter_mut().zip(values) {
            *b += v;
        }
    }
    legend(&mut chart, SeriesLabelPosition::UpperRight)
}

fn draw_status<DB: DrawingBackend>(data: &PlotData, area: &DrawingArea<DB, Shift>) -> DrawResult<()> {
    let area = title(area, &format!("{}: expiry statuses and partial reasons per cycle", data.scenario))?;
    let panels = area.split_evenly((2, 1));
    let statuses: Vec<(&str, Vec<f64>)> = data.statuses.iter().map(|(n, v)| (n.as_str(), v.clone())).collect();
    stacked(data, &panels[0], "statuses", "expiries", &statuses)?;
    let reasons: Vec<(&str, Vec<f64>)> = data.reasons.iter().map(|(n, v)| (n.as_str(), v.clone())).collect();
    stacked(data, &panels[1], "partial reasons", "PARTIAL expiries", &reasons)
}

fn draw_clamp<DB: DrawingBackend>(data: &PlotData, area: &DrawingArea<DB, Shift>) -> DrawResult<()> {
    let area = title(area, &format!("{}: prefilter clamp, instruments before and after", data.scenario))?;
    let top = data.clamp_original.iter().copied().fold(1.0, f64::max) * 1.5;
    let fired = data.clamp_original.iter().any(|v| *v > 0.0);
    let caption = if fired { "cycles where a clamp fired" } else { "no clamp fired in this run" };
    let mut chart = axes(&area, data, caption, "instruments", top, None, true)?;
    for (name, values, color, offset) in
        [("original", &data.clamp_original, PALETTE[7], -0.4), ("kept", &data.clamp_kept, PALETTE[0], 0.0)]
    {
        let bars: Vec<Rectangle<(f64, f64)>> = data
            .cycles
            .iter()
            .zip(values.iter())
            .filter(|(_, v)| **v > 0.0)
            .map(|(c, v)| Rectangle::new([(*c as f64 + offset, 0.0), (*c as f64 + offset + 0.4, *v)], color.filled()))
            .collect();
        chart
            .draw_series(bars)
            .map_err(err)?
            .label(name)
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 12, y + 5)], color.filled()));
    }
    legend(&mut chart, SeriesLabelPosition::UpperRight)
}
