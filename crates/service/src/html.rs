//! HTML in and out: statuses written as plain text become HTML with links for mentions,
//! hashtags and URLs; HTML from other servers or clients is cut down to what Mastodon keeps.

use std::collections::HashSet;
use std::sync::OnceLock;

/// The elements Mastodon keeps, and nothing that can run or load anything.
fn sanitizer() -> &'static ammonia::Builder<'static> {
    static CLEANER: OnceLock<ammonia::Builder<'static>> = OnceLock::new();
    CLEANER.get_or_init(|| {
        let tags: HashSet<&str> = [
            "p",
            "span",
            "br",
            "a",
            "del",
            "pre",
            "code",
            "em",
            "strong",
            "b",
            "i",
            "u",
            "ul",
            "ol",
            "li",
            "blockquote",
        ]
        .into_iter()
        .collect();
        let mut b = ammonia::Builder::default();
        b.tags(tags)
            .tag_attributes(
                [("a", ["href"].into_iter().collect())]
                    .into_iter()
                    .collect(),
            )
            .allowed_classes(
                [
                    (
                        "a",
                        ["mention", "hashtag", "u-url", "status-link"]
                            .into_iter()
                            .collect(),
                    ),
                    (
                        "span",
                        ["h-card", "invisible", "ellipsis"].into_iter().collect(),
                    ),
                ]
                .into_iter()
                .collect(),
            )
            .url_schemes(["http", "https", "mailto"].into_iter().collect())
            .link_rel(Some("nofollow noopener noreferrer"))
            .strip_comments(true);
        b
    })
}

/// Cleans HTML received from anywhere.
pub fn sanitize(html: &str) -> String {
    sanitizer().clean(html).to_string()
}

/// Escapes text for use inside HTML.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// The text of some HTML: tags dropped, entities decoded, paragraphs and breaks as newlines.
pub fn to_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        out.push_str(&rest[..start]);
        let Some(end) = rest[start..].find('>') else {
            rest = "";
            break;
        };
        let tag = rest[start + 1..start + end].to_ascii_lowercase();
        if tag.starts_with("br") || tag == "/p" || tag == "/li" || tag == "/blockquote" {
            out.push('\n');
        }
        rest = &rest[start + end + 1..];
    }
    out.push_str(rest);
    decode_entities(out.trim_end())
}

fn decode_entities(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&nbsp;", " ")
        .replace("&amp;", "&")
}

/// A mention found in plain text: `@name` or `@name@host`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MentionToken {
    pub username: String,
    pub host: Option<String>,
}

fn trim_trailing_punctuation(word: &str) -> &str {
    word.trim_end_matches(['.', ',', ':', ';', '!', '?', ')', '"', '\''])
}

/// Parses a word as a mention.
pub fn parse_mention(word: &str) -> Option<MentionToken> {
    let body = trim_trailing_punctuation(word.strip_prefix('@')?);
    let (name, host) = match body.split_once('@') {
        Some((n, h)) => (n, Some(h)),
        None => (body, None),
    };
    let name_ok = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == '-');
    let host_ok = host.is_none_or(|h| {
        !h.is_empty()
            && h.contains('.') | h.contains(':') | (h == "localhost")
            && h.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == ':')
    });
    (name_ok && host_ok).then(|| MentionToken {
        username: name.to_string(),
        host: host.map(|h| h.to_lowercase()),
    })
}

/// Parses a word as a hashtag, returning the tag without `#`.
pub fn parse_hashtag(word: &str) -> Option<String> {
    let body = trim_trailing_punctuation(word.strip_prefix('#')?);
    (!body.is_empty()
        && body.chars().all(|c| c.is_alphanumeric() || c == '_')
        && !body.chars().all(|c| c.is_ascii_digit()))
    .then(|| body.to_string())
}

