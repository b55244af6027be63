//! The demo content loaded into an empty database: the agency's six areas,
//! four staff writers, the site settings and the articles in `demo/*.txt`
//! (their format is described in `demo/FORMAT.md`). Publish times are
//! relative to the moment of seeding, so the demo always looks current.

use chrono::{Duration, NaiveDateTime, NaiveTime};
use diesel::prelude::*;

use crate::db::models::{NewCategory, NewSiteSettings, NewUser};
use crate::db::{articles, categories, settings, users, write_transaction, DbConn};
use crate::domain::{ArticleKind, ArticleStatus, DatedNote, NoteKind, Role, SourceKind};

/// (slug, name, tagline, description)
pub const CATEGORIES: [(&str, &str, &str, &str); 5] = [
    (
        "health-technology-science",
        "Health, Technology & Science",
        "What the research says, and what it means for you.",
        "Explainers and reporting on medicine, wellbeing, the technology in your pocket and the science behind the headlines.",
    ),
    (
        "books-arts",
        "Books & Arts",
        "New writing, old masters and the people who make them.",
        "Reviews, essays and features on literature, theatre, music and the visual arts.",
    ),
    (
        "entertainment-tv",
        "Entertainment, TV & Shows",
        "What to watch, and why it works.",
        "The business and craft of television, film, streaming and live shows.",
    ),
    (
        "sport",
        "Sport",
        "Results fade; the stories behind them last.",
        "Analysis, training science and the grassroots game, from the pitch to the finish line.",
    ),
    (
        "travel",
        "Travel",
        "Go further, tread lighter, spend wiser.",
        "Practical guides and slow-travel features for trips near and far.",
    ),
];

/// (slug, name, role, bio)
const AUTHORS: [(&str, &str, Role, &str); 4] = [
    (
        "amara-okafor",
        "Amara Okafor",
        Role::Editor,
        "Health and science correspondent. Amara spent a decade in clinical research before turning to journalism and still reads the methods section first.",
    ),
    (
        "jonas-brandt",
        "Jonas Brandt",
        Role::Editor,
        "Culture editor. Jonas covers books, the stage and the screen, and runs the desk's weekly reading list.",
    ),
    (
        "lucia-ferreira",
        "Lucía Ferreira",
        Role::Author,
        "Sport and travel writer. Lucía has reported from touchlines and train platforms on four continents.",
    ),
    (
        "sam-whitaker",
        "Sam Whitaker",
        Role::Author,
        "Technology reporter and editor of the Blog. Sam writes about the tools we live with and how the newsroom works.",
    ),
];

const SITE_TAGLINE: &str = "News that matters, explained clearly.";
const SITE_PITCH: &str = "An independent agency with one promise: accurate, timely reporting you can act on. We check before we publish, correct in the open and write for readers, not for clicks.";
const SITE_ABOUT: &str = "\
Iconocast News Agency reports on health, technology and science, books and the arts, entertainment, sport and travel, and writes about its own work on the Blog.

## Why readers choose us

- **Checked before it is published.** Every article is read by a second editor, and every claim we cannot source does not run.
- **Corrected in the open.** When we get something wrong, the article says so, and says when.
- **Written to be useful.** Each piece starts with a standfirst that tells you what you will learn, and is organised into sections you can jump between.
- **Fast and respectful.** No trackers, no pop-ups, no autoplay: pages load quickly on any connection.
";

const SITE_CORRECTIONS_POLICY: &str = "\
We correct errors of fact as soon as we confirm them, in the article itself and in the open.

## How we correct

- **Corrections.** When an article got a fact wrong, we fix it and add a dated note at the top of the article saying what was wrong. The note stays for the life of the article, and the correction is listed on our [corrections page](/corrections).
- **Updates.** When a story develops after publication, we add what is new and a dated note saying so. An update is not an admission of error; it tells readers the article has changed.
- **Silent fixes.** Spelling, grammar and formatting are fixed without a note, as they change no meaning. The article's modification date still changes.
- **No quiet deletions.** We do not remove articles to hide a mistake. Material licensed from a wire service or partner for a limited period leaves the site when its licence ends.

## Telling us about an error

Write to corrections@iconocast.example with the address of the article and what you believe is wrong. An editor who did not work on the article reads every message, normally within one working day, and replies to say what we did and why.
";

const SITE_PUBLISHING_PRINCIPLES: &str = "\
These are the standards every article we publish is held to, whoever wrote it.

