//! Domain types: values parsed once at the edge (a slug from a URL, a page
//! number from a query string, a status from its database column) so the
//! rest of the code never re-validates. Kind, status and role derive
//! diesel's `AsExpression` and `FromSqlRow` so that queries and models can
//! hold them; how they are read and written is `db::models`' business.

pub mod actor;
pub mod clock;
mod page;
mod slug;
pub mod text;
pub mod throttle;
pub mod workflow;

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

pub use page::{PageError, PageNumber};
pub use slug::{anchors_for, slugify, tag_slug, Anchors, Slug, RESERVED};

/// The feeds of every area (and of the site), by file name under the
/// area's path: RSS, Atom and JSON Feed.
pub const FEED_FILES: [&str; 3] = ["feed.xml", "atom.xml", "feed.json"];

/// The absolute URLs of an area's three feeds (`area` is its path, `""`
/// for the whole site), in the order of [`FEED_FILES`]: what pages name in
/// `<link rel="alternate">` and what WebSub hubs are told has changed.
pub fn feed_urls(base_url: &str, area: &str) -> [String; 3] {
    FEED_FILES.map(|file| format!("{base_url}{area}/{file}"))
}

/// What one article may hold, whether written in the editor or imported.
pub mod limits {
    /// Paths longer than this answer 414: no page of ours has one.
    pub const MAX_PATH_BYTES: usize = 1024;
    /// Query strings longer than this answer 414.
    pub const MAX_QUERY_BYTES: usize = 2048;

    /// Sections in one article.
    pub const MAX_SECTIONS: usize = 60;
    /// Hashtags on one article (repeats counted once).
    pub const MAX_TAGS: usize = 20;
    /// Characters in one hashtag's name.
    pub const MAX_TAG_CHARS: usize = 60;
    /// Characters in a title.
    pub const MAX_TITLE_CHARS: usize = 200;
    /// The text of one article, in bytes: the editor's largest form, and
    /// the largest file `iconocast import` reads.
    pub const MAX_ARTICLE_BYTES: usize = 2 * 1024 * 1024;
    /// Characters in the text of one correction or update note.
    pub const MAX_NOTE_CHARS: usize = 1000;
    /// Characters in one review note (staff only).
    pub const MAX_REVIEW_NOTE_CHARS: usize = 1000;
    /// Characters in the name of a wire service or partner.
    pub const MAX_SOURCE_NAME_CHARS: usize = 120;
}

/// News articles live in a category; blog posts live under `/blog`.
/// Stored (and kept in revisions) by the name [`ArticleKind::as_str`]
/// gives.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    diesel::expression::AsExpression,
    diesel::deserialize::FromSqlRow,
)]
#[diesel(sql_type = diesel::sql_types::Text)]
#[serde(rename_all = "lowercase")]
pub enum ArticleKind {
    #[default]
    News,
    Blog,
}

impl ArticleKind {
    pub const ALL: [ArticleKind; 2] = [ArticleKind::News, ArticleKind::Blog];

    /// A kind by its stored name.
    pub fn parse(raw: &str) -> Option<ArticleKind> {
        ArticleKind::ALL.into_iter().find(|k| k.as_str() == raw)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ArticleKind::News => "news",
            ArticleKind::Blog => "blog",
        }
    }
}

/// The public path of an article: `/{category}/{slug}` for a news article
/// in a category, `/blog/{slug}` for a blog post (or a news article whose
/// category is missing). Every page, feed, sitemap and redirect builds an
/// article's address with it.
pub fn article_path(kind: ArticleKind, category_slug: Option<&str>, slug: &str) -> String {
    match (kind, category_slug) {
        (ArticleKind::News, Some(category)) => format!("/{category}/{slug}"),
        _ => format!("/blog/{slug}"),
    }
}

/// Where an article is in its life. Stored (and kept in revisions) by the
/// name [`ArticleStatus::as_str`] gives.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    diesel::expression::AsExpression,
    diesel::deserialize::FromSqlRow,
)]
#[diesel(sql_type = diesel::sql_types::Text)]
#[serde(rename_all = "lowercase")]
pub enum ArticleStatus {
    Draft,
    Review,
    Scheduled,
    Published,
    Archived,
}

impl ArticleStatus {
    /// The statuses whose articles the public may see once their publish
    /// time has passed.
    pub const PUBLIC: [ArticleStatus; 2] = [ArticleStatus::Published, ArticleStatus::Scheduled];

