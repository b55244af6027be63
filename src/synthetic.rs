//! `iconocast demo --articles N`: synthetic articles in bulk, to measure
//! how pages, sitemaps and search behave at scale. The text is generated
//! from a fixed word list with a fixed seed, so runs are repeatable.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use crate::db::models::{NewArticle, NewArticleTag, NewSection};
use crate::db::schema::{article_tags, articles, categories, sections, users};
use crate::db::{search_index, tags, write_transaction, DbConn};
use crate::domain::{ArticleKind, ArticleStatus};
use crate::markdown;

/// Rows per INSERT: under SQLite's and PostgreSQL's bind-parameter limits.
const CHUNK: usize = 1000;

const WORDS: [&str; 96] = [
    "market",
    "river",
    "council",
    "season",
    "network",
    "library",
    "harbour",
    "festival",
    "research",
    "climate",
    "vaccine",
    "orchestra",
    "stadium",
    "railway",
    "novel",
    "gallery",
    "battery",
    "satellite",
    "forecast",
    "garden",
    "museum",
    "election",
    "budget",
    "school",
    "hospital",
    "bridge",
    "coast",
    "mountain",
    "island",
    "village",
    "city",
    "factory",
    "studio",
    "theatre",
    "camera",
    "screen",
    "signal",
    "engine",
    "harvest",
    "forest",
    "desert",
    "glacier",
    "ocean",
    "valley",
    "tunnel",
    "airport",
    "station",
    "ferry",
    "cyclist",
    "runner",
    "coach",
    "referee",
    "league",
    "final",
    "record",
    "archive",
    "poem",
    "chapter",
    "painter",
    "sculptor",
    "actor",
    "director",
    "series",
    "episode",
    "podcast",
    "audience",
    "critic",
    "reader",
    "writer",
    "editor",
    "reporter",
    "doctor",
    "nurse",
    "patient",
    "scientist",
    "engineer",
    "farmer",
    "teacher",
    "student",
    "family",
    "neighbour",
    "volunteer",
    "visitor",
    "traveller",
    "planner",
    "builder",
    "designer",
    "translator",
    "historian",
    "explorer",
    "pilot",
    "sailor",
    "baker",
    "gardener",
    "musician",
    "dancer",
];

const VERBS: [&str; 16] = [
    "reshapes",
    "explains",
    "questions",
    "revives",
    "measures",
    "changes",
    "tests",
    "rebuilds",
    "opens",
    "maps",
    "follows",
    "restores",
    "names",
    "counts",
    "welcomes",
    "rethinks",
];

/// A small deterministic generator (64-bit LCG): repeatable content
/// without a dependency.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() as usize) % items.len()]
    }

    fn sentence(&mut self, words: usize) -> String {
        let mut s: Vec<&str> = (0..words).map(|_| self.pick(&WORDS)).collect();
        s.insert(1.min(s.len()), self.pick(&VERBS));
        let mut text = s.join(" ");
        if let Some(first) = text.get(..1) {
            text = first.to_uppercase() + &text[1..];
        }
        text.push('.');
        text
    }

    /// A body sentence: words drawn from `vocabulary` with a Zipf-like
    /// skew (a few words everywhere, most words rare), as in real text, so
    /// that searches match realistic fractions of the articles.
    fn body_sentence(&mut self, vocabulary: &[String], words: usize) -> String {
        let mut s: Vec<&str> = Vec::with_capacity(words);
        for _ in 0..words {
            let u = (self.next() % 1_000_000) as f64 / 1_000_000.0;
            let index = ((u * u * u) * vocabulary.len() as f64) as usize;
            s.push(&vocabulary[index.min(vocabulary.len() - 1)]);
        }
        let mut text = s.join(" ");
        if let Some(first) = text.get(..1) {
            text = first.to_uppercase() + &text[1..];
        }
        text.push('.');
        text
    }

    fn paragraph(&mut self, vocabulary: &[String]) -> String {
        (0..4)
            .map(|_| {
                let n = 6 + (self.next() % 6) as usize;
                self.body_sentence(vocabulary, n)
            })
            .collect::<Vec<_>>()
            .join(" ")
    }
}

const SYLLABLES: [&str; 40] = [
    "ka", "lo", "mi", "ren", "sa", "to", "vel", "an", "bri", "cor", "da", "el", "fa", "gon", "hu",
    "is", "jo", "ket", "lum", "mar", "nor", "ol", "pen", "qua", "ros", "sil", "tur", "ul", "vin",
    "wes", "xa", "yor", "zen", "ba", "ce", "di", "fo", "gra", "ho", "ny",
];

/// The common words first, then 6,000 made-up ones (2 or 3 syllables).
fn vocabulary(rng: &mut Lcg) -> Vec<String> {
    let mut words: Vec<String> = WORDS.iter().map(|w| (*w).to_owned()).collect();
    while words.len() < WORDS.len() + 6000 {
        let n = 2 + (rng.next() % 2) as usize;
        let word: String = (0..n).map(|_| rng.pick(&SYLLABLES)).collect();
        if !words.contains(&word) {
            words.push(word);
        }
    }
    words
}

/// Runs `$body` with the concrete connection of either backend, for what
/// the multi-backend connection cannot do (batch inserts).
macro_rules! on_backend {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            DbConn::Sqlite($c) => $body,
            DbConn::Pg($c) => $body,
        }
    };
}