## Accuracy first

Every factual claim is checked against a source we can name, and a second editor reads every article before it is published. When speed and accuracy pull apart, we choose accuracy: we would rather be second and right.

## Sources

We say where information comes from. We use anonymous sources only when the information matters to readers and cannot be had otherwise, and at least one editor knows who the source is. Copy from wire services and partners is credited as such in the byline.

## Independence

No advertiser, sponsor or partner sees an article before publication or has a say in what we cover. Staff declare interests that could bear on their work, and do not cover subjects where they have one.

## Fairness

People and organisations we criticise are given a fair chance to respond before publication, and their response is reported.

## Explained, not just reported

Each article opens with a standfirst saying what you will learn, and is organised in sections so that you can find what you need.
";

const SITE_MASTHEAD: &str = "\
Iconocast News Agency is an independent newsroom. These are the people responsible for what it publishes.

## Editors

- **Editor-in-chief:** Helena Marsh
- **Health, Technology & Science:** Amara Okafor, correspondent and editor
- **Books & Arts, and Entertainment:** Jonas Brandt, culture editor
- **Sport and Travel:** Lucía Ferreira, writer
- **Technology and the Blog:** Sam Whitaker, reporter and editor of the Blog

## Standards

- **Standards editor:** Daniel Osei, who reads every correction request

## Contact

- News desk: desk@iconocast.example
- Corrections: corrections@iconocast.example
- Everything else: hello@iconocast.example
";

/// The demo articles, one file per area.
const AREAS: [(&str, &str); 6] = [
    (
        "health-technology-science",
        include_str!("../demo/health-technology-science.txt"),
    ),
    ("books-arts", include_str!("../demo/books-arts.txt")),
    (
        "entertainment-tv",
        include_str!("../demo/entertainment-tv.txt"),
    ),
    ("sport", include_str!("../demo/sport.txt")),
    ("travel", include_str!("../demo/travel.txt")),
    ("blog", include_str!("../demo/blog.txt")),
];

/// The demo's live page, in the format of `demo/*.txt`: a Sport article
/// whose live coverage has ended, with the dozen entries of
/// [`LIVE_ENTRIES`].
const LIVE_ARTICLE: &str = "\
+++
slug: city-half-marathon-live
title: City half marathon, live: from the start line to the last finisher
author: lucia-ferreira
published: 2d 07:40
standfirst: Our reporters followed the city half marathon from the first wave to the last finisher: the times, the conditions and what the organisers confirmed, as it happened.
tags: Running, Grassroots, Live

About 9,000 runners were registered for this year's city half marathon, the first to be run with staggered start waves. This page followed the race as it happened, newest update first. The sections below explain the course, the road closures and how we report a race live.

## The course
The 21.1 km route starts on the riverside, crosses the river twice and climbs gently past the university before a long, flat run back to the finish in the old market square. The only real rise comes at about 17 km, which is where races on this course are usually decided.

Water stations stood at 5, 10, 15 and 19 km, with medical tents at 10 km and at the finish.

## Road closures
The riverside road was closed from 06:00 until late morning, and the market square until mid-afternoon while the finish area was cleared. Buses on the river routes ran on diversions during the race.

## How we report a race live
We post what our reporters have seen or what the organisers have confirmed. Times come from the official timing system, not our own watches, and we name winners only once the organisers publish provisional results. When an entry turns out to be wrong, we correct it in place and say so.
";

/// When the demo's live coverage started and ended, as `published` and
/// `expires` offsets are written.
const LIVE_COVERAGE: (&str, &str) = ("2d 07:45", "2d 12:52");

