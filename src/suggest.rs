//! "Did you mean": the closest known name to a misspelt one, for error messages.

/// Edit distance (insertions, deletions, substitutions, and swaps of two neighbouring letters: `SYNHT` is one
/// edit from `SYNTH`), case-insensitive: strsim's optimal string alignment distance of the lower-cased words.
pub fn distance(a: &str, b: &str) -> usize {
    strsim::osa_distance(&a.to_lowercase(), &b.to_lowercase())
}

/// The candidate closest to `word`, when it is close enough to be a likely typo (at most a third of the
/// word's letters away, and at least one).
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (word.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .map(|c| (distance(word, c), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// ` (did you mean `X`?)` when a candidate is close, else nothing.
pub fn did_you_mean<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    closest(word, candidates).map(|c| format!(" (did you mean `{c}`?)")).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        assert_eq!(distance("contractoin", "contraction"), 1, "a swap is one edit");
        assert_eq!(distance("SYNHT", "SYNTH"), 1);
        assert_eq!(distance("ab", "ba"), 1);
        assert_eq!(distance("abc", "ca"), 3);
        assert_eq!(distance("kitten", "sitting"), 3);
        assert_eq!(distance("BANKNIFY", "banknifty"), 1);
        assert_eq!(distance("", "abc"), 3);
        assert_eq!(distance("same", "same"), 0);
    }

    #[test]
    fn suggests_only_close_names() {
        let known = ["low_strike_cov", "contraction"];
        assert_eq!(closest("contractoin", known), Some("contraction"));
        assert_eq!(closest("expansion", known), None);
        assert_eq!(did_you_mean("NIFY", ["NIFTY", "BANKNIFTY"]), " (did you mean `NIFTY`?)");
        assert_eq!(did_you_mean("XYZ", ["NIFTY"]), "");
        assert_eq!(closest("SYNHT", ["OK", "PARTIAL", "EMPTY", "SYNTH"]), Some("SYNTH"), "a short word's swap");
    }
}
