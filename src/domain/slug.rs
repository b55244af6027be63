//! Slugs: the lowercase, hyphenated names in URLs, and section anchors.

use std::collections::{HashMap, HashSet};

/// First path segments that can never be a category slug: the site's own
/// addresses.
pub const RESERVED: [&str; 21] = [
    "admin",
    "static",
    "blog",
    "tag",
    "author",
    "search",
    "about",
    "healthz",
    "feed.xml",
    "atom.xml",
    "feed.json",
    "sitemap.xml",
    "news-sitemap.xml",
    "robots.txt",
    "sitemaps",
    "media",
    "favicon.ico",
    "corrections",
    "corrections-policy",
    "publishing-principles",
    "masthead",
];

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

/// The longest anchor made from a heading, before any `-N` suffix.
const ANCHOR_BASE_LEN: usize = 80;

/// The anchors used in one article so far, and for each base the next
/// number to try. Finding a free anchor never rescans earlier ones: making
/// anchors for N sections costs O(N) set operations in all, however often
/// one heading repeats.
#[derive(Debug, Default)]
pub struct Anchors {
    taken: HashSet<String>,
    next: HashMap<String, u64>,
}

impl Anchors {
    pub fn with_capacity(n: usize) -> Anchors {
        Anchors {
            taken: HashSet::with_capacity(n),
            next: HashMap::new(),
        }
    }

    /// Records an anchor kept from an earlier save; `false` if an earlier
    /// section of this article already has it.
    pub fn keep(&mut self, anchor: &str) -> bool {
        self.taken.insert(anchor.to_owned())
    }

    /// A free anchor for the heading of section `index` (0-based): its
    /// slug (at most 80 characters), or `section-N` when the heading makes
    /// none, with `-2`, `-3` … appended when that is taken.
    pub fn fresh(&mut self, heading: &str, index: usize) -> String {
        let base = match slugify(heading) {
            s if s.is_empty() => format!("section-{}", index + 1),
            s => s
                .chars()
                .take(ANCHOR_BASE_LEN)
                .collect::<String>()
                .trim_end_matches('-')
                .to_owned(),
        };
        // Each number is tried once per base: a taken candidate is
        // skipped for good, so repeats cost no more than the first time.
        let n = self.next.entry(base.clone()).or_insert(1);
        loop {
            let candidate = if *n == 1 {
                base.clone()
            } else {
                format!("{base}-{n}")
            };
            *n += 1;
            if self.taken.insert(candidate.clone()) {
                return candidate;
            }
        }
    }
}

/// Anchors for section headings, unique within the article. An anchor is
/// made once, when the section is created, and kept when its heading is
/// later edited, so links to `#anchor` keep working.
pub fn anchors_for(headings: &[&str]) -> Vec<String> {
    let mut anchors = Anchors::with_capacity(headings.len());
    headings
        .iter()
        .enumerate()
        .map(|(i, heading)| anchors.fresh(heading, i))
        .collect()
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

    #[test]
    fn repeated_headings_get_distinct_anchors_counted_up_once() {
        let n = 5_000;
        let headings = vec!["Same words"; n];
        let anchors = anchors_for(&headings);
        let distinct: HashSet<&String> = anchors.iter().collect();
        assert_eq!(distinct.len(), n, "every anchor is unique");
        assert_eq!(anchors[0], "same-words");
        assert_eq!(anchors[1], "same-words-2");
        assert_eq!(anchors[n - 1], format!("same-words-{n}"));

        // A heading whose slug is another's numbered anchor still gets
        // one of its own, and the counter of a base never goes back.
        let anchors = anchors_for(&["A", "A", "A 2", "A", "A 2"]);
        assert_eq!(anchors, ["a", "a-2", "a-2-2", "a-3", "a-2-3"]);
    }

    #[test]
    fn the_number_of_candidates_tried_grows_linearly() {
        // Counts how many candidates are looked up: with a counter per
        // base each is tried once, so 2,000 repeats of a heading among
        // headings that take its numbered forms cost about 2 lookups each
        // (a rescan from 2 would cost about 1,000 each).
        let mut anchors = Anchors::default();
        let mut headings: Vec<String> = (2..=1_000).map(|i| format!("x {i}")).collect();
        headings.extend(std::iter::repeat_n("x".to_owned(), 2_000));
        for (i, h) in headings.iter().enumerate() {
            anchors.fresh(h, i);
        }
        let tried: u64 = anchors.next.values().map(|n| n - 1).sum();
        assert!(
            tried <= 2 * headings.len() as u64,
            "{tried} candidates for {} headings",
            headings.len()
        );
        assert_eq!(anchors.taken.len(), headings.len());
    }
}