/// The demo's live entries, oldest first: minutes after the coverage
/// started, who posted it, headline (may be empty) and text.
const LIVE_ENTRIES: [(i64, &str, &str, &str); 12] = [
    (
        0,
        "lucia-ferreira",
        "Good morning from the start line",
        "Welcome to our live coverage of the city half marathon. About 9,000 runners are registered for the 21.1 km course, which starts at 08:30 on the riverside and finishes in the old market square. I am at the start; Sam Whitaker is at the finish. We will post the main moments here, newest first.",
    ),
    (
        20,
        "lucia-ferreira",
        "Cool, dry and a light wind",
        "The temperature at the start is **9°C**, with a light westerly wind. The organisers say the whole course is dry. Water stations are at 5, 10, 15 and 19 km; the medical tents are at 10 km and at the finish.",
    ),
    (
        46,
        "lucia-ferreira",
        "The elite field is away",
        "The wheelchair race started at 08:25 and the elite runners went off on time at 08:30. The mass start is being released in waves over the next 40 minutes, so the last runners will cross the start line at about 09:10.",
    ),
    (
        73,
        "sam-whitaker",
        "Leaders through 5 km in 14:52",
        "A lead group of seven men passed 5 km in 14 minutes 52 seconds, a pace that would bring them home just under 63 minutes. The leading women are running together in a group of four, timed at 16:41 at the same point. These are the official timing mats' splits, not our own watches.",
    ),
    (
        95,
        "lucia-ferreira",
        "",
        "The last wave has now crossed the start line. Runners in the early waves describe the first kilometres along the river as busy but moving freely, which is what the staggered start was meant to achieve. The organisers have asked spectators to keep the bridge pavements clear.",
    ),
    (
        109,
        "sam-whitaker",
        "Halfway: the men's race splits",
        "At 10 km the lead group is down to three, after a surge on the climb past the university. The leading woman now has a gap of about 20 seconds. From here the course is mostly flat until the short rise at 17 km.",
    ),
    (
        131,
        "sam-whitaker",
        "The men's race is decided in the last 300 metres",
        "The men's winner crossed the line in **1:02:48**, two seconds ahead of the runner-up, after a sprint down the final straight into the market square. We will name the top three once the organisers publish provisional results.",
    ),
    (
        139,
        "sam-whitaker",
        "Women's race won in 1:10:12",
        "The women's race was won in 1:10:12, a margin of 41 seconds. The winner held the gap she opened at 10 km all the way to the finish. Provisional results, with names and age groups, are expected within the hour.",
    ),
    (
        176,
        "lucia-ferreira",
        "Provisional results are out",
        "The organisers have published provisional results on the race website. All our times above match them. Results stay provisional until protests close at 14:00.",
    ),
    (
        213,
        "sam-whitaker",
        "Medical update",
        "The organisers say their medical teams have treated 46 runners so far, most for blisters, cramp and cold. Two runners were taken to hospital as a precaution; both are described as stable. We will update this entry if that changes.",
    ),
    (
        286,
        "sam-whitaker",
        "The last finisher",
        "The final runner crossed the line at 12:31, four hours after the last wave set off, to one of the loudest cheers of the morning. The organisers say 8,612 runners finished, 95.7% of those who started.",
    ),
    (
        305,
        "lucia-ferreira",
        "That is all from us",
        "Our live coverage ends here. Our report on how the races were won, and on what the organisers learned from this year's start waves, follows later today. Thank you for following.",
    ),
];

/// An article of a demo file, before it is stored.
#[derive(Debug, Clone, Default)]
pub struct DemoArticle {
    pub slug: String,
    pub title: String,
    pub author: String,
    /// Minutes relative to now (negative: in the past).
    pub published_offset_minutes: i64,
    pub standfirst: String,
    pub tags: Vec<String>,
    pub draft: bool,
    pub intro: String,
    pub sections: Vec<(String, String)>,
    /// Minutes relative to now of its expiry, if it has one.
    pub expires_offset_minutes: Option<i64>,
    /// Who it comes from, and their name.
    pub source: SourceKind,
    pub source_name: String,
    /// Corrections and updates: kind, minutes relative to now, text.
    pub notes: Vec<(NoteKind, i64, String)>,
}

/// Parses one demo file; the error names the line.
pub fn parse(text: &str) -> Result<Vec<DemoArticle>, String> {
    let mut out = Vec::new();
    let mut current: Option<(usize, Vec<&str>)> = None;
    for (i, line) in text.lines().enumerate() {
        if line.trim_end() == "+++" {
            if let Some((start, lines)) = current.take() {
                out.push(parse_article(start, &lines)?);
            }
            current = Some((i + 2, Vec::new()));
        } else if let Some((_, lines)) = current.as_mut() {
            lines.push(line);
        } else if !line.trim().is_empty() {
            return Err(format!("line {}: text before the first +++", i + 1));
        }
    }
    if let Some((start, lines)) = current {
        out.push(parse_article(start, &lines)?);
    }
    Ok(out)
}

