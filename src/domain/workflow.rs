//! The newsroom's workflow: the steps a save may take an article through,
//! where each step leaves its status and publish time, and which changes
//! need the right to publish. Pure functions over [`ArticleStatus`]; the
//! editor, the history and the database layer all call these.

use chrono::NaiveDateTime;

use super::ArticleStatus;

/// A step of the workflow that a save takes along with the content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Save the content; the status stays.
    Keep,
    /// Submit for review.
    Submit,
    /// Publish now (an article already out keeps its publish time).
    Publish,
    /// Publish at this UTC time.
    Schedule(NaiveDateTime),
    /// Take off the site, back to draft.
    Unpublish,
    Archive,
    /// Send an article in review back to its writer, as a draft (with
    /// review notes saying what to change; `newsroom::review`).
    Return,
}

impl Step {
    /// The status and publish time after this step, from the current ones.
    pub fn apply(
        self,
        current: ArticleStatus,
        published_at: Option<NaiveDateTime>,
        now: NaiveDateTime,
    ) -> (ArticleStatus, Option<NaiveDateTime>) {
        match self {
            Step::Keep => (current, published_at),
            Step::Submit => (ArticleStatus::Review, published_at),
            Step::Publish => {
                let out_already =
                    current == ArticleStatus::Published && published_at.is_some_and(|p| p <= now);
                let at = if out_already { published_at } else { Some(now) };
                (ArticleStatus::Published, at)
            }
            Step::Schedule(at) => (ArticleStatus::Scheduled, Some(at)),
            Step::Unpublish => (ArticleStatus::Draft, published_at),
            Step::Archive => (ArticleStatus::Archived, published_at),
            Step::Return => (ArticleStatus::Draft, published_at),
        }
    }

    /// Whether taking this step is for those who may publish: publishing,
    /// scheduling, unpublishing, archiving and returning an article to its
    /// writer are.
    pub fn needs_publish_right(self) -> bool {
        matches!(
            self,
            Step::Publish | Step::Schedule(_) | Step::Unpublish | Step::Archive | Step::Return
        )
    }

    /// Whether an article in `status` may take this step: only an article
    /// in review goes back to its writer; the others go from anywhere.
    pub fn allowed_from(self, status: ArticleStatus) -> bool {
        match self {
            Step::Return => status == ArticleStatus::Review,
            _ => true,
        }
    }
}

/// Whether changing an article in `status` at all (its content, or
/// restoring an old revision) is for those who may publish: anything but a
/// draft or an article in review is, since it is or was public.
pub fn change_needs_publish_right(status: ArticleStatus) -> bool {
    !matches!(status, ArticleStatus::Draft | ArticleStatus::Review)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn at(h: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 11, 27)
            .and_then(|d| d.and_hms_opt(h, 0, 0))
            .expect("a valid time")
    }

    #[test]
    fn publishing_sets_the_time_once() {
        let (s, p) = Step::Publish.apply(ArticleStatus::Draft, None, at(10));
        assert_eq!((s, p), (ArticleStatus::Published, Some(at(10))));
        // Already out: publishing again keeps the original time.
        let (_, p) = Step::Publish.apply(ArticleStatus::Published, Some(at(8)), at(10));
        assert_eq!(p, Some(at(8)));
        // Scheduled for later, published now: now.
        let (_, p) = Step::Publish.apply(ArticleStatus::Scheduled, Some(at(12)), at(10));
        assert_eq!(p, Some(at(10)));
    }

    #[test]
    fn the_other_steps_set_their_status() {
        assert_eq!(
            Step::Schedule(at(12)).apply(ArticleStatus::Draft, None, at(10)),
            (ArticleStatus::Scheduled, Some(at(12)))
        );
        assert_eq!(
            Step::Unpublish
                .apply(ArticleStatus::Published, Some(at(8)), at(10))
                .0,
            ArticleStatus::Draft
        );
        assert_eq!(
            Step::Archive
                .apply(ArticleStatus::Published, Some(at(8)), at(10))
                .0,
            ArticleStatus::Archived
        );
        assert_eq!(
            Step::Submit.apply(ArticleStatus::Draft, None, at(10)).0,
            ArticleStatus::Review
        );
        assert_eq!(
            Step::Keep.apply(ArticleStatus::Review, None, at(10)).0,
            ArticleStatus::Review
        );
    }

    #[test]
    fn only_drafts_and_reviews_change_without_the_publish_right() {
        let free: Vec<ArticleStatus> = ArticleStatus::ALL
            .into_iter()
            .filter(|s| !change_needs_publish_right(*s))
            .collect();
        assert_eq!(free, [ArticleStatus::Draft, ArticleStatus::Review]);
        assert!(Step::Schedule(at(12)).needs_publish_right());
        assert!(Step::Unpublish.needs_publish_right() && Step::Archive.needs_publish_right());
        assert!(!Step::Keep.needs_publish_right() && !Step::Submit.needs_publish_right());
        assert!(Step::Return.needs_publish_right());
    }

    #[test]
    fn only_an_article_in_review_returns_to_its_writer_as_a_draft() {
        assert_eq!(
            Step::Return.apply(ArticleStatus::Review, None, at(10)),
            (ArticleStatus::Draft, None)
        );
        let from: Vec<ArticleStatus> = ArticleStatus::ALL
            .into_iter()
            .filter(|s| Step::Return.allowed_from(*s))
            .collect();
        assert_eq!(from, [ArticleStatus::Review]);
        assert!(ArticleStatus::ALL
            .into_iter()
            .all(|s| Step::Publish.allowed_from(s)));
    }
}