/// Adds `count` published articles spread over the past year (one in six a
/// blog post), each with three sections and three hashtags, then rebuilds
/// the search index. Reports progress through `progress(done)`.
pub fn generate(
    conn: &mut DbConn,
    count: usize,
    now: NaiveDateTime,
    heroes: &[crate::demo_art::Hero],
    mut progress: impl FnMut(usize),
) -> anyhow::Result<usize> {
    let category_ids: Vec<i32> = categories::table.select(categories::id).load(conn)?;
    let author_ids: Vec<i32> = users::table.select(users::id).load(conn)?;
    anyhow::ensure!(
        !category_ids.is_empty() && !author_ids.is_empty(),
        "the database has no categories or staff yet: run `iconocast serve` once, or `iconocast migrate` and the demo seed"
    );
    let tag_names: Vec<String> = (1..=300).map(|i| format!("Topic{i:03}")).collect();
    let tag_ids = tags::ensure(conn, &tag_names)?;
    let run = now.and_utc().timestamp();
    let mut rng = Lcg(0x1c0_0ca5);
    let vocabulary = vocabulary(&mut rng);
    let year_minutes = 365 * 24 * 60;
    let mut done = 0;
    while done < count {
        let n = CHUNK.min(count - done);
        let mut texts = Vec::with_capacity(n);
        for i in 0..n {
            let seq = done + i;
            let title = {
                let t = rng.sentence(5);
                t.trim_end_matches('.').to_owned()
            };
            let slug = format!("gen-{run}-{seq}");
            let standfirst = rng.sentence(14);
            let intro = rng.paragraph(&vocabulary);
            let minutes_ago =
                (seq as i64 * year_minutes) / count.max(1) as i64 + (rng.next() % 50) as i64;
            let is_blog = seq % 6 == 5;
            texts.push((
                title,
                slug,
                standfirst,
                intro,
                minutes_ago,
                is_blog,
                rng.next(),
            ));
        }
        let rows: Vec<NewArticle> = texts
            .iter()
            .map(
                |(title, slug, standfirst, intro, minutes_ago, is_blog, r)| {
                    let at = now - Duration::minutes(*minutes_ago + 1);
                    NewArticle {
                        kind: if *is_blog {
                            ArticleKind::Blog
                        } else {
                            ArticleKind::News
                        },
                        category_id: (!is_blog)
                            .then(|| category_ids[(*r as usize) % category_ids.len()]),
                        slug,
                        title,
                        standfirst,
                        intro,
                        author_id: author_ids[(*r as usize / 7) % author_ids.len()],
                        // A small set of pictures, reused.
                        hero_media_id: heroes
                            .get((*r as usize / 3) % heroes.len().max(1))
                            .map(|h| h.media_id),
                        hero_alt: heroes
                            .get((*r as usize / 3) % heroes.len().max(1))
                            .map_or("", |h| h.alt),
                        status: ArticleStatus::Published,
                        published_at: Some(at),
                        created_at: at,
                        updated_at: at,
                        reading_minutes: 2,
                        noindex: false,
                        version: 1,
                        expires_at: None,
                        source: crate::domain::SourceKind::Staff,
                        source_name: "",
                    }
                },
            )
            .collect();
        write_transaction::<_, anyhow::Error, _>(conn, |conn| {
            let ids: Vec<i32> = on_backend!(conn, |c| diesel::insert_into(articles::table)
                .values(&rows)
                .returning(articles::id)
                .get_results(c))?;
            let mut bodies = Vec::with_capacity(ids.len() * 3);
            for _ in 0..ids.len() * 3 {
                let heading = rng.sentence(3).trim_end_matches('.').to_owned();
                let body = format!(
                    "{}\n\n{}",
                    rng.paragraph(&vocabulary),
                    rng.paragraph(&vocabulary)
                );
                let html = markdown::to_html(&body);
                bodies.push((heading, body, html));
            }
            let section_rows: Vec<NewSection> = bodies
                .iter()
                .enumerate()
                .map(|(k, (heading, body, html))| NewSection {
                    article_id: ids[k / 3],
                    position: (k % 3) as i32,
                    anchor: ["first", "second", "third"][k % 3],
                    heading,
                    body,
                    body_html: html,
                })
                .collect();
            for chunk in section_rows.chunks(CHUNK) {
                on_backend!(conn, |c| diesel::insert_into(sections::table)
                    .values(chunk)
                    .execute(c))?;
            }
            let links: Vec<NewArticleTag> = ids
                .iter()
                .flat_map(|id| {
                    let first = (*id as usize * 7) % tag_ids.len();
                    (0..3).map(move |k| (id, first, k))
                })
                .map(|(id, first, k)| NewArticleTag {
                    article_id: *id,
                    tag_id: tag_ids[(first + k * 101) % tag_ids.len()],
                    position: k as i32,
                })
                .collect();
            for chunk in links.chunks(CHUNK) {
                on_backend!(conn, |c| diesel::insert_into(article_tags::table)
                    .values(chunk)
                    .execute(c))?;
            }
            Ok(())
        })?;
        done += n;
        progress(done);
    }
    search_index::rebuild_all(conn)?;
    // Fresh statistics, so the planners see the new size of the tables.
    // On PostgreSQL a VACUUM too, as autovacuum would do a little later:
    // until the new rows are marked all-visible, reading a listing's index
    // alone (an index-only scan) still visits every row it counts.
    let refresh = match conn {
        DbConn::Sqlite(_) => "ANALYZE",
        DbConn::Pg(_) => "VACUUM ANALYZE",
    };
    diesel::sql_query(refresh).execute(conn)?;
    Ok(done)
}
