//! Domain types: values parsed once at the edge (a slug from a URL, a page
//! number from a query string) so the rest of the code never re-validates.

mod page;
mod slug;

pub use page::{PageError, PageNumber};
pub use slug::{anchors_for, slugify, tag_slug, Slug};

/// News articles live in a category; blog posts live under `/blog`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArticleKind {
    News,
    Blog,
}

impl ArticleKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ArticleKind::News => "news",
            ArticleKind::Blog => "blog",
        }
    }
}

/// Where an article is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
    pub const PUBLIC: [&'static str; 2] = ["published", "scheduled"];

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

/// What a staff member may do; enforced by the staff area.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Admin,
    Editor,
    Author,
    Contributor,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Editor => "editor",
            Role::Author => "author",
            Role::Contributor => "contributor",
        }
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
}