    pub const ALL: [ArticleStatus; 5] = [
        ArticleStatus::Draft,
        ArticleStatus::Review,
        ArticleStatus::Scheduled,
        ArticleStatus::Published,
        ArticleStatus::Archived,
    ];

    /// A status by its stored name.
    pub fn parse(raw: &str) -> Option<ArticleStatus> {
        ArticleStatus::ALL.into_iter().find(|s| s.as_str() == raw)
    }

    /// Whether articles in this status go public at their publish time
    /// (one of [`ArticleStatus::PUBLIC`]).
    pub fn is_public(self) -> bool {
        ArticleStatus::PUBLIC.contains(&self)
    }

    /// The visibility rule: whether readers see an article in this status
    /// with this publish time and expiry at `now`. It is public (published
    /// or scheduled), its publish time has passed and its expiry, if it has
    /// one, has not. The SQL form of the same rule, which every public
    /// query uses, is `db::articles::visible`; a test runs both on the same
    /// cases against each backend.
    pub fn is_visible(
        self,
        published_at: Option<NaiveDateTime>,
        expires_at: Option<NaiveDateTime>,
        now: NaiveDateTime,
    ) -> bool {
        self.is_public()
            && published_at.is_some_and(|p| p <= now)
            && expires_at.is_none_or(|e| e > now)
    }

    /// Whether an article in this status, with this publish time and
    /// expiry, was public and has expired by `now`: its page answers 410
    /// Gone rather than 404.
    pub fn has_expired(
        self,
        published_at: Option<NaiveDateTime>,
        expires_at: Option<NaiveDateTime>,
        now: NaiveDateTime,
    ) -> bool {
        self.is_public()
            && published_at.is_some_and(|p| p <= now)
            && expires_at.is_some_and(|e| e <= now)
    }

    /// How the staff area names the status.
    pub fn label(self) -> &'static str {
        match self {
            ArticleStatus::Draft => "Draft",
            ArticleStatus::Review => "In review",
            ArticleStatus::Scheduled => "Scheduled",
            ArticleStatus::Published => "Published",
            ArticleStatus::Archived => "Archived",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ArticleStatus::Draft => "draft",
            ArticleStatus::Review => "review",
            ArticleStatus::Scheduled => "scheduled",
            ArticleStatus::Published => "published",
            ArticleStatus::Archived => "archived",
        }
    }
}

/// What a note on a published article says it is: a correction (something
/// was wrong) or an update (something new). Stored by
/// [`NoteKind::as_str`].
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    diesel::expression::AsExpression,
    diesel::deserialize::FromSqlRow,
)]
#[diesel(sql_type = diesel::sql_types::Text)]
pub enum NoteKind {
    Correction,
    Update,
}

impl NoteKind {
    pub const ALL: [NoteKind; 2] = [NoteKind::Correction, NoteKind::Update];

    /// A kind by its stored name.
    pub fn parse(raw: &str) -> Option<NoteKind> {
        NoteKind::ALL.into_iter().find(|k| k.as_str() == raw)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            NoteKind::Correction => "correction",
            NoteKind::Update => "update",
        }
    }

    /// How readers see it named: "Correction, 2 December 2026, ...".
    pub fn label(self) -> &'static str {
        match self {
            NoteKind::Correction => "Correction",
            NoteKind::Update => "Update",
        }
    }
}

/// A note to attach with a save: its kind and its plain text, checked
/// (`newsroom::article_form`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteInput {
    pub kind: NoteKind,
    pub body: String,
}

/// A note with the moment it was made, stored with its article when the
/// article is made (the demo content).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatedNote {
    pub kind: NoteKind,
    pub body: String,
    pub at: NaiveDateTime,
}

/// Where an article comes from: our own staff (the default), a wire
/// service or a partner, the last two credited by name. Stored (and kept
/// in revisions) by [`SourceKind::as_str`].
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    diesel::expression::AsExpression,
    diesel::deserialize::FromSqlRow,
)]
#[diesel(sql_type = diesel::sql_types::Text)]
#[serde(rename_all = "lowercase")]
pub enum SourceKind {
    #[default]
    Staff,
    Wire,
    Partner,
}

impl SourceKind {
    pub const ALL: [SourceKind; 3] = [SourceKind::Staff, SourceKind::Wire, SourceKind::Partner];

