//! Full-text search over visible, indexed articles: SQLite FTS5 or a
//! PostgreSQL `tsvector` with a GIN index, behind one function. The index
//! holds one row per article (title, standfirst, intro and sections,
//! hashtags) and is rewritten by `search_index::reindex` on every save.

use std::time::{Duration, Instant};

use chrono::NaiveDateTime;
use diesel::connection::{SimpleConnection, TransactionManager};
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Double, Float, Integer, Text};

use super::articles::{indexed, visible, Card};
use super::schema::articles;
use super::search_budget::Deadline;
use super::DbConn;

/// The SQLite FTS5 table (see `migrations/sqlite/*_search_index`).
mod fts5 {
    diesel::table! {
        article_search (rowid) {
            rowid -> Integer,
            title -> Text,
            standfirst -> Text,
            body -> Text,
            tags -> Text,
        }
    }
    use crate::db::schema::{articles, categories, users};
    diesel::allow_tables_to_appear_in_same_query!(article_search, articles);
    diesel::allow_tables_to_appear_in_same_query!(article_search, categories);
    diesel::allow_tables_to_appear_in_same_query!(article_search, users);
}

/// The PostgreSQL table; its `document` column is only used through SQL.
mod tsv {
    diesel::table! {
        article_search (article_id) {
            article_id -> Integer,
            body -> Text,
        }
    }
    use crate::db::schema::{articles, categories, users};
    diesel::allow_tables_to_appear_in_same_query!(article_search, articles);
    diesel::allow_tables_to_appear_in_same_query!(article_search, categories);
    diesel::allow_tables_to_appear_in_same_query!(article_search, users);
}

/// One piece of a search: a word, a word prefix (`tele*`) or a phrase
/// (`"slow travel"`). Words hold only letters and digits, so nothing a
/// reader types can act as an operator of either full-text parser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Term {
    Word(String),
    Prefix(String),
    Phrase(Vec<String>),
}

/// A reader's query, parsed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchQuery {
    pub terms: Vec<Term>,
}

