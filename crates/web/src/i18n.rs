//! The site's two languages: Fluent catalogues (`locales/en.ftl`, `locales/ja.ftl`), the
//! choice of language for a request, and dates and times as each language writes them.

use chrono::{FixedOffset, NaiveDateTime, TimeZone};
use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use std::sync::OnceLock;

/// A language of the interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    En,
    Ja,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Ja];

    /// The BCP 47 tag, for `lang` attributes.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Ja => "ja",
        }
    }

    /// The language's own name, for the language menu.
    pub fn name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::Ja => "日本語",
        }
    }

    pub fn parse(tag: &str) -> Option<Lang> {
        let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "en" => Some(Lang::En),
            "ja" => Some(Lang::Ja),
            _ => None,
        }
    }

    /// The preferred language among ours of an `Accept-Language` header, by its weights;
    /// English when none of ours is named.
    pub fn from_accept_language(header: &str) -> Lang {
        let mut best: Option<(f32, Lang)> = None;
        for part in header.split(',') {
            let mut pieces = part.split(';');
            let tag = pieces.next().unwrap_or_default();
            let weight = pieces
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.parse::<f32>().ok())
                .unwrap_or(1.0);
            if let Some(lang) = Lang::parse(tag) {
                if best.is_none_or(|(w, _)| weight > w) {
                    best = Some((weight, lang));
                }
            }
        }
        best.map(|(_, l)| l).unwrap_or(Lang::En)
    }
}

struct Catalogues {
    en: FluentBundle<FluentResource>,
    ja: FluentBundle<FluentResource>,
}

fn bundle(lang: Lang, source: &'static str) -> FluentBundle<FluentResource> {
    let id = lang.code().parse().unwrap_or_default();
    let mut bundle = FluentBundle::new_concurrent(vec![id]);
    // No Unicode isolation marks around arguments: they would show in titles and attributes.
    bundle.set_use_isolating(false);
    let resource =
        FluentResource::try_new(source.to_string()).unwrap_or_else(|(partial, errors)| {
            tracing::error!("{} catalogue: {errors:?}", lang.code());
            partial
        });
    if let Err(errors) = bundle.add_resource(resource) {
        tracing::error!("{} catalogue: {errors:?}", lang.code());
    }
    bundle
}

fn catalogues() -> &'static Catalogues {
    static CATALOGUES: OnceLock<Catalogues> = OnceLock::new();
    CATALOGUES.get_or_init(|| Catalogues {
        en: bundle(Lang::En, include_str!("../locales/en.ftl")),
        ja: bundle(Lang::Ja, include_str!("../locales/ja.ftl")),
    })
}

/// The text of `id` in `lang`, with `args` filled in. A missing id shows as itself (and the
/// test of the catalogues fails).
pub fn t_args(lang: Lang, id: &str, args: &[(&str, FluentValue)]) -> String {
    let bundle = match lang {
        Lang::En => &catalogues().en,
        Lang::Ja => &catalogues().ja,
    };
    let Some(pattern) = bundle.get_message(id).and_then(|m| m.value()) else {
        return id.to_string();
    };
    let mut fluent_args = FluentArgs::new();
    for (name, value) in args {
        fluent_args.set(*name, value.clone());
    }
    let mut errors = Vec::new();
    bundle
        .format_pattern(pattern, Some(&fluent_args), &mut errors)
        .into_owned()
}

/// The text of `id` in `lang`.
pub fn t(lang: Lang, id: &str) -> String {
    t_args(lang, id, &[])
}

/// A date and time as `lang` writes it: in Japanese, Japan's time (`2026年12月2日 19:05`);
/// in English, UTC (`2 Dec 2026, 10:05 UTC`).
pub fn datetime(lang: Lang, t: NaiveDateTime) -> String {
    match lang {
        Lang::Ja => match FixedOffset::east_opt(9 * 3600) {
            Some(jst) => jst
                .from_utc_datetime(&t)
                .format("%Y年%-m月%-d日 %H:%M")
                .to_string(),
            None => iso(t),
        },
        Lang::En => t.format("%-d %b %Y, %H:%M UTC").to_string(),
    }
}

/// The same instant for a `datetime` attribute (machine readable).
pub fn iso(t: NaiveDateTime) -> String {
    t.and_utc()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The message ids of a catalogue.
    fn ids(source: &str) -> Vec<String> {
        source
            .lines()
            .filter(|l| !l.starts_with([' ', '#', '\t']) && l.contains(" ="))
            .filter_map(|l| l.split(" =").next())
            .map(str::to_string)
            .collect()
    }

    #[test]
    fn both_catalogues_have_every_message() {
        let en = ids(include_str!("../locales/en.ftl"));
        let ja = ids(include_str!("../locales/ja.ftl"));
        for id in &en {
            assert!(ja.contains(id), "ja.ftl lacks {id}");
            assert_ne!(t(Lang::Ja, id), *id, "ja.ftl cannot render {id}");
        }
        for id in &ja {
            assert!(en.contains(id), "en.ftl lacks {id}");
            assert_ne!(t(Lang::En, id), *id, "en.ftl cannot render {id}");
        }
        assert!(en.len() > 50);
    }

    #[test]
    fn no_message_is_defined_twice() {
        // A second definition is dropped when the catalogue loads: the first one shows.
        for source in [
            include_str!("../locales/en.ftl"),
            include_str!("../locales/ja.ftl"),
        ] {
            let mut list = ids(source);
            let all = list.len();
            list.sort();
            list.dedup();
            assert_eq!(list.len(), all, "a message id is defined twice");
        }
    }

    #[test]
    fn every_problem_code_is_translated() {
        for code in tsunagu_service::PROBLEM_CODES {
            for lang in Lang::ALL {
                let id = format!("problem-{code}");
                assert_ne!(t(lang, &id), id, "{} lacks {id}", lang.code());
            }
        }
    }

    #[test]
    fn plurals_and_arguments() {
        let one = t_args(Lang::En, "thread-replies", &[("count", 1.into())]);
        let many = t_args(Lang::En, "thread-replies", &[("count", 3.into())]);
        assert_eq!((one.as_str(), many.as_str()), ("1 reply", "3 replies"));
        assert_eq!(
            t_args(Lang::Ja, "thread-replies", &[("count", 3.into())]),
            "返信 3 件"
        );
    }

    #[test]
    fn accept_language_picks_ours_by_weight() {
        assert_eq!(Lang::from_accept_language("ja,en-US;q=0.8"), Lang::Ja);
        assert_eq!(Lang::from_accept_language("en-GB,ja;q=0.5"), Lang::En);
        assert_eq!(Lang::from_accept_language("fr, ja;q=0.3"), Lang::Ja);
        assert_eq!(Lang::from_accept_language("fr"), Lang::En);
        assert_eq!(Lang::from_accept_language(""), Lang::En);
    }

    #[test]
    fn dates_in_each_language() {
        let t = chrono::NaiveDate::from_ymd_opt(2026, 12, 2)
            .and_then(|d| d.and_hms_opt(10, 5, 0))
            .expect("date");
        assert_eq!(datetime(Lang::En, t), "2 Dec 2026, 10:05 UTC");
        assert_eq!(datetime(Lang::Ja, t), "2026年12月2日 19:05");
    }
}