fn parse_article(start: usize, lines: &[&str]) -> Result<DemoArticle, String> {
    let mut article = DemoArticle::default();
    let mut published = None;
    let mut i = 0;
    while i < lines.len() && !lines[i].trim().is_empty() {
        let (key, value) = lines[i]
            .split_once(':')
            .ok_or_else(|| format!("line {}: expected `key: value`", start + i))?;
        let value = value.trim().to_owned();
        match key.trim() {
            "slug" => article.slug = value,
            "title" => article.title = value,
            "author" => article.author = value,
            "standfirst" => article.standfirst = value,
            "status" => article.draft = value == "draft",
            "tags" => {
                article.tags = value
                    .split(',')
                    .map(|t| t.trim().to_owned())
                    .filter(|t| !t.is_empty())
                    .collect()
            }
            "published" => {
                published = Some(parse_offset(&value).ok_or_else(|| {
                    format!(
                        "line {}: published must look like `3d 08:15` or `+2d 10:00`",
                        start + i
                    )
                })?)
            }
            "expires" => {
                article.expires_offset_minutes = Some(parse_offset(&value).ok_or_else(|| {
                    format!("line {}: expires must look like `+30d 00:00`", start + i)
                })?)
            }
            "source" => {
                let (kind, name) = value
                    .split_once(',')
                    .and_then(|(k, n)| Some((SourceKind::parse(k.trim())?, n.trim())))
                    .filter(|(k, n)| *k != SourceKind::Staff && !n.is_empty())
                    .ok_or_else(|| {
                        format!(
                            "line {}: source must look like `wire, Name` or `partner, Name`",
                            start + i
                        )
                    })?;
                article.source = kind;
                article.source_name = name.to_owned();
            }
            key @ ("correction" | "update") => {
                let kind = NoteKind::parse(key).unwrap_or(NoteKind::Update);
                let (when, text) = value
                    .split_once(" | ")
                    .and_then(|(w, t)| Some((parse_offset(w.trim())?, t.trim())))
                    .filter(|(_, t)| !t.is_empty())
                    .ok_or_else(|| {
                        format!(
                            "line {}: {key} must look like `2d 10:30 | What readers should know.`",
                            start + i
                        )
                    })?;
                article.notes.push((kind, when, text.to_owned()));
            }
            other => return Err(format!("line {}: unknown key `{other}`", start + i)),
        }
        i += 1;
    }
    let mut intro = Vec::new();
    let mut section: Option<(String, Vec<&str>)> = None;
    for line in &lines[i..] {
        if let Some(heading) = line.strip_prefix("## ") {
            if let Some((h, body)) = section.take() {
                article
                    .sections
                    .push((h, body.join("\n").trim().to_owned()));
            }
            section = Some((heading.trim().to_owned(), Vec::new()));
        } else if let Some((_, body)) = section.as_mut() {
            body.push(line);
        } else {
            intro.push(*line);
        }
    }
    if let Some((h, body)) = section {
        article
            .sections
            .push((h, body.join("\n").trim().to_owned()));
    }
    article.intro = intro.join("\n").trim().to_owned();
    article.published_offset_minutes =
        published.ok_or_else(|| format!("line {start}: missing `published`"))?;
    for (name, value) in [
        ("slug", &article.slug),
        ("title", &article.title),
        ("author", &article.author),
        ("standfirst", &article.standfirst),
    ] {
        if value.is_empty() {
            return Err(format!("line {start}: missing `{name}`"));
        }
    }
    if article.sections.is_empty() {
        return Err(format!(
            "line {start}: an article needs at least one `## ` section"
        ));
    }
    Ok(article)
}

/// `3d 08:15` is three days ago at 08:15 UTC; `+2d 10:00` two days ahead.
/// Returned as minutes from now, measured from today's midnight.
fn parse_offset(value: &str) -> Option<i64> {
    let (days, time) = value.split_once(' ')?;
    let future = days.starts_with('+');
    let days: i64 = days
        .trim_start_matches('+')
        .strip_suffix('d')?
        .parse()
        .ok()?;
    let time = NaiveTime::parse_from_str(time.trim(), "%H:%M").ok()?;
    let minutes_into_day = i64::from(time.hour_minute());
    Some(if future {
        days * 1440 + minutes_into_day
    } else {
        -days * 1440 + minutes_into_day
    })
}

trait HourMinute {
    fn hour_minute(&self) -> u32;
}

impl HourMinute for NaiveTime {
    fn hour_minute(&self) -> u32 {
        use chrono::Timelike;
        self.hour() * 60 + self.minute()
    }
}

