//! The diesel table definitions, written with types that both backends share.
//! Keep in step with `migrations/sqlite` and `migrations/postgres`.

diesel::table! {
    users (id) {
        id -> Integer,
        slug -> Text,
        email -> Text,
        name -> Text,
        bio -> Text,
        role -> Text,
        password_hash -> Nullable<Text>,
        active -> Bool,
        created_at -> Timestamp,
    }
}

diesel::table! {
    categories (id) {
        id -> Integer,
        slug -> Text,
        name -> Text,
        tagline -> Text,
        description -> Text,
        position -> Integer,
        noindex -> Bool,
    }
}

diesel::table! {
    media (id) {
        id -> Integer,
        file_name -> Text,
        content_type -> Text,
        byte_size -> BigInt,
        width -> Integer,
        height -> Integer,
        uploaded_by -> Nullable<Integer>,
        created_at -> Timestamp,
        // Pictures (migration 13).
        caption -> Text,
        credit -> Text,
        /// The agency's own picture: a credit is optional.
        own_work -> Bool,
        /// The focal point, percent across and down.
        focal_x -> Integer,
        focal_y -> Integer,
        /// The variants' widths, `320,640,...`; empty: the original only.
        variants -> Text,
    }
}

diesel::table! {
    articles (id) {
        id -> Integer,
        kind -> Text,
        category_id -> Nullable<Integer>,
        slug -> Text,
        title -> Text,
        standfirst -> Text,
        intro -> Text,
        author_id -> Integer,
        hero_media_id -> Nullable<Integer>,
        hero_alt -> Text,
        status -> Text,
        published_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        reading_minutes -> Integer,
        noindex -> Bool,
        version -> Integer,
        /// From this moment the article is hidden, as before its publish
        /// time (`db::articles::visible`).
        expires_at -> Nullable<Timestamp>,
        /// Who the article comes from: `staff`, `wire` or `partner`.
        source_kind -> Text,
        /// The wire service's or partner's name; empty for our own staff.
        source_name -> Text,
    }
}

diesel::table! {
    sections (id) {
        id -> Integer,
        article_id -> Integer,
        position -> Integer,
        anchor -> Text,
        heading -> Text,
        body -> Text,
        body_html -> Text,
    }
}

diesel::table! {
    tags (id) {
        id -> Integer,
        slug -> Text,
        name -> Text,
    }
}

