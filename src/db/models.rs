//! Rows as they are read from and written to the database: a read struct per
//! table, and insert structs beside them. An article's kind and status and
//! a staff member's role are read as their domain types here, once: a
//! stored name none of them knows is a deserialization error. The
//! timestamps of the rows public pages read go through `super::timestamp`
//! (fast on SQLite).

use chrono::NaiveDateTime;
use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql};
use diesel::prelude::*;
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::Text;

use crate::domain::{ArticleKind, ArticleStatus, NoteKind, Role, SourceKind, TrustPage};

use super::schema::{
    article_notes, article_tags, articles, audit_log, categories, media, redirects, review_notes,
    sections, sessions, site_settings, tags, users,
};
use super::timestamp::{OptTs, Ts};

/// Reads and writes a domain enum (which derives diesel's `AsExpression`
/// and `FromSqlRow` for `Text`) as its stored name, on every backend:
/// written as the `&'static str` of `as_str`, read with `parse`. So
/// `articles::status.eq(ArticleStatus::Published)` binds `'published'`, and
/// a model's field of the enum's type is parsed as the row is read.
macro_rules! stored_as_text {
    ($($t:ident: $what:literal),* $(,)?) => {$(
        impl<DB> FromSql<Text, DB> for $t
        where
            DB: Backend,
            String: FromSql<Text, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
                let raw = String::from_sql(bytes)?;
                $t::parse(&raw).ok_or_else(|| format!("unknown {} {raw:?}", $what).into())
            }
        }

        impl<DB> ToSql<Text, DB> for $t
        where
            DB: Backend,
            str: ToSql<Text, DB>,
        {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
                self.as_str().to_sql(out)
            }
        }
    )*};
}

stored_as_text!(
    ArticleKind: "article kind",
    ArticleStatus: "article status",
    Role: "staff role",
    NoteKind: "note kind",
    SourceKind: "article source",
);

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = categories)]
pub struct Category {
    pub id: i32,
    pub slug: String,
    pub name: String,
    pub tagline: String,
    pub description: String,
    pub position: i32,
    pub noindex: bool,
}

/// A category as a card names it: its link and name. A listing reads
/// this rather than [`Category`], whose description it never shows.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = categories)]
pub struct CardCategory {
    pub id: i32,
    pub slug: String,
    pub name: String,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = categories)]
pub struct NewCategory<'a> {
    pub slug: &'a str,
    pub name: &'a str,
    pub tagline: &'a str,
    pub description: &'a str,
    pub position: i32,
    pub noindex: bool,
}

/// A staff member as the public sees them: no email, no password hash.
#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = users)]
pub struct Author {
    pub id: i32,
    pub slug: String,
    pub name: String,
    pub bio: String,
}

/// A writer as a card's byline names them: no bio.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct CardAuthor {
    pub id: i32,
    pub slug: String,
    pub name: String,
}

/// A staff member as the staff area sees them, password hash included.
#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = users)]
pub struct StaffUser {
    pub id: i32,
    pub slug: String,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub password_hash: Option<String>,
    pub active: bool,
}

/// A signed-in browser. `id` is the digest of the cookie's token, never
/// the token itself.
#[derive(Debug, Clone, Queryable, Selectable, Identifiable, Insertable)]
#[diesel(table_name = sessions)]
pub struct Session {
    pub id: String,
    pub user_id: i32,
    pub csrf_token: String,
    pub created_at: NaiveDateTime,
    pub last_seen_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub ip: String,
    pub user_agent: String,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = audit_log)]
pub struct AuditEntry {
    pub id: i32,
    pub user_id: Option<i32>,
    pub action: String,
    pub target_type: String,
    pub target_id: Option<i32>,
    pub detail: String,
    pub ip: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = audit_log)]
pub struct NewAuditEntry<'a> {
    pub user_id: Option<i32>,
    pub action: &'a str,
    pub target_type: &'a str,
    pub target_id: Option<i32>,
    pub detail: &'a str,
    pub ip: &'a str,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = users)]
pub struct NewUser<'a> {
    pub slug: &'a str,
    pub email: &'a str,
    pub name: &'a str,
    pub bio: &'a str,
    pub role: Role,
    pub password_hash: Option<&'a str>,
    pub active: bool,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = articles)]