/// Every demo article of every area, parsed. The files are part of the
/// binary, so a parse error is a bug caught by the unit tests.
pub fn all_articles() -> Result<Vec<(&'static str, DemoArticle)>, String> {
    let mut out = Vec::new();
    for (area, text) in AREAS {
        for article in parse(text).map_err(|e| format!("demo/{area}.txt: {e}"))? {
            out.push((area, article));
        }
    }
    Ok(out)
}

/// Loads the demo content if the database has no categories and no staff
/// yet, with its pictures in the media folder `pictures` if given (see
/// `demo_art`). Returns whether it did.
pub fn seed_if_empty(
    conn: &mut DbConn,
    now: NaiveDateTime,
    pictures: Option<&std::path::Path>,
) -> anyhow::Result<bool> {
    if users::count(conn)? > 0 || !categories::all(conn)?.is_empty() {
        return Ok(false);
    }
    let demo = all_articles().map_err(anyhow::Error::msg)?;
    write_transaction::<_, anyhow::Error, _>(conn, |conn| {
        seed_site(conn, now)?;
        let cats = categories::all(conn)?;
        let midnight = now.date().and_time(NaiveTime::MIN);
        let mut read = Vec::new();
        // Pictures: every article of an area takes one of its scenes in turn.
        let heroes = match pictures {
            Some(dir) => crate::demo_art::store(conn, dir, now)?,
            None => Vec::new(),
        };
        for (n, (area, article)) in demo.iter().enumerate() {
            let hero =
                crate::demo_art::hero_for(&heroes, area, n).map(|h| (h.media_id, h.alt.to_owned()));
            let author_id = crate::db::schema::users::table
                .filter(crate::db::schema::users::slug.eq(&article.author))
                .select(crate::db::schema::users::id)
                .first::<i32>(conn)
                .map_err(|_| {
                    anyhow::anyhow!(
                        "demo article {}: unknown author {}",
                        article.slug,
                        article.author
                    )
                })?;
            let published_at = midnight + Duration::minutes(article.published_offset_minutes);
            let (kind, category_id) = if *area == "blog" {
                (ArticleKind::Blog, None)
            } else {
                let cat = cats
                    .iter()
                    .find(|c| c.slug == *area)
                    .ok_or_else(|| anyhow::anyhow!("no category {area}"))?;
                (ArticleKind::News, Some(cat.id))
            };
            let status = if article.draft {
                ArticleStatus::Draft
            } else if published_at > now {
                ArticleStatus::Scheduled
            } else {
                ArticleStatus::Published
            };
            // A note is dated after its article's publication, never
            // after the moment of seeding.
            let notes = article
                .notes
                .iter()
                .map(|(kind, offset, body)| DatedNote {
                    kind: *kind,
                    body: body.clone(),
                    at: (midnight + Duration::minutes(*offset))
                        .clamp(published_at, now.max(published_at)),
                })
                .collect();
            let input = articles::ArticleInput {
                kind,
                category_id,
                slug: article.slug.clone(),
                title: article.title.clone(),
                standfirst: article.standfirst.clone(),
                intro: article.intro.clone(),
                author_id,
                status,
                published_at: Some(published_at),
                noindex: false,
                sections: article.sections.clone(),
                tags: article.tags.clone(),
                expires_at: article
                    .expires_offset_minutes
                    .map(|m| midnight + Duration::minutes(m)),
                source: article.source,
                source_name: article.source_name.clone(),
                notes,
                hero,
            };
            let id = crate::newsroom::articles::create_unattended(conn, &input, now)?;
            if status == ArticleStatus::Published {
                read.push((id, demo_views(&article.slug)));
            }
        }
        let live_hero = crate::demo_art::hero_for(&heroes, "sport", demo.len())
            .map(|h| (h.media_id, h.alt.to_owned()));
        seed_live(conn, now, midnight, &cats, live_hero)?;
        // A day of readers, so that "Most read" has something to show.
        for hours_ago in 0..3 {
            let hour = crate::db::article_views::hour_of(now - Duration::hours(hours_ago));
            crate::db::article_views::add(conn, hour, &read)?;
        }
        Ok(())
    })?;
    Ok(true)
}

