//! Events as iCalendar (RFC 5545): one event's file and a member's calendar feed.

use chrono::NaiveDateTime;
use tsunagu_db::now;
use tsunagu_service::events::EventView;
use tsunagu_service::{html, Context};

/// iCalendar (RFC 5545) text of events.
pub fn ics(ctx: &Context, events: &[EventView]) -> String {
    let mut out = String::new();
    let mut line = |text: String| fold_into(&mut out, &text);
    line("BEGIN:VCALENDAR".into());
    line("VERSION:2.0".into());
    line(format!("PRODID:-//Tsunagu//{}//EN", ctx.domain));
    line("CALSCALE:GREGORIAN".into());
    let stamp = ics_time(now());
    for v in events {
        let (e, p) = (&v.event, &v.post);
        line("BEGIN:VEVENT".into());
        line(format!("UID:{}", ics_text(&p.ap_id)));
        line(format!("DTSTAMP:{stamp}"));
        line(format!("DTSTART:{}", ics_time(e.starts_at)));
        if let Some(end) = e.ends_at {
            line(format!("DTEND:{}", ics_time(end)));
        }
        line(format!(
            "SUMMARY:{}",
            ics_text(p.name.as_deref().unwrap_or("Event"))
        ));
        let mut description = html::to_text(&p.content);
        description.truncate(description.trim_end().len());
        line(format!("DESCRIPTION:{}", ics_text(&description)));
        if !e.location.is_empty() {
            line(format!("LOCATION:{}", ics_text(&e.location)));
        }
        line(format!(
            "URL:{}",
            ics_text(p.url.as_deref().unwrap_or(&p.ap_id))
        ));
        let status = if e.cancelled_at.is_some() {
            "CANCELLED"
        } else {
            "CONFIRMED"
        };
        line(format!("STATUS:{status}"));
        line("END:VEVENT".into());
    }
    line("END:VCALENDAR".into());
    out
}

fn ics_time(at: NaiveDateTime) -> String {
    at.format("%Y%m%dT%H%M%SZ").to_string()
}

/// Escapes a TEXT value; line breaks become `\n`, other control characters go (a bare CR
/// would end the line for some readers and let text add properties).
fn ics_text(text: &str) -> String {
    text.replace("\r\n", "\n")
        .replace('\r', "\n")
        .chars()
        .filter(|c| *c == '\n' || !c.is_control())
        .collect::<String>()
        .replace('\\', "\\\\")
        .replace(';', "\\;")
        .replace(',', "\\,")
        .replace('\n', "\\n")
}

/// Appends a content line folded at 75 octets (never inside a character), ending in CRLF.
fn fold_into(out: &mut String, line: &str) {
    let mut width = 0;
    for ch in line.chars() {
        let len = ch.len_utf8();
        if width + len > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(ch);
        width += len;
    }
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lines_fold_between_characters() {
        let mut out = String::new();
        fold_into(&mut out, &format!("SUMMARY:{}", "同窓会".repeat(20)));
        for physical in out.split("\r\n").filter(|l| !l.is_empty()) {
            assert!(physical.len() <= 75, "{physical}");
        }
        let unfolded = out.replace("\r\n ", "");
        assert_eq!(unfolded, format!("SUMMARY:{}\r\n", "同窓会".repeat(20)));
    }

    #[test]
    fn text_values_are_escaped() {
        assert_eq!(ics_text("a,b;c\\d\ne"), "a\\,b\\;c\\\\d\\ne");
        // A bare CR cannot start a line of its own (and add properties).
        assert_eq!(ics_text("x\rBEGIN:VALARM\u{7}"), "x\\nBEGIN:VALARM");
    }
}