pub struct Article {
    pub id: i32,
    pub kind: ArticleKind,
    pub category_id: Option<i32>,
    pub slug: String,
    pub title: String,
    pub standfirst: String,
    pub intro: String,
    pub author_id: i32,
    pub hero_media_id: Option<i32>,
    pub hero_alt: String,
    pub status: ArticleStatus,
    #[diesel(deserialize_as = OptTs)]
    pub published_at: Option<NaiveDateTime>,
    #[diesel(deserialize_as = Ts)]
    pub created_at: NaiveDateTime,
    #[diesel(deserialize_as = Ts)]
    pub updated_at: NaiveDateTime,
    pub reading_minutes: i32,
    pub noindex: bool,
    pub version: i32,
    #[diesel(deserialize_as = OptTs)]
    pub expires_at: Option<NaiveDateTime>,
    #[diesel(column_name = source_kind)]
    pub source: SourceKind,
    pub source_name: String,
}

impl Article {
    /// The byline's credit of a wire service or partner; none for our own
    /// staff.
    pub fn source_credit(&self) -> Option<String> {
        self.source.credit(&self.source_name)
    }
}

/// What a card shows of an article, and what decides whether it is
/// visible: a listing decodes these dozen short columns per row, not the
/// intro and the editorial fields of [`Article`].
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = articles)]
pub struct CardArticle {
    pub id: i32,
    pub kind: ArticleKind,
    pub slug: String,
    pub title: String,
    pub standfirst: String,
    pub hero_alt: String,
    pub status: ArticleStatus,
    #[diesel(deserialize_as = OptTs)]
    pub published_at: Option<NaiveDateTime>,
    #[diesel(deserialize_as = Ts)]
    pub updated_at: NaiveDateTime,
    pub reading_minutes: i32,
    #[diesel(deserialize_as = OptTs)]
    pub expires_at: Option<NaiveDateTime>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = articles)]
pub struct NewArticle<'a> {
    pub kind: ArticleKind,
    pub category_id: Option<i32>,
    pub slug: &'a str,
    pub title: &'a str,
    pub standfirst: &'a str,
    pub intro: &'a str,
    pub author_id: i32,
    pub hero_media_id: Option<i32>,
    pub hero_alt: &'a str,
    pub status: ArticleStatus,
    pub published_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub reading_minutes: i32,
    pub noindex: bool,
    pub version: i32,
    pub expires_at: Option<NaiveDateTime>,
    #[diesel(column_name = source_kind)]
    pub source: SourceKind,
    pub source_name: &'a str,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable, Associations)]
#[diesel(table_name = sections, belongs_to(Article))]
pub struct Section {
    pub id: i32,
    pub article_id: i32,
    pub position: i32,
    pub anchor: String,
    pub heading: String,
    pub body: String,
    pub body_html: String,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = sections)]
pub struct NewSection<'a> {
    pub article_id: i32,
    pub position: i32,
    pub anchor: &'a str,
    pub heading: &'a str,
    pub body: &'a str,
    pub body_html: &'a str,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = tags)]
pub struct Tag {
    pub id: i32,
    pub slug: String,
    pub name: String,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = tags)]
pub struct NewTag<'a> {
    pub slug: &'a str,
    pub name: &'a str,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = article_tags)]
pub struct NewArticleTag {
    pub article_id: i32,
    pub tag_id: i32,
    pub position: i32,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = media)]
pub struct Media {
    pub id: i32,
    pub file_name: String,
    pub content_type: String,
    pub byte_size: i64,
    pub width: i32,
    pub height: i32,
    pub uploaded_by: Option<i32>,
    #[diesel(deserialize_as = Ts)]
    pub created_at: NaiveDateTime,
    pub caption: String,
    pub credit: String,
    pub own_work: bool,
    pub focal_x: i32,
    pub focal_y: i32,
    pub variants: String,
}

/// What pages show of a picture: its `<picture>` sources, its caption and
/// credit, its share image. An image stored before variants were made
/// has none, and is shown as its original alone.
impl Media {
    /// The variants' widths, smallest first.
    pub fn widths(&self) -> Vec<u32> {
        self.each_width().collect()
    }