/// Every mention and hashtag in a plain-text status.
pub fn scan(text: &str) -> (Vec<MentionToken>, Vec<String>) {
    let mut mentions = Vec::new();
    let mut tags = Vec::new();
    for word in text.split_whitespace() {
        if let Some(m) = parse_mention(word) {
            if !mentions.contains(&m) {
                mentions.push(m);
            }
        } else if let Some(t) = parse_hashtag(word) {
            let t = t.to_lowercase();
            if !tags.contains(&t) {
                tags.push(t);
            }
        }
    }
    (mentions, tags)
}

/// How to link the mentions and hashtags of a status.
pub trait Linker {
    /// Profile URL for a mention, if it names a known account.
    fn mention(&self, token: &MentionToken) -> Option<String>;
    /// URL of a hashtag's page.
    fn hashtag(&self, tag: &str) -> String;
}

/// Renders a plain-text status as HTML the way Mastodon does: paragraphs on blank lines,
/// `<br>` on single newlines, links for URLs, mentions and hashtags.
pub fn render_plain(text: &str, linker: &dyn Linker) -> String {
    let mut html = String::new();
    for para in text.trim().split("\n\n").filter(|p| !p.trim().is_empty()) {
        html.push_str("<p>");
        for (i, line) in para.trim().lines().enumerate() {
            if i > 0 {
                html.push_str("<br>");
            }
            render_line(line, linker, &mut html);
        }
        html.push_str("</p>");
    }
    html
}

fn render_line(line: &str, linker: &dyn Linker, out: &mut String) {
    let mut first = true;
    for word in line.split(' ') {
        if !first {
            out.push(' ');
        }
        first = false;
        let trimmed = trim_trailing_punctuation(word);
        let tail = &word[trimmed.len()..];
        if let Some(m) = parse_mention(word) {
            if let Some(url) = linker.mention(&m) {
                out.push_str(&format!(
                    "<span class=\"h-card\"><a href=\"{}\" class=\"u-url mention\">@<span>{}</span></a></span>{}",
                    escape(&url),
                    escape(&m.username),
                    escape(tail)
                ));
                continue;
            }
        } else if let Some(tag) = parse_hashtag(word) {
            out.push_str(&format!(
                "<a href=\"{}\" class=\"mention hashtag\" rel=\"tag\">#<span>{}</span></a>{}",
                escape(&linker.hashtag(&tag)),
                escape(&tag),
                escape(tail)
            ));
            continue;
        } else if (trimmed.starts_with("https://") || trimmed.starts_with("http://"))
            && url::Url::parse(trimmed).is_ok()
        {
            out.push_str(&format!(
                "<a href=\"{0}\" rel=\"nofollow noopener noreferrer\" target=\"_blank\">{0}</a>{1}",
                escape(trimmed),
                escape(tail)
            ));
            continue;
        }
        out.push_str(&escape(word));
    }
}

/// Renders Markdown (board descriptions) to sanitised HTML.
pub fn render_markdown(source: &str) -> String {
    let parser =
        pulldown_cmark::Parser::new_ext(source, pulldown_cmark::Options::ENABLE_STRIKETHROUGH);
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, parser);
    sanitize(&html)
}

/// Renders Markdown (thread bodies) to sanitised HTML, linking mentions, hashtags and bare
/// URLs in its text as a status's are (not inside code or links).
pub fn render_markdown_linked(source: &str, linker: &dyn Linker) -> String {
    use pulldown_cmark::{Event, Tag, TagEnd};
    let parser =
        pulldown_cmark::Parser::new_ext(source, pulldown_cmark::Options::ENABLE_STRIKETHROUGH);
    let mut events: Vec<Event> = Vec::new();
    let (mut in_code, mut in_link) = (false, false);
    let mut text = String::new();
    let flush = |text: &mut String, events: &mut Vec<Event>| {
        if !text.is_empty() {
            let mut html = String::new();
            for (i, line) in text.split('\n').enumerate() {
                if i > 0 {
                    html.push('\n');
                }
                render_line(line, linker, &mut html);
            }
            events.push(Event::InlineHtml(html.into()));
            text.clear();
        }
    };
    for event in parser {
        match &event {
            // Text may come in pieces (around characters Markdown looked at): link it whole.
            Event::Text(t) if !in_code && !in_link => {
                text.push_str(t);
                continue;
            }
            _ => flush(&mut text, &mut events),
        }
        match &event {
            Event::Start(Tag::CodeBlock(_)) => in_code = true,
            Event::End(TagEnd::CodeBlock) => in_code = false,
            Event::Start(Tag::Link { .. }) => in_link = true,
            Event::End(TagEnd::Link) => in_link = false,
            _ => {}
        }
        events.push(event);
    }
    flush(&mut text, &mut events);
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, events.into_iter());
    sanitize(&html)
}

