//! Markdown for article bodies, rendered with pulldown-cmark and sanitised with ammonia:
//! no scripts, no event handlers, no `javascript:` links, whatever the editor typed.

use pulldown_cmark::{Options, Parser, html};

/// Renders Markdown to HTML that is safe to embed in a page.
pub fn render_safe(markdown: &str) -> String {
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    let mut raw = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut raw, Parser::new_ext(markdown, options));
    ammonia::Builder::default()
        .url_schemes(["http", "https", "mailto", "tel"].into_iter().collect())
        .link_rel(Some("noopener noreferrer nofollow"))
        .clean(&raw)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_becomes_html() {
        let html = render_safe("# Tiêu đề\n\nMột **đoạn** với [liên kết](https://langson.gov.vn).");
        assert!(html.contains("<h1>Tiêu đề</h1>"), "{html}");
        assert!(html.contains("<strong>đoạn</strong>"));
        assert!(html.contains("href=\"https://langson.gov.vn\""));
        assert!(html.contains("rel=\"noopener noreferrer nofollow\""));
    }

    #[test]
    fn scripts_handlers_and_javascript_links_are_removed() {
        let evil = "<script>alert('x')</script>\n\n\
            <img src=\"x.png\" onerror=\"alert(1)\">\n\n\
            [bấm](javascript:alert(1))\n\n\
            <a href=\"JaVaScRiPt:alert(2)\">b</a>\n\n\
            <iframe src=\"https://evil.example\"></iframe>\n\n\
            <p style=\"background:url(javascript:alert(3))\" onclick=\"x()\">p</p>";
        let html = render_safe(evil);
        let lower = html.to_ascii_lowercase();
        for banned in [
            "<script",
            "onerror",
            "javascript:",
            "<iframe",
            "onclick",
            "style=",
        ] {
            assert!(!lower.contains(banned), "{banned} survived in {html}");
        }
        assert!(html.contains("<img src=\"x.png\">"), "{html}");
        assert!(html.contains(">bấm</a>"), "the link text stays: {html}");
    }
}