/// The demo's live page: [`LIVE_ARTICLE`] in Sport, its coverage from
/// [`LIVE_COVERAGE`] and the entries of [`LIVE_ENTRIES`], posted as staff
/// post them (through `newsroom::live`), with no audit entry.
fn seed_live(
    conn: &mut DbConn,
    now: NaiveDateTime,
    midnight: NaiveDateTime,
    cats: &[crate::db::models::Category],
    hero: Option<(i32, String)>,
) -> anyhow::Result<()> {
    use crate::db::schema::users as user_rows;
    let article = parse(LIVE_ARTICLE)
        .map_err(anyhow::Error::msg)?
        .pop()
        .ok_or_else(|| anyhow::anyhow!("no live demo article"))?;
    let author = |slug: &str, conn: &mut DbConn| {
        user_rows::table
            .filter(user_rows::slug.eq(slug))
            .select(user_rows::id)
            .first::<i32>(conn)
            .map_err(|_| anyhow::anyhow!("live demo: unknown author {slug}"))
    };
    let author_id = author(&article.author, conn)?;
    let sport = cats
        .iter()
        .find(|c| c.slug == "sport")
        .ok_or_else(|| anyhow::anyhow!("no category sport"))?;
    let at = |offset: &str| {
        parse_offset(offset)
            .map(|m| (midnight + Duration::minutes(m)).min(now))
            .ok_or_else(|| anyhow::anyhow!("live demo: bad time {offset}"))
    };
    let published_at = midnight + Duration::minutes(article.published_offset_minutes);
    let input = articles::ArticleInput {
        kind: ArticleKind::News,
        category_id: Some(sport.id),
        slug: article.slug.clone(),
        title: article.title.clone(),
        standfirst: article.standfirst.clone(),
        intro: article.intro.clone(),
        author_id,
        status: ArticleStatus::Published,
        published_at: Some(published_at.min(now)),
        noindex: false,
        sections: article.sections.clone(),
        tags: article.tags.clone(),
        expires_at: None,
        source: SourceKind::Staff,
        source_name: String::new(),
        notes: Vec::new(),
        hero,
    };
    let id = crate::newsroom::articles::create_unattended(conn, &input, now)?;
    let (started, ended) = (at(LIVE_COVERAGE.0)?, at(LIVE_COVERAGE.1)?);
    crate::db::live_entries::start(conn, id, started)?;
    for (minutes, by, headline, body) in LIVE_ENTRIES {
        let entry = crate::newsroom::live::EntryInput {
            headline: headline.to_owned(),
            body: body.to_owned(),
            ..Default::default()
        };
        let posted = (started + Duration::minutes(minutes)).min(ended);
        let by = author(by, conn)?;
        crate::newsroom::live::post_unattended(conn, id, by, &entry, posted)?;
    }
    crate::db::live_entries::end(conn, id, ended)?;
    Ok(())
}

/// Views of a demo article in each of its recent hours: steady and
/// different from one article to the next.
fn demo_views(slug: &str) -> i32 {
    let spread = slug
        .bytes()
        .fold(17u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)));
    20 + (spread % 400) as i32
}