    /// A source by its stored name.
    pub fn parse(raw: &str) -> Option<SourceKind> {
        SourceKind::ALL.into_iter().find(|k| k.as_str() == raw)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::Staff => "staff",
            SourceKind::Wire => "wire",
            SourceKind::Partner => "partner",
        }
    }

    /// How the editor offers it.
    pub fn label(self) -> &'static str {
        match self {
            SourceKind::Staff => "Our own staff",
            SourceKind::Wire => "A wire service",
            SourceKind::Partner => "A partner",
        }
    }

    /// The credit in the byline for a source of this kind named `name`:
    /// none for our own staff.
    pub fn credit(self, name: &str) -> Option<String> {
        match self {
            SourceKind::Staff => None,
            SourceKind::Wire => Some(format!("Source: {name} (wire service)")),
            SourceKind::Partner => Some(format!("Source: {name} (partner)")),
        }
    }
}

/// The agency's trust pages, written in the site settings and served at
/// their own addresses; the publisher's JSON-LD names those that are
/// written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrustPage {
    CorrectionsPolicy,
    PublishingPrinciples,
    Masthead,
}

impl TrustPage {
    pub const ALL: [TrustPage; 3] = [
        TrustPage::CorrectionsPolicy,
        TrustPage::PublishingPrinciples,
        TrustPage::Masthead,
    ];

    /// Its address (its first segment is in [`RESERVED`]).
    pub fn path(self) -> &'static str {
        match self {
            TrustPage::CorrectionsPolicy => "/corrections-policy",
            TrustPage::PublishingPrinciples => "/publishing-principles",
            TrustPage::Masthead => "/masthead",
        }
    }

    /// Its heading and title.
    pub fn title(self) -> &'static str {
        match self {
            TrustPage::CorrectionsPolicy => "Corrections policy",
            TrustPage::PublishingPrinciples => "Publishing principles",
            TrustPage::Masthead => "Masthead",
        }
    }

    /// The `NewsMediaOrganization` property that points to it.
    pub fn schema_property(self) -> &'static str {
        match self {
            TrustPage::CorrectionsPolicy => "correctionsPolicy",
            TrustPage::PublishingPrinciples => "publishingPrinciples",
            TrustPage::Masthead => "masthead",
        }
    }
}

/// What a staff member may do; enforced by the staff area.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    diesel::expression::AsExpression,
    diesel::deserialize::FromSqlRow,
)]
#[diesel(sql_type = diesel::sql_types::Text)]
pub enum Role {
    Admin,
    Editor,
    Author,
    Contributor,
}

impl Role {
    /// Every role, in the order the staff forms offer them.
    pub const ALL: [Role; 4] = [Role::Admin, Role::Editor, Role::Author, Role::Contributor];

    /// A role by its stored name (`admin`, `editor`, `author`, `contributor`),
    /// ignoring case and surrounding spaces.
    pub fn parse(raw: &str) -> Option<Role> {
        let wanted = raw.trim().to_ascii_lowercase();
        Role::ALL.into_iter().find(|r| r.as_str() == wanted)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Editor => "editor",
            Role::Author => "author",
            Role::Contributor => "contributor",
        }
    }
}

