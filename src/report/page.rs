//! The page every report shares: one self-contained HTML file (styles inline, charts inline as SVG, no script,
//! no font, no fetch: a Content-Security-Policy forbids every one), built from escaped text.

use std::fmt::Write;

/// Text as HTML reads it back: `&`, `<`, `>`, `"` and `'` as entities.
pub(crate) fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "\
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:0 auto;max-width:1240px;padding:1em 1.5em;\
color:#1b1b1b;background:#fff;line-height:1.4}\
h1{font-size:1.6em;margin:.2em 0}h2{font-size:1.25em;border-bottom:1px solid #ddd;padding-bottom:.2em;margin-top:1.6em}\
h3{font-size:1.05em}table{border-collapse:collapse;margin:.5em 0;font-size:.92em}\
th,td{border:1px solid #ddd;padding:.25em .6em;text-align:left;vertical-align:top}th{background:#f4f4f4}\
.n{font-variant-numeric:tabular-nums}\
.verdict{display:inline-block;font-weight:700;padding:.15em .7em;border-radius:.3em;color:#fff}\
.PASS{background:#1a7f37}.FAIL{background:#cf222e}.EMPTY{background:#9a6700}.ERROR{background:#6e7781}\
tr.fail td{background:#ffebe9}tr.best td{background:#dafbe1}\
pre{background:#f6f8fa;padding:.6em;overflow:auto;font-size:.88em}code{font-size:.92em}\
details{margin:.5em 0}summary{cursor:pointer;font-weight:600}\
figure{margin:1em 0}figcaption{font-weight:600;margin-bottom:.3em}svg{max-width:100%;height:auto}\
.wide{overflow-x:auto}.cols{display:flex;flex-wrap:wrap;gap:0 2.5em}footer{margin-top:2em;color:#666;font-size:.85em}";

/// A page under construction.
pub(crate) struct Page {
    html: String,
}

impl Page {
    /// A page titled `title`: the head (charset, policy, style) and the heading.
    pub(crate) fn new(title: &str) -> Self {
        let mut html = String::from("<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        html.push_str(
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n",
        );
        html.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
        let _ = writeln!(html, "<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>", esc(title));
        let _ = writeln!(html, "<h1>{}</h1>", esc(title));
        Page { html }
    }

    /// Raw HTML, already escaped by its builder.
    pub(crate) fn raw(&mut self, html: &str) -> &mut Self {
        self.html.push_str(html);
        self
    }

    /// A paragraph of text.
    pub(crate) fn para(&mut self, text: &str) -> &mut Self {
        let _ = writeln!(self.html, "<p>{}</p>", esc(text));
        self
    }

    /// Opens a section with id `id` and heading `title`.
    pub(crate) fn section(&mut self, id: &str, title: &str) -> &mut Self {
        let _ = writeln!(self.html, "<section id=\"{id}\">\n<h2>{}</h2>", esc(title));
        self
    }

    pub(crate) fn end_section(&mut self) -> &mut Self {
        self.html.push_str("</section>\n");
        self
    }

    /// A verdict badge (PASS, FAIL, EMPTY or ERROR).
    pub(crate) fn verdict(&mut self, label: &str, what: &str) -> &mut Self {
        let _ = writeln!(self.html, "<p><span class=\"verdict {label}\">{label}</span> {}</p>", esc(what));
        self
    }

    /// A two-column table of names and values.
    pub(crate) fn pairs(&mut self, rows: &[(&str, String)]) -> &mut Self {
        self.html.push_str("<table class=\"pairs\">\n");
        for (name, value) in rows {
            let _ = writeln!(self.html, "<tr><th>{}</th><td>{}</td></tr>", esc(name), esc(value));
        }
        self.html.push_str("</table>\n");
        self
    }

    /// A table: its header and rows of cells (already HTML), each row with a class (empty for none).
    pub(crate) fn table(&mut self, header: &[&str], rows: &[(String, Vec<String>)]) -> &mut Self {
        self.html.push_str("<div class=\"wide\"><table>\n<tr>");
        for h in header {
            let _ = write!(self.html, "<th>{}</th>", esc(h));
        }
        self.html.push_str("</tr>\n");
        for (class, cells) in rows {
            if class.is_empty() {
                self.html.push_str("<tr>");
            } else {
                let _ = write!(self.html, "<tr class=\"{class}\">");
            }
            for c in cells {
                let _ = write!(self.html, "<td>{c}</td>");
            }
            self.html.push_str("</tr>\n");
        }
        self.html.push_str("</table></div>\n");
        self
    }

    /// Preformatted text.
    pub(crate) fn pre(&mut self, text: &str) -> &mut Self {
        let _ = writeln!(self.html, "<pre>{}</pre>", esc(text));
        self
    }

    /// A chart: its caption and its SVG text, inline (the SVG's own XML declaration, if any, dropped).
    pub(crate) fn chart(&mut self, caption: &str, svg: &str) -> &mut Self {
        let svg = svg.find("<svg").map_or(svg, |at| &svg[at..]);
        let _ =
            writeln!(self.html, "<figure>\n<figcaption>{}</figcaption>\n{}\n</figure>", esc(caption), svg.trim_end());
        self
    }

    /// Opens a collapsed block with `summary`.
    pub(crate) fn details(&mut self, summary: &str) -> &mut Self {
        let _ = writeln!(self.html, "<details>\n<summary>{}</summary>", esc(summary));
        self
    }

    pub(crate) fn end_details(&mut self) -> &mut Self {
        self.html.push_str("</details>\n");
        self
    }

    /// The finished page, its footer naming the g6sim that wrote it.
    pub(crate) fn finish(mut self, source: &str) -> String {
        let _ = writeln!(
            self.html,
            "<footer>Written by g6sim {} from {}.</footer>\n</body>\n</html>",
            env!("CARGO_PKG_VERSION"),
            esc(source)
        );
        self.html
    }
}

/// A cell holding `text`, escaped.
pub(crate) fn cell(text: &str) -> String {
    esc(text)
}

/// A number's cell, right-aligned.
pub(crate) fn num(text: &str) -> String {
    format!("<span class=\"n\">{}</span>", esc(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_everywhere_and_the_page_fetches_nothing() {
        assert_eq!(esc("<a href='x'>&\"</a>"), "&lt;a href=&#39;x&#39;&gt;&amp;&quot;&lt;/a&gt;");
        let mut page = Page::new("<script>alert(1)</script>");
        page.para("<b>").pairs(&[("a<", "b>".into())]).pre("</pre>").chart("c", "<?xml?>\n<svg></svg>");
        let html = page.finish("dir<");
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("<?xml"), "{html}");
        assert!(html.contains("<svg></svg>") && html.contains("&lt;/pre&gt;"), "{html}");
        assert!(html.contains("default-src 'none'"), "{html}");
    }
}