/// A link, if it is one a browser may safely follow: `http` or `https` only (never
/// `javascript:`, `data:`...).
pub fn web_link(value: &str) -> Option<String> {
    let url = url::Url::parse(value.trim()).ok()?;
    matches!(url.scheme(), "http" | "https").then(|| url.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    struct L;
    impl Linker for L {
        fn mention(&self, t: &MentionToken) -> Option<String> {
            Some(format!(
                "https://{}/users/{}",
                t.host.as_deref().unwrap_or("here"),
                t.username
            ))
        }
        fn hashtag(&self, tag: &str) -> String {
            format!("https://here/tags/{tag}")
        }
    }

    #[test]
    fn sanitize_drops_scripts_and_images() {
        let out = sanitize("<p onclick=\"x()\">hi<script>alert(1)</script><img src=x></p><a href=\"javascript:alert(1)\">a</a>");
        assert_eq!(
            out,
            "<p>hi</p><a rel=\"nofollow noopener noreferrer\">a</a>"
        );
    }

    #[test]
    fn scans_mentions_and_tags() {
        let (m, t) = scan("hello @bob@b.example, and @carol! #Rust #123 #rust");
        assert_eq!(
            m,
            vec![
                MentionToken {
                    username: "bob".into(),
                    host: Some("b.example".into())
                },
                MentionToken {
                    username: "carol".into(),
                    host: None
                }
            ]
        );
        assert_eq!(t, vec!["rust".to_string()]);
    }

    #[test]
    fn renders_plain_text() {
        let html = render_plain(
            "hi @bob@b.example <b>\n#tag https://x.example/a.\n\nsecond",
            &L,
        );
        assert_eq!(
            html,
            "<p>hi <span class=\"h-card\"><a href=\"https://b.example/users/bob\" class=\"u-url mention\">@<span>bob</span></a></span> &lt;b&gt;<br><a href=\"https://here/tags/tag\" class=\"mention hashtag\" rel=\"tag\">#<span>tag</span></a> <a href=\"https://x.example/a\" rel=\"nofollow noopener noreferrer\" target=\"_blank\">https://x.example/a</a>.</p><p>second</p>"
        );
    }

    #[test]
    fn markdown_links_mentions_tags_and_urls_outside_code() {
        let html = render_markdown_linked(
            "Ask **@bob@b.example** about #rust, see https://x.example/a\n\n`@not #code` [@nor](https://y.example)",
            &L,
        );
        assert!(
            html.contains("<strong><span class=\"h-card\"><a href=\"https://b.example/users/bob\" class=\"u-url mention\""),
            "{html}"
        );
        assert!(html.contains("href=\"https://here/tags/rust\""), "{html}");
        assert!(html.contains("href=\"https://x.example/a\""), "{html}");
        assert!(html.contains("<code>@not #code</code>"), "{html}");
        assert!(!html.contains("users/nor"), "{html}");
        assert!(!render_markdown_linked("<script>x</script>", &L).contains("<script"));
    }

    #[test]
    fn text_of_html() {
        assert_eq!(to_text("<p>a &amp; b<br>c</p><p>d</p>"), "a & b\nc\nd");
    }
}
