//! Legends drawn in a strip beside a chart's plot area, so they hide no data: a bordered box, one row per
//! series, its swatch (drawn as the series is) then its label.

use super::{DrawResult, FONT, Marker, err, palette};
use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// How a legend entry shows its series.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Swatch {
    /// A solid line: colour and width.
    Line(RGBColor, u32),
    /// A dashed line: colour, width, and dash and gap.
    Dashed(RGBColor, u32, (i32, i32)),
    /// A dashed line with a hollow marker of the given radius on it.
    Marked(RGBColor, (i32, i32), Marker, f64),
    /// A bar's colour.
    Bar(RGBColor),
    /// A filled triangle.
    Triangle(RGBColor),
    /// A cross.
    Cross(RGBColor),
    /// The shading of a fault window.
    Shade,
    /// No swatch: the entry is a note.
    Note,
}

/// One row of a legend.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Entry {
    pub label: String,
    pub swatch: Swatch,
}

impl Entry {
    pub fn new(label: impl Into<String>, swatch: Swatch) -> Self {
        Self { label: label.into(), swatch }
    }
}

/// The labels' font size in pixels.
const LABEL_SIZE: u32 = 14;
/// The height of a row.
const ROW: i32 = 18;
/// The width of a swatch.
const SWATCH: i32 = 24;
/// Space between a swatch and its label.
const GAP: i32 = 8;
/// Space inside the box around the rows.
const PAD: i32 = 7;
/// Space left of the box (between it and the chart) and right of it (to the canvas edge).
const OUTSIDE: i32 = 8;
/// The widest a swatch's line is drawn, so it stays inside its row.
const MAX_LINE: u32 = 10;

/// The width of a strip holding legends of these entries: the widest label, a swatch and the spacing.
pub(super) fn width<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, entries: &[Entry]) -> DrawResult<u32> {
    let style = TextStyle::from((FONT, LABEL_SIZE).into_font());
    let mut widest = 0;
    for e in entries {
        widest = widest.max(area.estimate_text_size(&e.label, &style).map_err(err)?.0);
    }
    Ok(widest + (2 * OUTSIDE + 2 * PAD + SWATCH + GAP) as u32)
}

/// The height of a legend of `rows` entries.
pub(super) fn height(rows: usize) -> u32 {
    (2 * PAD + ROW * rows as i32) as u32
}

/// Draws a legend of `entries` in `strip` (a strip beside a plot area), its top `top` pixels below the
/// strip's.
pub(super) fn draw<DB: DrawingBackend>(strip: &DrawingArea<DB, Shift>, entries: &[Entry], top: i32) -> DrawResult<()> {
    if entries.is_empty() {
        return Ok(());
    }
    let right = strip.dim_in_pixel().0 as i32 - OUTSIDE;
    let bottom = top + height(entries.len()) as i32;
    strip
        .draw(&Rectangle::new([(OUTSIDE, top), (right, bottom)], palette::LEGEND_BORDER.stroke_width(1)))
        .map_err(err)?;
    for (k, e) in entries.iter().enumerate() {
        let y = top + PAD + ROW * k as i32 + ROW / 2;
        let x = OUTSIDE + PAD;
        draw_swatch(strip, e.swatch, (x, y))?;
        let color = if e.swatch == Swatch::Note { palette::NOTE_TEXT } else { BLACK };
        let style = (FONT, LABEL_SIZE).into_font().color(&color).pos(Pos::new(HPos::Left, VPos::Center));
        strip.draw(&Text::new(e.label.clone(), (x + SWATCH + GAP, y), style)).map_err(err)?;
    }
    Ok(())
}

/// Draws a swatch from `x` to `x + SWATCH`, centred on row `y`.
fn draw_swatch<DB: DrawingBackend>(
    strip: &DrawingArea<DB, Shift>,
    swatch: Swatch,
    (x, y): (i32, i32),
) -> DrawResult<()> {
    let line = vec![(x, y), (x + SWATCH, y)];
    let mid = (x + SWATCH / 2, y);
    match swatch {
        Swatch::Line(color, width) => {
            strip.draw(&PathElement::new(line, color.stroke_width(width.min(MAX_LINE)))).map_err(err)
        }
        Swatch::Dashed(color, width, (dash, gap)) => {
            let style = color.stroke_width(width.min(MAX_LINE));
            strip.draw(&DashedPathElement::new(line, dash, gap, style)).map_err(err)
        }
        Swatch::Marked(color, (dash, gap), marker, size) => {
            let style = color.stroke_width(2);
            strip.draw(&DashedPathElement::new(line, dash, gap, style)).map_err(err)?;
            strip.draw(&PathElement::new(marker.outline(size.min(6.0), mid), style)).map_err(err)
        }
        Swatch::Bar(color) => {
            strip.draw(&Rectangle::new([(x + 5, y - 6), (x + SWATCH - 5, y + 6)], color.filled())).map_err(err)
        }
        Swatch::Triangle(color) => strip.draw(&TriangleMarker::new(mid, 6, color.filled())).map_err(err),
        Swatch::Cross(color) => strip.draw(&Cross::new(mid, 5, color.stroke_width(3))).map_err(err),
        Swatch::Shade => {
            let corners = [(x, y - 7), (x + SWATCH, y + 7)];
            strip.draw(&Rectangle::new(corners, palette::FAULT_FILL.filled())).map_err(err)?;
            strip.draw(&Rectangle::new(corners, palette::LEGEND_BORDER.stroke_width(1))).map_err(err)
        }
        Swatch::Note => Ok(()),
    }
}