    fn each_width(&self) -> impl Iterator<Item = u32> + '_ {
        self.variants
            .split(',')
            .filter_map(|w| w.trim().parse().ok())
    }

    /// The original's format, from its name's extension: the name was
    /// checked when the file was stored, and a page asks this two or three
    /// times per picture (checking the whole name each time was 2.5% of a
    /// listing page).
    fn kind(&self) -> crate::media::ImageKind {
        self.file_name
            .rsplit_once('.')
            .and_then(|(_, ext)| crate::media::ImageKind::from_extension(ext))
            .unwrap_or(crate::media::ImageKind::Jpeg)
    }

    /// The address of the variant `width` wide in `kind` (the original
    /// itself at its own width).
    fn variant_url(&self, width: u32, kind: crate::media::ImageKind) -> String {
        let mut url = String::with_capacity(40);
        self.push_variant_url(&mut url, width, kind, self.kind());
        url
    }

    /// [`Media::variant_url`] written onto the end of `out`, given the
    /// original's own kind (`own`), which takes a look at its name to tell.
    fn push_variant_url(
        &self,
        out: &mut String,
        width: u32,
        kind: crate::media::ImageKind,
        own: crate::media::ImageKind,
    ) {
        out.push_str("/media/");
        if i64::from(width) == i64::from(self.width) && kind == own {
            out.push_str(&self.file_name);
        } else {
            crate::media::push_variant_name(out, &self.file_name, width, kind);
        }
    }

    /// Written into one string: a page lists two of these per picture,
    /// and a `format!` per width with a `join` made a twentieth of an
    /// uncached article page's work.
    fn srcset_of(&self, kind: crate::media::ImageKind) -> String {
        let own = self.kind();
        let mut digits = itoa::Buffer::new();
        let mut srcset = String::with_capacity(self.variants.len() * 40);
        for w in self.each_width() {
            if !srcset.is_empty() {
                srcset.push_str(", ");
            }
            self.push_variant_url(&mut srcset, w, kind, own);
            srcset.push(' ');
            srcset.push_str(digits.format(w));
            srcset.push('w');
        }
        srcset
    }

    /// `srcset` of the WebP variants; empty without variants.
    pub fn webp_srcset(&self) -> String {
        self.srcset_of(crate::media::ImageKind::Webp)
    }

    /// `srcset` of the variants in the original's family (JPEG or PNG).
    pub fn srcset(&self) -> String {
        self.srcset_of(self.kind())
    }

    /// The `src` of browsers that read no `srcset`: the smallest variant
    /// at least 960 wide (or the largest), else the original.
    pub fn src(&self) -> String {
        let mut largest = None;
        for w in self.each_width() {
            if w >= 960 {
                return self.variant_url(w, self.kind());
            }
            largest = Some(w);
        }
        match largest {
            Some(w) => self.variant_url(w, self.kind()),
            None => format!("/media/{}", self.file_name),
        }
    }

    /// A small copy for the library's list: the narrowest variant, else
    /// the original.
    pub fn thumb(&self) -> String {
        match self.widths().first() {
            Some(&w) => self.variant_url(w, self.kind()),
            None => format!("/media/{}", self.file_name),
        }
    }

    /// The share image (1200×630, cut around the focal point) as
    /// (path, width, height); the original itself without variants.
    pub fn share(&self) -> (String, i32, i32) {
        let widths = self.widths();
        let Some(&largest) = widths.last() else {
            return (
                format!("/media/{}", self.file_name),
                self.width,
                self.height,
            );
        };
        let w = u32::try_from(self.width).unwrap_or(1).max(1);
        let h = u32::try_from(self.height).unwrap_or(1).max(1);
        // The share image is cut from the largest variant.
        let lh = crate::pictures::scaled(h, largest, w);
        let (.., ow, oh) = crate::pictures::share_crop(largest, lh, (self.focal_x, self.focal_y));
        (
            format!(
                "/media/{}",
                crate::media::share_name(&self.file_name, self.focal_x, self.focal_y)
            ),
            i32::try_from(ow).unwrap_or(i32::MAX),
            i32::try_from(oh).unwrap_or(i32::MAX),
        )
    }

    /// What a figure's caption credits, if anything: the credit as typed.
    pub fn credit_line(&self) -> Option<&str> {
        let credit = self.credit.trim();
        (!credit.is_empty()).then_some(credit)
    }
}

/// A dated correction or update of a published article.
#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = article_notes)]
pub struct Note {
    pub id: i32,
    pub article_id: i32,
    pub kind: NoteKind,
    /// Plain text, escaped wherever it is shown.
    pub body: String,
    #[diesel(deserialize_as = Ts)]
    pub created_at: NaiveDateTime,
    pub user_id: Option<i32>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = article_notes)]
pub struct NewNote<'a> {
    pub article_id: i32,
    pub kind: NoteKind,
    pub body: &'a str,
    pub created_at: NaiveDateTime,
    pub user_id: Option<i32>,
}

/// A staff note on an article in review (`db::review_notes`).
#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = review_notes)]
pub struct ReviewNote {
    pub id: i32,
    pub article_id: i32,
    pub user_id: Option<i32>,
    /// The anchor of the section it is about; `None` for the whole article.
    pub section_anchor: Option<String>,
    /// Plain text, escaped wherever it is shown.
    pub body: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = review_notes)]
