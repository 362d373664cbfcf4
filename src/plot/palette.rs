//! The colours of every chart, in one place.
//!
//! The hues are Okabe and Ito's eight colour-universal-design colours (bluish green, orange, vermillion,
//! blue, sky blue, reddish purple, yellow, black), chosen to stay apart under the common colour-vision
//! deficiencies, with Paul Tol's indigo and wine (from his colour-blind-safe "muted" scheme) where more are
//! needed, and neutral greys.
//!
//! Colours carry meaning, and the same meaning in every chart:
//! - **statuses** ([`STATUSES`]): OK bluish green, PARTIAL orange (amber), EMPTY vermillion (red), SYNTH grey;
//! - **partial reasons** ([`REASONS`]): blues, purples and yellow, none of them a status colour, so a bar of
//!   the reasons panel never reads as a status;
//! - every other series (depth lines, expiries, thresholds, the clamp, the heat maps' outline) avoids the
//!   status colours too, so green, amber and red only ever mean a status. The expansion trigger and the
//!   expansion marks share one colour, and the clamp's kept instruments take the `prefilter_clamp` reason's.
//!
//! Statuses and reasons never share a colour, and no other series takes a status colour (tested).

use plotters::style::{RGBAColor, RGBColor};

/// Okabe–Ito bluish green.
const BLUISH_GREEN: RGBColor = RGBColor(0, 158, 115);
/// Okabe–Ito orange.
const ORANGE: RGBColor = RGBColor(230, 159, 0);
/// Okabe–Ito vermillion.
const VERMILLION: RGBColor = RGBColor(213, 94, 0);
/// Okabe–Ito blue.
const BLUE: RGBColor = RGBColor(0, 114, 178);
/// Okabe–Ito sky blue.
const SKY_BLUE: RGBColor = RGBColor(86, 180, 233);
/// Okabe–Ito reddish purple.
const REDDISH_PURPLE: RGBColor = RGBColor(204, 121, 167);
/// Okabe–Ito yellow.
const YELLOW: RGBColor = RGBColor(240, 228, 66);
/// Paul Tol's indigo.
const INDIGO: RGBColor = RGBColor(51, 34, 136);
/// Paul Tol's wine.
const WINE: RGBColor = RGBColor(136, 34, 85);
const BLACK: RGBColor = RGBColor(0, 0, 0);
const GREY: RGBColor = RGBColor(153, 153, 153);

/// The status colours, in the charts' order (OK, PARTIAL, EMPTY, SYNTH).
pub const STATUSES: [(&str, RGBColor); 4] =
    [("OK", BLUISH_GREEN), ("PARTIAL", ORANGE), ("EMPTY", VERMILLION), ("SYNTH", GREY)];

/// The partial reasons' colours.
pub const REASONS: [(&str, RGBColor); 5] = [
    ("low_strike", BLUE),
    ("low_field", SKY_BLUE),
    ("low_both", REDDISH_PURPLE),
    ("unknown", YELLOW),
    ("prefilter_clamp", INDIGO),
];

/// The colours of reasons the table does not name, in turn.
const OTHER_REASONS: [RGBColor; 2] = [WINE, BLACK];

/// A status's colour (its name in any case); black for a name that is no status.
pub fn status(name: &str) -> RGBColor {
    STATUSES.iter().find(|(s, _)| s.eq_ignore_ascii_case(name)).map_or(BLACK, |(_, c)| *c)
}

/// A partial reason's colour; a reason the table does not name takes the next of two others, by `unnamed`
/// (how many unnamed reasons came before it).
pub fn reason(name: &str, unnamed: usize) -> RGBColor {
    REASONS.iter().find(|(r, _)| *r == name).map_or(OTHER_REASONS[unnamed % OTHER_REASONS.len()], |(_, c)| *c)
}