/// Kind, status and role show as their stored names (`news`, `draft`,
/// `editor`), as the staff area's tables print them.
macro_rules! display_as_str {
    ($($t:ty),*) => {$(
        impl std::fmt::Display for $t {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    )*};
}
display_as_str!(ArticleKind, ArticleStatus, Role, NoteKind, SourceKind);

/// A staff member's email address: trimmed, lowercased, one `@`, a local
/// part of printable ASCII without spaces or quotes, and a dotted domain of
/// letters, digits and hyphens. Strict on purpose: it is a login name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub const MAX_LEN: usize = 254;

    pub fn parse(raw: &str) -> Option<Email> {
        let email = raw.trim().to_ascii_lowercase();
        if email.is_empty() || email.len() > Self::MAX_LEN {
            return None;
        }
        let (local, domain) = email.split_once('@')?;
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..")
            && local
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-/=?^_`{|}~.".contains(&b));
        let labels: Vec<&str> = domain.split('.').collect();
        let domain_ok = labels.len() >= 2
            && labels.iter().all(|l| {
                !l.is_empty()
                    && l.len() <= 63
                    && !l.starts_with('-')
                    && !l.ends_with('-')
                    && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            });
        (local_ok && domain_ok).then_some(Email(email))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Email {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Reading time in whole minutes at 220 words a minute, at least one.
pub fn reading_minutes<'a>(texts: impl Iterator<Item = &'a str>) -> i32 {
    let words: usize = texts.map(|t| t.split_whitespace().count()).sum();
    words.div_ceil(220).max(1) as i32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reading_time_rounds_up_and_is_at_least_one_minute() {
        assert_eq!(reading_minutes(["one two"].into_iter()), 1);
        let long = "word ".repeat(221);
        assert_eq!(reading_minutes([long.as_str()].into_iter()), 2);
    }

    #[test]
    fn emails_are_normalised_and_malformed_ones_refused() {
        assert_eq!(
            Email::parse("  Ada.Lovelace+news@Example.ORG ").map(|e| e.to_string()),
            Some("ada.lovelace+news@example.org".to_owned())
        );
        for bad in [
            "",
            "ada",
            "ada@",
            "@example.org",
            "ada@example",
            "ada@@example.org",
            "a b@example.org",
            "ada@exa mple.org",
            "ada@-example.org",
            "ada@example..org",
            ".ada@example.org",
            "\"ada\"@example.org",
            "ada@exam\tple.org",
        ] {
            assert_eq!(Email::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn stored_names_read_back_as_the_same_value() {
        for s in ArticleStatus::ALL {
            assert_eq!(ArticleStatus::parse(s.as_str()), Some(s));
            assert_eq!(s.to_string(), s.as_str());
        }
        for k in ArticleKind::ALL {
            assert_eq!(ArticleKind::parse(k.as_str()), Some(k));
        }
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        for k in NoteKind::ALL {
            assert_eq!(NoteKind::parse(k.as_str()), Some(k));
        }
        for k in SourceKind::ALL {
            assert_eq!(SourceKind::parse(k.as_str()), Some(k));
        }
        assert_eq!(NoteKind::parse("retraction"), None);
        assert_eq!(ArticleStatus::parse("Published"), None);
        assert_eq!(ArticleKind::parse("video"), None);
        // Revisions keep the stored names in their JSON.
        assert_eq!(
            serde_json::to_string(&(ArticleKind::Blog, ArticleStatus::Review)).ok(),
            Some(r#"["blog","review"]"#.to_owned())
        );
    }

    #[test]
    fn an_article_is_visible_once_public_and_its_time_has_come() {
        let at = |h: u32| {
            chrono::NaiveDate::from_ymd_opt(2026, 12, 1)
                .and_then(|d| d.and_hms_opt(h, 0, 0))
                .expect("a valid time")
        };
        let now = at(10);
        for status in ArticleStatus::ALL {
            let public = matches!(status, ArticleStatus::Published | ArticleStatus::Scheduled);
            assert_eq!(
                status.is_visible(Some(at(9)), None, now),
                public,
                "{status}"
            );
            assert_eq!(status.is_visible(Some(now), None, now), public, "{status}");
            assert!(!status.is_visible(Some(at(11)), None, now), "{status}");
            assert!(!status.is_visible(None, None, now), "{status}");
            // Until its expiry, not from it on.
            assert_eq!(
                status.is_visible(Some(at(9)), Some(at(11)), now),
                public,
                "{status}"
            );
            assert!(!status.is_visible(Some(at(9)), Some(now), now), "{status}");
            assert!(
                !status.is_visible(Some(at(8)), Some(at(9)), now),
                "{status}"
            );
            assert_eq!(status.has_expired(Some(at(8)), Some(at(9)), now), public);
            assert!(!status.has_expired(Some(at(8)), Some(at(11)), now));
            assert!(!status.has_expired(Some(at(11)), Some(at(9)), now));
        }
    }

    #[test]
    fn news_lives_in_its_category_and_blog_posts_under_blog() {
        assert_eq!(
            article_path(ArticleKind::News, Some("sport"), "a-b"),
            "/sport/a-b"
        );
        assert_eq!(article_path(ArticleKind::Blog, None, "a-b"), "/blog/a-b");
        assert_eq!(
            article_path(ArticleKind::Blog, Some("sport"), "a-b"),
            "/blog/a-b"
        );
        assert_eq!(article_path(ArticleKind::News, None, "a-b"), "/blog/a-b");
    }

    #[test]
    fn roles_parse_by_name() {
        assert_eq!(Role::parse("Editor"), Some(Role::Editor));
        assert_eq!(Role::parse("contributor"), Some(Role::Contributor));
        assert_eq!(Role::parse("owner"), None);
    }
}
