//! Interface language: Vietnamese (default, full diacritics) and English.
//!
//! Messages live in `locales/vi.toml` and `locales/en.toml`, embedded at build time and
//! flattened to dotted keys ("nav.crashes"). A test checks both files hold the same
//! keys, so no page shows a bare key in one language.

use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::OnceLock;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Lang {
    #[default]
    Vi,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Vi => "vi",
            Lang::En => "en",
        }
    }

    pub fn parse(s: &str) -> Option<Lang> {
        match s.trim().to_ascii_lowercase().as_str() {
            "vi" | "vi-vn" => Some(Lang::Vi),
            "en" | "en-us" | "en-gb" => Some(Lang::En),
            _ => None,
        }
    }

    /// Picks a language from an Accept-Language header; Vietnamese unless English is
    /// preferred.
    pub fn from_accept_language(h: &str) -> Lang {
        for part in h.split(',') {
            let tag = part.split(';').next().unwrap_or("").trim();
            let primary = tag.split('-').next().unwrap_or("");
            if let Some(l) = Lang::parse(primary) {
                return l;
            }
        }
        Lang::Vi
    }
}

const VI: &str = include_str!("../locales/vi.toml");
const EN: &str = include_str!("../locales/en.toml");

fn flatten(prefix: &str, v: &toml::Value, out: &mut HashMap<String, String>) {
    match v {
        toml::Value::Table(t) => {
            for (k, v) in t {
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&key, v, out);
            }
        }
        toml::Value::String(s) => {
            out.insert(prefix.to_string(), s.clone());
        }
        other => {
            out.insert(prefix.to_string(), other.to_string());
        }
    }
}

fn parse(src: &str) -> HashMap<String, String> {
    let v: toml::Value = toml::from_str(src).expect("embedded locale file is valid TOML");
    let mut out = HashMap::new();
    flatten("", &v, &mut out);
    out
}

fn catalog(lang: Lang) -> &'static HashMap<String, String> {
    static VI_CAT: OnceLock<HashMap<String, String>> = OnceLock::new();
    static EN_CAT: OnceLock<HashMap<String, String>> = OnceLock::new();
    match lang {
        Lang::Vi => VI_CAT.get_or_init(|| parse(VI)),
        Lang::En => EN_CAT.get_or_init(|| parse(EN)),
    }
}

/// The message for `key`; the key itself when it is missing (tests keep that from
/// happening).
pub fn t(lang: Lang, key: &str) -> &str {
    catalog(lang).get(key).map(String::as_str).unwrap_or(key)
}

/// Whether a key exists in the catalog.
pub fn has(lang: Lang, key: &str) -> bool {
    catalog(lang).contains_key(key)
}

/// The message with `{name}` placeholders replaced.
pub fn tf(lang: Lang, key: &str, args: &[(&str, &str)]) -> String {
    let mut s = t(lang, key).to_string();
    for (k, v) in args {
        s = s.replace(&format!("{{{k}}}"), v);
    }
    s
}

/// All keys of a language (for tests and tooling).
pub fn keys(lang: Lang) -> Vec<&'static str> {
    let mut k: Vec<&str> = catalog(lang).keys().map(String::as_str).collect();
    k.sort_unstable();
    k
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_languages_have_the_same_keys() {
        let vi = keys(Lang::Vi);
        let en = keys(Lang::En);
        let only_vi: Vec<_> = vi.iter().filter(|k| !en.contains(k)).collect();
        let only_en: Vec<_> = en.iter().filter(|k| !vi.contains(k)).collect();
        assert!(only_vi.is_empty(), "missing in en.toml: {only_vi:?}");
        assert!(only_en.is_empty(), "missing in vi.toml: {only_en:?}");
        assert!(vi.len() > 50);
    }

    #[test]
    fn vietnamese_is_default_and_has_diacritics() {
        assert_eq!(Lang::default(), Lang::Vi);
        assert_eq!(t(Lang::Vi, "app.name"), "An toàn giao thông");
        assert_eq!(Lang::from_accept_language("en-US,en;q=0.9"), Lang::En);
        assert_eq!(Lang::from_accept_language("fr-FR,vi;q=0.8"), Lang::Vi);
        assert_eq!(Lang::from_accept_language(""), Lang::Vi);
    }

    #[test]
    fn every_role_and_org_kind_has_a_label() {
        for l in [Lang::Vi, Lang::En] {
            for r in crate::auth::Role::ALL {
                assert!(has(l, &r.label_key()), "{:?} {}", l, r.label_key());
            }
            for k in crate::org::OrgKind::ALL {
                assert!(has(l, &k.label_key()), "{:?} {}", l, k.label_key());
            }
        }
    }

    #[test]
    fn placeholders() {
        assert_eq!(tf(Lang::En, "test.hello", &[("name", "An")]), "Hello, An");
    }
}