/// The depth line when ITM and OTM depth are equal.
pub(crate) const DEPTH_BOTH: RGBColor = BLUE;
/// The ITM depth line (drawn wide, underneath).
pub(crate) const DEPTH_ITM: RGBColor = SKY_BLUE;
/// The OTM depth line (drawn narrow, on top).
pub(crate) const DEPTH_OTM: RGBColor = INDIGO;
/// The baseline depth, and the strike OK threshold: dark grey, dashed.
pub(crate) const REFERENCE: RGBColor = RGBColor(70, 70, 70);
/// The field OK threshold: light grey, dashed.
pub(crate) const REFERENCE_LIGHT: RGBColor = RGBColor(165, 165, 165);
/// Expansions of the depth and the coverage that triggers them.
pub(crate) const EXPANSION: RGBColor = REDDISH_PURPLE;
/// Contractions of the depth.
pub(crate) const CONTRACTION: RGBColor = BLACK;
/// The coverage chart's expiries, by position in their index.
pub(crate) const EXPIRIES: [RGBColor; 6] = [BLUE, SKY_BLUE, INDIGO, WINE, BLACK, YELLOW];
/// A cycle's modelled time.
pub(crate) const CYCLE_TIME: RGBColor = BLUE;
/// A cycle over its SLA.
pub(crate) const BREACH: RGBColor = REDDISH_PURPLE;
/// Strike scaling's factor.
pub(crate) const SCALE: RGBColor = BLACK;
/// Memory pressure's depth scale (dashed).
pub(crate) const MEMORY_SCALE: RGBColor = WINE;
/// The ladder built when strike scaling or memory pressure scales it away from the depth.
pub(crate) const LADDER: RGBColor = WINE;
/// The clamp chart's instruments before the clamp: a light tint of [`CLAMP_KEPT`].
pub(crate) const CLAMP_ORIGINAL: RGBColor = RGBColor(163, 155, 201);
/// The clamp chart's instruments kept: the `prefilter_clamp` reason's colour.
pub(crate) const CLAMP_KEPT: RGBColor = INDIGO;
/// The shading of a fault window: a faint grey, behind the data.
pub(crate) const FAULT_FILL: RGBAColor = RGBAColor(0, 0, 0, 0.08);
/// The names of fault windows and notes in a chart.
pub(crate) const NOTE_TEXT: RGBColor = RGBColor(80, 80, 80);
/// The border of a legend.
pub(crate) const LEGEND_BORDER: RGBColor = RGBColor(170, 170, 170);
/// The outline of a sweep's recommended setting.
pub(crate) const RECOMMENDED: RGBColor = BLUE;
/// A heat map cell without a value.
pub(crate) const MISSING: RGBColor = RGBColor(200, 200, 200);
/// The ring of a sweep's settings indistinguishable from the recommended one: a lighter blue than
/// [`RECOMMENDED`]'s.
pub(crate) const INDISTINGUISHABLE: RGBColor = SKY_BLUE;

/// The heat maps' scale, light yellow to dark red (ColorBrewer YlOrRd, readable with the common colour-vision
/// deficiencies): smaller, better scores light.
pub(crate) const SEQUENTIAL: [RGBColor; 9] = [
    RGBColor(255, 255, 204),
    RGBColor(255, 237, 160),
    RGBColor(254, 217, 118),
    RGBColor(254, 178, 76),
    RGBColor(253, 141, 60),
    RGBColor(252, 78, 42),
    RGBColor(227, 26, 28),
    RGBColor(189, 0, 38),
    RGBColor(128, 0, 38),
];

/// Every colour of a series that is not a status (the heat maps' scale aside: it measures, and its cells are
/// labelled with their values).
#[cfg(test)]
pub(crate) fn non_status() -> Vec<RGBColor> {
    let mut all = vec![
        DEPTH_BOTH,
        DEPTH_ITM,
        DEPTH_OTM,
        REFERENCE,
        REFERENCE_LIGHT,
        EXPANSION,
        CONTRACTION,
        CLAMP_ORIGINAL,
        CLAMP_KEPT,
        RECOMMENDED,
        INDISTINGUISHABLE,
        MISSING,
        SCALE,
        MEMORY_SCALE,
        LADDER,
        CYCLE_TIME,
        BREACH,
    ];
    all.extend(EXPIRIES);
    all.extend(REASONS.map(|(_, c)| c));
    all.extend(OTHER_REASONS);
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_and_reasons_have_colours_of_their_own() {
        let statuses: Vec<RGBColor> = STATUSES.iter().map(|(_, c)| *c).collect();
        let reasons: Vec<RGBColor> = REASONS.iter().map(|(_, c)| *c).chain(OTHER_REASONS).collect();
        for colours in [&statuses, &reasons] {
            for (i, a) in colours.iter().enumerate() {
                assert!(!colours[i + 1..].contains(a), "{a:?} twice in {colours:?}");
            }
        }
        for c in &reasons {
            assert!(!statuses.contains(c), "reason colour {c:?} is a status colour");
        }
        for c in non_status() {
            assert!(!statuses.contains(&c), "series colour {c:?} is a status colour");
        }
        for (name, c) in STATUSES {
            assert_eq!(status(name), c);
            assert_eq!(status(&name.to_lowercase()), c);
        }
        for (name, c) in REASONS {
            assert_eq!(reason(name, 0), c);
        }
        assert_eq!([reason("new", 0), reason("newer", 1), reason("newest", 2)], [WINE, BLACK, WINE]);
    }

    #[test]
    fn statuses_read_green_amber_red_grey() {
        let [ok, partial, empty, synth] = STATUSES.map(|(_, c)| c);
        assert!(ok.1 > ok.0 + 60 && ok.1 > ok.2, "OK green: {ok:?}");
        assert!(partial.0 > partial.1 && partial.1 > 110 && partial.2 < 60, "PARTIAL amber: {partial:?}");
        assert!(empty.0 > 150 && empty.1 < empty.0 / 2 + 10 && empty.2 < 60, "EMPTY red: {empty:?}");
        assert!(synth.0 == synth.1 && synth.1 == synth.2, "SYNTH grey: {synth:?}");
    }
}