pub struct NewReviewNote<'a> {
    pub article_id: i32,
    pub user_id: Option<i32>,
    pub section_anchor: Option<&'a str>,
    pub body: &'a str,
    pub created_at: NaiveDateTime,
}

/// The settings every page shows. The trust pages' texts stay in the
/// database (`db::settings::trust_page`); every page only needs to know
/// which are written, for its footer and the publisher's JSON-LD.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = site_settings)]
pub struct SiteSettings {
    pub name: String,
    pub tagline: String,
    pub pitch: String,
    pub about: String,
    #[diesel(deserialize_as = Ts)]
    pub updated_at: NaiveDateTime,
    /// An IANA time zone name; see [`SiteSettings::zone`].
    pub time_zone: String,
    #[diesel(select_expression = site_settings::corrections_policy.ne(""))]
    #[diesel(select_expression_type = diesel::dsl::NotEq<site_settings::corrections_policy, &'static str>)]
    pub has_corrections_policy: bool,
    #[diesel(select_expression = site_settings::publishing_principles.ne(""))]
    #[diesel(select_expression_type = diesel::dsl::NotEq<site_settings::publishing_principles, &'static str>)]
    pub has_publishing_principles: bool,
    #[diesel(select_expression = site_settings::masthead.ne(""))]
    #[diesel(select_expression_type = diesel::dsl::NotEq<site_settings::masthead, &'static str>)]
    pub has_masthead: bool,
}

impl SiteSettings {
    /// Whether trust page `page` is written (and so served).
    pub fn has(&self, page: TrustPage) -> bool {
        match page {
            TrustPage::CorrectionsPolicy => self.has_corrections_policy,
            TrustPage::PublishingPrinciples => self.has_publishing_principles,
            TrustPage::Masthead => self.has_masthead,
        }
    }

    /// The trust pages that are written, in footer order.
    pub fn trust_pages(&self) -> Vec<TrustPage> {
        TrustPage::ALL
            .into_iter()
            .filter(|p| self.has(*p))
            .collect()
    }
}

#[derive(Debug, Insertable)]
#[diesel(table_name = site_settings)]
pub struct NewSiteSettings<'a> {
    pub id: i32,
    pub name: &'a str,
    pub tagline: &'a str,
    pub pitch: &'a str,
    pub about: &'a str,
    pub updated_at: NaiveDateTime,
    pub time_zone: &'a str,
    pub corrections_policy: &'a str,
    pub publishing_principles: &'a str,
    pub masthead: &'a str,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = redirects)]
pub struct Redirect {
    pub from_path: String,
    pub to_path: String,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = redirects)]
pub struct NewRedirect<'a> {
    pub from_path: &'a str,
    pub to_path: &'a str,
    pub created_at: NaiveDateTime,
}

#[cfg(test)]
mod tests {
    use super::Media;

    fn picture(file_name: &str, width: i32, variants: &str) -> Media {
        Media {
            id: 1,
            file_name: file_name.to_owned(),
            content_type: String::new(),
            byte_size: 0,
            width,
            height: width / 2,
            uploaded_by: None,
            created_at: chrono::NaiveDateTime::default(),
            caption: String::new(),
            credit: String::new(),
            own_work: true,
            focal_x: 50,
            focal_y: 50,
            variants: variants.to_owned(),
        }
    }

    /// A PNG original's variants are PNG and WebP; the original itself
    /// stands for the variant of its own width and kind.
    #[test]
    fn a_pictures_addresses_follow_its_own_format() {
        let png = picture("0123456789abcdef.png", 1280, "480,960,1280");
        assert_eq!(
            png.srcset(),
            "/media/0123456789abcdef-480w.png 480w, /media/0123456789abcdef-960w.png 960w, \
             /media/0123456789abcdef.png 1280w"
        );
        assert_eq!(
            png.webp_srcset(),
            "/media/0123456789abcdef-480w.webp 480w, /media/0123456789abcdef-960w.webp 960w, \
             /media/0123456789abcdef-1280w.webp 1280w"
        );
        assert_eq!(png.src(), "/media/0123456789abcdef-960w.png");
        let jpeg = picture("fedcba9876543210.jpg", 640, "320,640");
        assert_eq!(jpeg.src(), "/media/fedcba9876543210.jpg");
        assert_eq!(
            jpeg.srcset(),
            "/media/fedcba9876543210-320w.jpg 320w, /media/fedcba9876543210.jpg 640w"
        );
        let bare = picture("fedcba9876543210.jpg", 640, "");
        assert_eq!(bare.src(), "/media/fedcba9876543210.jpg");
        assert_eq!(bare.srcset(), "");
    }
}