/// The categories, the staff writers and the settings, without articles.
pub fn seed_site(conn: &mut DbConn, now: NaiveDateTime) -> QueryResult<()> {
    for (position, (slug, name, tagline, description)) in CATEGORIES.iter().enumerate() {
        categories::create(
            conn,
            &NewCategory {
                slug,
                name,
                tagline,
                description,
                position: position as i32,
                noindex: false,
            },
        )?;
    }
    for (slug, name, role, bio) in AUTHORS {
        let email = format!("{}@iconocast.example", slug.replace('-', "."));
        users::create(
            conn,
            &NewUser {
                slug,
                email: &email,
                name,
                bio,
                role,
                password_hash: None,
                active: true,
                created_at: now,
            },
        )?;
    }
    settings::save(
        conn,
        &NewSiteSettings {
            id: 1,
            name: "Iconocast News Agency",
            tagline: SITE_TAGLINE,
            pitch: SITE_PITCH,
            about: SITE_ABOUT,
            updated_at: now,
            time_zone: "Europe/London",
            corrections_policy: SITE_CORRECTIONS_POLICY,
            publishing_principles: SITE_PUBLISHING_PRINCIPLES,
            masthead: SITE_MASTHEAD,
        },
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_demo_file_parses_into_sectioned_articles() {
        let all = all_articles().expect("demo files parse");
        for (area, _) in AREAS {
            let n = all.iter().filter(|(a, _)| *a == area).count();
            assert!(n >= 6, "{area} has {n} articles");
        }
        for (_, a) in &all {
            assert!(
                (3..=7).contains(&a.sections.len()),
                "{} has {} sections",
                a.slug,
                a.sections.len()
            );
            assert!(!a.tags.is_empty(), "{} has no hashtags", a.slug);
            assert!(
                AUTHORS.iter().any(|(s, ..)| *s == a.author),
                "{}: author {}",
                a.slug,
                a.author
            );
        }
        assert!(
            all.iter().any(|(_, a)| a.published_offset_minutes > 0),
            "one is scheduled"
        );
        // Each of the newsroom's own tools is shown on first start.
        let notes = |kind| {
            all.iter()
                .flat_map(|(_, a)| &a.notes)
                .filter(|(k, ..)| *k == kind)
                .count()
        };
        assert!(notes(NoteKind::Correction) >= 1, "a correction");
        assert!(notes(NoteKind::Update) >= 1, "an update");
        for (_, a) in &all {
            for (_, at, _) in &a.notes {
                assert!(
                    *at > a.published_offset_minutes && *at < 0,
                    "{}: a note between its publication and now",
                    a.slug
                );
            }
        }
        assert!(
            all.iter()
                .any(|(_, a)| a.expires_offset_minutes.is_some_and(|m| m > 0)),
            "one expires, later"
        );
        assert!(all.iter().any(|(_, a)| a.source == SourceKind::Wire));
    }

    #[test]
    fn notes_sources_and_expiries_parse_and_bad_ones_name_their_line() {
        let text = "+++\nslug: a\ntitle: A\nauthor: x\npublished: 3d 08:00\nstandfirst: S\n\
                    source: wire, Harbour Wire\nexpires: +2d 00:00\n\
                    correction: 2d 10:30 | It said Tuesday.\nupdate: 1d 09:00 | More news.\n\n## H\nBody\n";
        let a = &parse(text).expect("parses")[0];
        assert_eq!(
            (a.source, a.source_name.as_str()),
            (SourceKind::Wire, "Harbour Wire")
        );
        assert_eq!(a.expires_offset_minutes, Some(2 * 1440));
        assert_eq!(
            a.notes,
            vec![
                (
                    NoteKind::Correction,
                    -2 * 1440 + 630,
                    "It said Tuesday.".to_owned()
                ),
                (NoteKind::Update, -1440 + 540, "More news.".to_owned()),
            ]
        );
        for bad in [
            "source: staff, Us",
            "source: wire",
            "correction: soon | x",
            "update: 1d 09:00 |",
        ] {
            let err = parse(&format!("+++\nslug: a\n{bad}\n")).unwrap_err();
            assert!(err.contains("line 3"), "{bad}: {err}");
        }
    }

    #[test]
    fn the_live_demo_parses_and_its_entries_fall_within_its_coverage() {
        let live = parse(LIVE_ARTICLE).expect("the live article parses");
        assert_eq!(live.len(), 1);
        let article = &live[0];
        assert!((3..=7).contains(&article.sections.len()));
        let start = parse_offset(LIVE_COVERAGE.0).expect("start");
        let end = parse_offset(LIVE_COVERAGE.1).expect("end");
        assert!(article.published_offset_minutes <= start && start < end && end < 0);
        let mut last = -1;
        for (minutes, by, headline, body) in LIVE_ENTRIES {
            assert!(minutes > last && start + minutes <= end, "{headline}");
            last = minutes;
            assert!(AUTHORS.iter().any(|(s, ..)| *s == by), "{by}");
            assert!(headline.chars().count() <= crate::newsroom::live::MAX_HEADLINE_CHARS);
            assert!(
                !body.is_empty() && body.chars().count() <= crate::newsroom::live::MAX_BODY_CHARS
            );
        }
    }

    #[test]
    fn parse_names_the_line_of_a_bad_header() {
        let err = parse("+++\nslug: a\nnonsense\n").unwrap_err();
        assert!(err.contains("line 3"), "{err}");
    }

    #[test]
    fn offsets_count_from_midnight() {
        assert_eq!(parse_offset("0d 00:30"), Some(30));
        assert_eq!(parse_offset("1d 12:00"), Some(-1440 + 720));
        assert_eq!(parse_offset("+2d 10:00"), Some(2 * 1440 + 600));
        assert_eq!(parse_offset("yesterday"), None);
    }
}