fn words_of(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

impl SearchQuery {
    /// Terms beyond this many are ignored.
    pub const MAX_TERMS: usize = 8;
    /// Characters of a query looked at; longer input is cut, not refused.
    pub const MAX_CHARS: usize = 200;

    /// What a reader typed into `?q=`, as it is searched and shown again:
    /// control characters dropped, cut at [`Self::MAX_CHARS`] characters,
    /// trimmed; and whether the cut left anything out.
    pub fn typed(raw: &str) -> (String, bool) {
        let mut kept = raw.chars().filter(|c| !c.is_control());
        let text: String = kept.by_ref().take(Self::MAX_CHARS).collect();
        let cut = kept.next().is_some();
        (text.trim().to_owned(), cut)
    }

    pub fn parse(input: &str) -> SearchQuery {
        let mut terms = Vec::new();
        // Odd-numbered pieces between double quotes are phrases.
        for (i, piece) in input.split('"').enumerate() {
            if i % 2 == 1 {
                match words_of(piece).as_slice() {
                    [] => {}
                    [one] => terms.push(Term::Word(one.clone())),
                    many => terms.push(Term::Phrase(many.to_vec())),
                }
                continue;
            }
            for token in piece.split_whitespace() {
                let prefix = token.ends_with('*');
                let words = words_of(token);
                let last = words.len().saturating_sub(1);
                for (j, word) in words.into_iter().enumerate() {
                    if prefix && j == last && word.chars().count() >= 2 {
                        terms.push(Term::Prefix(word));
                    } else {
                        terms.push(Term::Word(word));
                    }
                }
            }
        }
        terms.truncate(Self::MAX_TERMS);
        SearchQuery { terms }
    }

    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// FTS5 syntax: every term quoted, implicit AND between them.
    pub fn to_fts5(&self) -> String {
        self.to_fts5_terms().join(" ")
    }

    /// FTS5 syntax for a row holding any of the terms in `column`, for
    /// scoring ([`score_by_column`]).
    pub fn to_fts5_in_column(&self, column: &str) -> String {
        format!("{{{column}}} : ({})", self.to_fts5_terms().join(" OR "))
    }

    fn to_fts5_terms(&self) -> Vec<String> {
        self.terms
            .iter()
            .map(|t| match t {
                Term::Word(w) => format!("\"{w}\""),
                Term::Prefix(w) => format!("\"{w}\"*"),
                Term::Phrase(ws) => format!("\"{}\"", ws.join(" ")),
            })
            .collect()
    }

    /// `to_tsquery` syntax: quoted lexemes, `:*` prefixes, `<->` phrases.
    pub fn to_tsquery(&self) -> String {
        self.terms
            .iter()
            .map(|t| match t {
                Term::Word(w) => format!("'{w}'"),
                Term::Prefix(w) => format!("'{w}':*"),
                Term::Phrase(ws) => format!(
                    "({})",
                    ws.iter()
                        .map(|w| format!("'{w}'"))
                        .collect::<Vec<_>>()
                        .join(" <-> ")
                ),
            })
            .collect::<Vec<_>>()
            .join(" & ")
    }
}

/// Why a search gave no answer.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// The search needed more than its time limit and was stopped.
    #[error("the search was stopped at its time limit")]
    TooSlow,
    #[error(transparent)]
    Database(#[from] diesel::result::Error),
}

/// Runs the queries of one search under `limit`. On PostgreSQL they run
/// in a transaction whose `statement_timeout` is the limit; on SQLite
/// every row they read checks the limit (`iconocast_search_budget`).
fn within_limit<T>(
    conn: &mut DbConn,
    limit: Duration,
    f: impl FnOnce(&mut DbConn) -> QueryResult<T>,
) -> Result<T, SearchError> {
    type Manager = <DbConn as Connection>::TransactionManager;
    let started = Instant::now();
    match conn {
        DbConn::Sqlite(_) => {
            let _deadline = Deadline::set(limit);
            f(conn).map_err(|e| {
                if Deadline::stopped() {
                    SearchError::TooSlow
                } else {
                    SearchError::Database(e)
                }
            })
        }
        DbConn::Pg(_) => {
            // 0 would mean no limit at all.
            let ms = limit.as_millis().clamp(1, u128::from(u32::MAX));
            Manager::begin_transaction(conn)?;
            let outcome = conn
                .batch_execute(&format!("SET LOCAL statement_timeout = {ms}"))
                .and_then(|()| f(conn));
            match outcome {
                Ok(value) => {
                    Manager::commit_transaction(conn)?;
                    Ok(value)
                }
                Err(error) => {
                    let _ = Manager::rollback_transaction(conn);
                    // PostgreSQL says which error it was only in the
                    // message, which may be translated: a query that failed
                    // past the limit, its connection intact, timed out.
                    let timed_out = match &error {
                        diesel::result::Error::DatabaseError(_, info) => {
                            info.message().contains("statement timeout")
                                || (started.elapsed() >= limit
                                    && !crate::error::connection_lost(&error))
                        }
                        _ => false,
                    };
                    Err(if timed_out {
                        SearchError::TooSlow
                    } else {
                        SearchError::Database(error)
                    })
                }
            }
        }
    }
}

/// A search result: the card and an HTML snippet with `<mark>`ed matches.
pub struct Hit {
    pub card: Card,
    pub snippet: String,
}

/// Snippets come back with U+0001/U+0002 around matches: escape the text,
/// drop Markdown punctuation, then turn the markers into `<mark>`.
fn snippet_html(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len() + 16);
    for c in raw.chars() {
        match c {
            '\u{1}' => out.push_str("<mark>"),
            '\u{2}' => out.push_str("</mark>"),
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '*' | '_' | '#' | '`' => {}
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Matches are ranked a band at a time: the newest `PAGES_PER_BAND`
/// pages' worth of matches (by id, the order articles are added in) are
/// ranked best first and make the first pages, the next band the pages
/// after, and so on. A search reads its own band's matches and one more
/// (which tells whether more follow), so it costs the same whatever the
/// size of the archive: ranking, or even counting, every match of a common
/// word or phrase is what made search slow on a large archive. Every match
/// is still reached by paging on; a newer match always comes before an
/// older band.
pub const PAGES_PER_BAND: i64 = 10;

/// Bands a search reaches: the newest `MAX_BANDS` × `PAGES_PER_BAND`
/// pages (1,200 matches, 100 pages, at twelve a page). A band is found by
/// passing over every newer match first, so a page a hundred bands deep
/// cost a second of work at 100,000 articles; past this reach a page is
/// a 404, and a reader narrows the search with more words instead.
pub const MAX_BANDS: i64 = 10;

/// How far a search counted: `at_least` matches; whether more follow on
/// pages a reader can reach (`more`); and whether more match than a search
/// reaches at all (`beyond_reach`, on its last band).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counted {
    pub at_least: i64,
    pub more: bool,
    pub beyond_reach: bool,
}

/// A match as ranked: its id, score (lower is better) and publish time.
type Candidate = (i32, f64, Option<NaiveDateTime>);

/// The visible, indexable matches of one band, with their scores: `$skip`
/// newer matches passed over, then at most `$take`, read in the index's
/// own id order so the search stops there. Only these few are joined,
/// scored and sorted.
macro_rules! candidates {
    ($c:expr, $table:expr, $key:expr, $on:expr, $matches:expr, $score:expr, $score_type:ty, $now:expr, $skip:expr, $take:expr) => {{
        $table
            .inner_join(articles::table.on($on))
            .filter($matches)
            .filter(visible($now))
            .filter(indexed())
            .select((articles::id, $score, articles::published_at))
            .order($key.desc())
            .limit($take)
            .offset($skip)
            .load::<(i32, $score_type, Option<NaiveDateTime>)>($c)?
            .into_iter()
            .map(|(id, score, at)| (id, f64::from(score), at))
            .collect::<Vec<Candidate>>()
    }};
}

#[derive(QueryableByName)]
struct SnippetRow {
    #[diesel(sql_type = Integer)]
    id: i32,
    #[diesel(sql_type = Text)]
    snippet: String,
}

/// The lowest and highest of some ids: a range of rowids FTS5 seeks to,
/// where it would read a whole doclist to test `rowid IN (...)`.
fn id_range(ids: impl IntoIterator<Item = i32>) -> Option<(i32, i32)> {
    ids.into_iter().fold(None, |range, id| match range {
        None => Some((id, id)),
        Some((low, high)) => Some((low.min(id), high.max(id))),
    })
}

/// Best first, then newest: the page's order.
fn rank(candidates: &mut [Candidate]) {
    candidates.sort_by(|a, b| a.1.total_cmp(&b.1).then(b.2.cmp(&a.2)).then(b.0.cmp(&a.0)));
}

/// The ids on the page `limit`/`offset` of the ranked candidates.
fn page_of(candidates: &[Candidate], limit: i64, offset: i64) -> Vec<i32> {
    let skip = usize::try_from(offset).unwrap_or(usize::MAX);
    let take = usize::try_from(limit).unwrap_or(0);
    candidates
        .iter()
        .skip(skip)
        .take(take)
        .map(|c| c.0)
        .collect()
}

/// How much a match counts in each searched column but the body, as
/// bm25's column weights did: a match in the title counts most, then the
/// hashtags, then the standfirst. Every candidate matches somewhere, so a
/// match in the body alone scores the base, 1.
const COLUMN_WEIGHTS: [(&str, f64); 3] = [("title", 10.0), ("tags", 6.0), ("standfirst", 4.0)];

/// Scores SQLite's candidates (lower is better, as [`rank`] sorts): the
/// base, plus each column of [`COLUMN_WEIGHTS`] in which any of the query's
/// terms matches. One statement per column, each reading the index only
/// over the candidates' range of ids, so a search costs the same at any
/// archive size; among equal scores the newest comes first.
fn score_by_column(
    conn: &mut diesel::sqlite::SqliteConnection,
    query: &SearchQuery,
    found: &mut [Candidate],
) -> QueryResult<()> {
    let Some((oldest, newest)) = id_range(found.iter().map(|c| c.0)) else {
        return Ok(());
    };
    let mut scores: Vec<(i32, f64)> = found.iter().map(|c| (c.0, -1.0)).collect();
    scores.sort_unstable_by_key(|s| s.0);
    for (column, weight) in COLUMN_WEIGHTS {
        let ids: Vec<i32> = fts5::article_search::table
            .select(fts5::article_search::rowid)
            .filter(
                sql::<Bool>("article_search MATCH ")
                    .bind::<Text, _>(query.to_fts5_in_column(column))
                    .sql(" AND iconocast_search_budget(article_search.rowid)"),
            )
            .filter(fts5::article_search::rowid.between(oldest, newest))
            .load(conn)?;
        for id in ids {
            if let Ok(i) = scores.binary_search_by_key(&id, |s| s.0) {
                scores[i].1 -= weight;
            }
        }
    }
    for candidate in found.iter_mut() {
        if let Ok(i) = scores.binary_search_by_key(&candidate.0, |s| s.0) {
            candidate.1 = scores[i].1;
        }
    }
    Ok(())
}

/// One page of results and how far the search counted. Matches are
/// ranked a band at a time ([`PAGES_PER_BAND`] pages of `limit`): within
/// a band best first (then newest), and the bands newest first. Snippets
/// are cut for the page's rows only, in a second query: cutting one per
/// match is what made a common word slow. A page past [`MAX_BANDS`] reads
/// nothing and finds nothing. A search that needs more than `time_limit`
/// is stopped: [`SearchError::TooSlow`].
pub fn search(
    conn: &mut DbConn,
    query: &SearchQuery,
    now: NaiveDateTime,
    limit: i64,
    offset: i64,
    time_limit: Duration,
) -> Result<(Vec<Hit>, Counted), SearchError> {
    if query.is_empty() || limit <= 0 {
        return Ok((Vec::new(), Counted::default()));
    }
    let reach = limit
        .saturating_mul(PAGES_PER_BAND)
        .saturating_mul(MAX_BANDS);
    if offset >= reach {
        let counted = Counted {
            at_least: reach,
            more: false,
            beyond_reach: true,
        };
        return Ok((Vec::new(), counted));
    }
    within_limit(conn, time_limit, |conn| {
        search_unbounded(conn, query, now, limit, offset.max(0))
    })
}

fn search_unbounded(
    conn: &mut DbConn,
    query: &SearchQuery,
    now: NaiveDateTime,
    limit: i64,
    offset: i64,
) -> QueryResult<(Vec<Hit>, Counted)> {
    let band = limit.saturating_mul(PAGES_PER_BAND);
    let skip = offset / band * band;
    // The band's matches and one more, which tells whether more follow.
    let take = band + 1;
    let (ids, found, snippets) = match conn {
        DbConn::Sqlite(c) => {
            let matches = query.to_fts5();
            // No score in SQL: FTS5's bm25 first counts, for every term,
            // the rows of the whole index that hold it (a phrase checked in
            // each), which is what grew with the archive. The candidates are
            // scored below from the columns they match in.
            let mut found = candidates!(
                c,
                fts5::article_search::table,
                fts5::article_search::rowid,
                articles::id.eq(fts5::article_search::rowid),
                sql::<Bool>("article_search MATCH ")
                    .bind::<Text, _>(matches.clone())
                    .sql(" AND iconocast_search_budget(article_search.rowid)"),
                sql::<Double>("0.0"),
                f64,
                now,
                skip,
                take
            );
            let in_band = found.len().min(usize::try_from(band).unwrap_or(usize::MAX));
            score_by_column(c, query, &mut found[..in_band])?;
            rank(&mut found[..in_band]);
            let ids = page_of(&found[..in_band], limit, offset - skip);
            let snippets: Vec<SnippetRow> = match id_range(ids.iter().copied()) {
                None => Vec::new(),
                Some((low, high)) => diesel::sql_query(format!(
                    "SELECT rowid AS id, snippet(article_search, -1, char(1), char(2), '…', 28) AS snippet \
                     FROM article_search WHERE article_search MATCH ? AND rowid BETWEEN {low} AND {high} \
                     AND rowid IN ({}) AND iconocast_search_budget(rowid)",
                    super::sql_int_list(&ids)
                ))
                .bind::<Text, _>(matches)
                .load(c)?,
            };
            (ids, found.len(), snippets)
        }
        DbConn::Pg(c) => {
            let tsquery = query.to_tsquery();
            let mut found = candidates!(
                c,
                tsv::article_search::table,
                tsv::article_search::article_id,
                articles::id.eq(tsv::article_search::article_id),
                sql::<Bool>("article_search.document @@ to_tsquery('english', ")
                    .bind::<Text, _>(tsquery.clone())
                    .sql(")"),
                // ts_rank is higher for better matches: negated, lower is better.
                sql::<Float>("-ts_rank(article_search.document, to_tsquery('english', ")
                    .bind::<Text, _>(tsquery.clone())
                    .sql("))"),
                f32,
                now,
                skip,
                take
            );
            let in_band = found.len().min(usize::try_from(band).unwrap_or(usize::MAX));
            rank(&mut found[..in_band]);
            let ids = page_of(&found[..in_band], limit, offset - skip);
            let snippets: Vec<SnippetRow> = if ids.is_empty() {
                Vec::new()
            } else {
                diesel::sql_query(format!(
                    "SELECT article_id AS id, ts_headline('english', body, to_tsquery('english', $1), \
                     'StartSel=\u{1}, StopSel=\u{2}, MaxWords=35, MinWords=15, MaxFragments=1') AS snippet \
                     FROM article_search WHERE article_id IN ({})",
                    super::sql_int_list(&ids)
                ))
                .bind::<Text, _>(tsquery)
                .load(c)?
            };
            (ids, found.len(), snippets)
        }
    };
    let found = i64::try_from(found).unwrap_or(i64::MAX);
    let last_band = skip / band + 1 >= MAX_BANDS;
    let counted = Counted {
        at_least: skip + found.min(band),
        more: found > band && !last_band,
        beyond_reach: found > band && last_band,
    };
    let cards = super::articles::cards_by_ids(conn, &ids, now)?;
    let hits = cards
        .into_iter()
        .map(|card| {
            let snippet = snippets
                .iter()
                .find(|s| s.id == card.article.id)
                .map_or_else(String::new, |s| snippet_html(&s.snippet));
            Hit { card, snippet }
        })
        .collect();
    Ok((hits, counted))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operators_in_user_input_become_plain_words() {
        let q = SearchQuery::parse("tea OR NOT (coffee) AND col:umn ^x -y +z NEAR/2 '");
        assert_eq!(
            q.to_fts5(),
            "\"tea\" \"or\" \"not\" \"coffee\" \"and\" \"col\" \"umn\" \"x\""
        );
        assert!(q.to_tsquery().starts_with("'tea' & 'or' & 'not'"));
    }

    #[test]
    fn phrases_and_prefixes_are_understood() {
        let q = SearchQuery::parse("\"Slow travel\" tele* a*");
        assert_eq!(
            q.terms,
            vec![
                Term::Phrase(vec!["slow".into(), "travel".into()]),
                Term::Prefix("tele".into()),
                Term::Word("a".into()),
            ]
        );
        assert_eq!(q.to_fts5(), "\"slow travel\" \"tele\"* \"a\"");
        assert_eq!(
            q.to_fts5_in_column("title"),
            "{title} : (\"slow travel\" OR \"tele\"* OR \"a\")"
        );
        assert_eq!(q.to_tsquery(), "('slow' <-> 'travel') & 'tele':* & 'a'");
        assert!(SearchQuery::parse("  \"\" *** ").is_empty());
    }

    #[test]
    fn snippets_are_escaped_and_marked() {
        assert_eq!(
            snippet_html("a <b> \u{1}**tea**\u{2} & c"),
            "a &lt;b&gt; <mark>tea</mark> &amp; c"
        );
    }
}