diesel::table! {
    article_tags (article_id, tag_id) {
        article_id -> Integer,
        tag_id -> Integer,
        position -> Integer,
        /// A copy of the article's `status`, kept by triggers.
        article_status -> Nullable<Text>,
        /// A copy of the article's `published_at`, kept by triggers.
        article_published_at -> Nullable<Timestamp>,
        /// A copy of the article's `expires_at`, kept by triggers.
        article_expires_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    site_settings (id) {
        id -> Integer,
        name -> Text,
        tagline -> Text,
        pitch -> Text,
        about -> Text,
        updated_at -> Timestamp,
        time_zone -> Text,
        /// Markdown: the body of `/corrections-policy` (empty: no page).
        corrections_policy -> Text,
        /// Markdown: the body of `/publishing-principles`.
        publishing_principles -> Text,
        /// Markdown: the body of `/masthead`.
        masthead -> Text,
    }
}

diesel::table! {
    redirects (id) {
        id -> Integer,
        from_path -> Text,
        to_path -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    sessions (id) {
        id -> Text,
        user_id -> Integer,
        csrf_token -> Text,
        created_at -> Timestamp,
        last_seen_at -> Timestamp,
        expires_at -> Timestamp,
        ip -> Text,
        user_agent -> Text,
    }
}

diesel::table! {
    login_attempts (id) {
        id -> Integer,
        email -> Text,
        ip -> Text,
        succeeded -> Bool,
        attempted_at -> Timestamp,
    }
}

diesel::table! {
    audit_log (id) {
        id -> Integer,
        user_id -> Nullable<Integer>,
        action -> Text,
        target_type -> Text,
        target_id -> Nullable<Integer>,
        detail -> Text,
        ip -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    /// Per block of 128 article ids, how many may be listed in the
    /// sitemaps and their newest change; kept by triggers.
    sitemap_blocks (block) {
        block -> Integer,
        listed -> Integer,
        lastmod -> Nullable<Timestamp>,
    }
}

diesel::table! {
    revisions (id) {
        id -> Integer,
        article_id -> Integer,
        version -> Integer,
        user_id -> Nullable<Integer>,
        snapshot -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    article_views (article_id, hour) {
        article_id -> Integer,
        hour -> Timestamp,
        views -> Integer,
    }
}

diesel::table! {
    /// Dated corrections and updates of published articles.
    article_notes (id) {
        id -> Integer,
        article_id -> Integer,
        /// `correction` or `update`.
        kind -> Text,
        body -> Text,
        created_at -> Timestamp,
        user_id -> Nullable<Integer>,
    }
}

diesel::table! {
    /// The live coverage of an article (one row per article turned live).
    live_coverage (article_id) {
        article_id -> Integer,
        started_at -> Timestamp,
        /// Set once coverage is over; `None` while it is live.
        ended_at -> Nullable<Timestamp>,
        /// Its last start, end or deleted entry (a new or edited entry
        /// dates itself).
        changed_at -> Timestamp,
    }
}

diesel::table! {
    /// The entries of live pages; the id is the anchor and the cursor.
    live_entries (id) {
        id -> Integer,
        article_id -> Integer,
        author_id -> Integer,
        /// Empty when the entry has none.
        headline -> Text,
        /// Markdown as typed.
        body -> Text,
        /// `body` rendered and sanitized when written.
        body_html -> Text,
        image_media_id -> Nullable<Integer>,
        image_alt -> Text,
        posted_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// Staff notes on an article in review; never shown to readers.
    review_notes (id) {
        id -> Integer,
        article_id -> Integer,
        user_id -> Nullable<Integer>,
        /// The anchor of the section the note is about; none for the
        /// whole article.
        section_anchor -> Nullable<Text>,
        body -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    /// Articles an editor returned to their writer, until they move on.
    review_returns (article_id) {
        article_id -> Integer,
        returned_at -> Timestamp,
        returned_by -> Nullable<Integer>,
    }
}

diesel::joinable!(articles -> categories (category_id));
diesel::joinable!(articles -> users (author_id));
diesel::joinable!(articles -> media (hero_media_id));
diesel::joinable!(sections -> articles (article_id));
diesel::joinable!(article_tags -> articles (article_id));
diesel::joinable!(article_tags -> tags (tag_id));
diesel::joinable!(media -> users (uploaded_by));
diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(audit_log -> users (user_id));
diesel::joinable!(revisions -> articles (article_id));
diesel::joinable!(revisions -> users (user_id));
diesel::joinable!(article_views -> articles (article_id));
diesel::joinable!(article_notes -> articles (article_id));
diesel::joinable!(article_notes -> users (user_id));
diesel::joinable!(review_notes -> articles (article_id));
diesel::joinable!(review_notes -> users (user_id));
diesel::joinable!(review_returns -> articles (article_id));
diesel::joinable!(live_coverage -> articles (article_id));
diesel::joinable!(live_entries -> articles (article_id));

diesel::allow_tables_to_appear_in_same_query!(
    users,
    categories,
    media,
    articles,
    sections,
    tags,
    article_tags,
    site_settings,
    redirects,
    sessions,
    login_attempts,
    audit_log,
    revisions,
    article_views,
    sitemap_blocks,
    article_notes,
    review_notes,
    review_returns,
    live_coverage,
    live_entries,
);

// Related articles group shared hashtags by article and order by its
// publish time (`db::articles::related`).
diesel::allow_columns_to_appear_in_same_group_by_clause!(
    article_tags::article_id,
    articles::published_at,
);
