//! Slugs: the lowercase, hyphenated names in URLs, and section anchors.

/// A slug taken from a URL: 1 to 120 characters of `a-z`, `0-9` and single
/// hyphens inside. Anything else cannot name a page, so it is a 404.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slug(String);

impl Slug {
    pub const MAX_LEN: usize = 120;

    pub fn parse(raw: &str) -> Option<Slug> {
        let ok = !raw.is_empty()
            && raw.len() <= Self::MAX_LEN
            && raw
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !raw.starts_with('-')
            && !raw.ends_with('-')
            && !raw.contains("--");
        ok.then(|| Slug(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Slug {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Makes a slug of any text: ASCII letters and digits kept (lowercased),
/// common accented letters folded, everything else a single hyphen.
pub fn slugify(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars().flat_map(char::to_lowercase) {
        let folded = match c {
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' => 'a',
            'ç' => 'c',
            'è' | 'é' | 'ê' | 'ë' => 'e',
            'ì' | 'í' | 'î' | 'ï' => 'i',
            'ñ' => 'n',
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' => 'o',
            'ù' | 'ú' | 'û' | 'ü' => 'u',
            'ý' | 'ÿ' => 'y',
            other => other,
        };
        if folded.is_ascii_alphanumeric() {
            out.push(folded);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    while out.ends_with('-') {
        out.pop();
    }
    out.truncate(Slug::MAX_LEN);
    while out.ends_with('-') {
        out.pop();
    }
    out
}

/// The slug of a hashtag: `#SleepScience` and `sleepscience` are one tag.
pub fn tag_slug(name: &str) -> Option<String> {
    let slug = slugify(name.trim_start_matches('#'));
    (!slug.is_empty()).then_some(slug)
}

/// Anchors for section headings, unique within the article. An anchor is
/// made once, when the section is created, and kept when its heading is
/// later edited, so links to `#anchor` keep working.
pub fn anchors_for(headings: &[&str]) -> Vec<String> {
    let mut taken: Vec<String> = Vec::with_capacity(headings.len());
    for (i, heading) in headings.iter().enumerate() {
        let base = match slugify(heading) {
            s if s.is_empty() => format!("section-{}", i + 1),
            s => s,
        };
        let mut anchor = base.clone();
        let mut n = 2;
        while taken.contains(&anchor) {
            anchor = format!("{base}-{n}");
            n += 1;
        }
        taken.push(anchor);
    }
    taken
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slug_parse_accepts_only_clean_slugs() {
        assert!(Slug::parse("sport").is_some());
        assert!(Slug::parse("books-arts-2").is_some());
        for bad in [
            "",
            "Sport",
            "a--b",
            "-a",
            "a-",
            "../etc",
            "a b",
            "ü",
            &"a".repeat(121),
        ] {
            assert!(Slug::parse(bad).is_none(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn slugify_folds_and_hyphenates() {
        assert_eq!(
            slugify("Health, Technology & Science"),
            "health-technology-science"
        );
        assert_eq!(slugify("  Café — crème brûlée! "), "cafe-creme-brulee");
        assert_eq!(slugify("¿?"), "");
    }

    #[test]
    fn anchors_are_unique_and_never_empty() {
        let anchors = anchors_for(&["Open Communication", "Open communication", "!!!"]);
        assert_eq!(
            anchors,
            ["open-communication", "open-communication-2", "section-3"]
        );
    }
}
