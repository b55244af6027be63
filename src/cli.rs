//! The subcommands: `serve` (the default), `migrate`, `demo` and `import`.

use anyhow::Context;
use diesel::prelude::*;

use crate::config::{Cli, Command, ImportArgs, ServeArgs};
use crate::db::articles::{self, ArticleInput};
use crate::db::models::Category;
use crate::db::{categories, DatabaseUrl, DbConn};
use crate::domain::{ArticleKind, ArticleStatus, Role};
use crate::import::{self, ImportedArticle};
use crate::startup::{Application, Settings};

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let url = DatabaseUrl::parse(&cli.database_url)?;
    match cli.command {
        None => serve(url, cli.serve).await,
        Some(Command::Serve(args)) => serve(url, args).await,
        Some(Command::Migrate) => {
            let ran = actix_web::rt::task::spawn_blocking(move || -> anyhow::Result<usize> {
                Ok(crate::db::connect_once(&url)?.1)
            })
            .await
            .context("migration was interrupted")??;
            println!("{ran} migration(s) applied");
            Ok(())
        }
        Some(Command::Demo { articles }) => {
            let started = std::time::Instant::now();
            let made = actix_web::rt::task::spawn_blocking(move || -> anyhow::Result<usize> {
                let (mut conn, _) = crate::db::connect_once(&url)?;
                let now = crate::routes::state::now();
                crate::demo::seed_if_empty(&mut conn, now)?;
                let total = articles as usize;
                crate::synthetic::generate(&mut conn, total, now, |done| {
                    if done % 10_000 == 0 || done == total {
                        eprintln!("{done} / {total} articles");
                    }
                })
            })
            .await
            .context("generation was interrupted")??;
            println!(
                "{made} synthetic articles added in {:.1} s",
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
        Some(Command::Import(args)) => {
            let lines = actix_web::rt::task::spawn_blocking(move || import_files(url, &args))
                .await
                .context("the import was interrupted")??;
            for line in lines {
                println!("{line}");
            }
            Ok(())
        }
    }
}

/// `iconocast import`: reads and parses every file first, printing each
/// error; only if all parse are they stored, in one transaction. Returns
/// one line per article for stdout.
fn import_files(url: DatabaseUrl, args: &ImportArgs) -> anyhow::Result<Vec<String>> {
    let mut parsed: Vec<(String, ImportedArticle)> = Vec::with_capacity(args.files.len());
    let mut failed = 0;
    for path in &args.files {
        let name = path.display().to_string();
        let result = std::fs::read(path)
            .map_err(|e| format!("{name}: cannot read the file: {e}"))
            .and_then(|bytes| {
                import::decode(&bytes, &name)
                    .and_then(|text| import::parse(text, &name))
                    .map_err(|e| e.to_string())
            });
        match result {
            Ok(article) => parsed.push((name, article)),
            Err(message) => {
                eprintln!("iconocast: {message}");
                failed += 1;
            }
        }
    }
    if failed > 0 {
        anyhow::bail!(
            "nothing was imported: {failed} of {} file(s) have errors",
            args.files.len()
        );
    }

    let (mut connection, _) = crate::db::connect_once(&url)?;
    let conn: &mut DbConn = &mut connection;
    let now = crate::routes::state::now();
    let category = import_category(conn, args.category.as_deref())?;
    let author_id = import_author(conn, args.author.as_deref())?;
    let (status, published_at) = if args.publish {
        (ArticleStatus::Published, Some(now))
    } else {
        (ArticleStatus::Draft, None)
    };
    let total = parsed.len();
    conn.transaction::<_, anyhow::Error, _>(|conn| {
        let mut lines = Vec::with_capacity(total);
        for (done, (name, article)) in parsed.into_iter().enumerate() {
            let slug = import::unique_slug(&article.title, |s| slug_taken(conn, s))?;
            let input = ArticleInput {
                kind: ArticleKind::News,
                category_id: Some(category.id),
                slug,
                title: article.title,
                standfirst: article.standfirst,
                intro: article.intro,
                author_id,
                status,
                published_at,
                noindex: false,
                sections: article.sections,
                tags: article.tags,
            };
            articles::create(conn, &input, now)
                .with_context(|| format!("{name}: the article could not be stored"))?;
            if total > 1 {
                eprintln!("imported {}/{total}: {}", done + 1, input.title);
            }
            lines.push(format!(
                "{} /{}/{}  {}",
                status.as_str(),
                category.slug,
                input.slug,
                input.title
            ));
        }
        Ok(lines)
    })
    .context("nothing was imported")
}

/// The category named by `--category`, else the first one.
fn import_category(conn: &mut DbConn, slug: Option<&str>) -> anyhow::Result<Category> {
    let all = categories::all(conn)?;
    match slug {
        Some(wanted) => all
            .iter()
            .find(|c| c.slug == wanted)
            .cloned()
            .ok_or_else(|| {
                let known: Vec<&str> = all.iter().map(|c| c.slug.as_str()).collect();
                anyhow::anyhow!(
                    "unknown category {wanted:?}; the categories are: {}",
                    if known.is_empty() {
                        "(none)".to_owned()
                    } else {
                        known.join(", ")
                    }
                )
            }),
        None => all.into_iter().next().ok_or_else(|| {
            anyhow::anyhow!(
                "there is no category to import into: `iconocast serve` loads the demo \
                 categories into an empty database"
            )
        }),
    }
}

/// The staff member named by `--author`, else the first admin or editor.
fn import_author(conn: &mut DbConn, slug: Option<&str>) -> anyhow::Result<i32> {
    use crate::db::schema::users;
    match slug {
        Some(wanted) => users::table
            .filter(users::slug.eq(wanted))
            .filter(users::active.eq(true))
            .select(users::id)
            .first::<i32>(conn)
            .optional()?
            .ok_or_else(|| {
                anyhow::anyhow!("unknown author {wanted:?}: no active staff member has that slug")
            }),
        None => users::table
            .filter(users::role.eq_any(vec![Role::Admin.as_str(), Role::Editor.as_str()]))
            .filter(users::active.eq(true))
            .order(users::id.asc())
            .select(users::id)
            .first::<i32>(conn)
            .optional()?
            .ok_or_else(|| {
                anyhow::anyhow!(
                    "no active admin or editor to credit the articles to; name one with --author SLUG"
                )
            }),
    }
}

/// Whether an article has `slug`, or an old path ending in it still
/// redirects somewhere (a new article there would hide that redirect).
fn slug_taken(conn: &mut DbConn, slug: &str) -> QueryResult<bool> {
    use crate::db::schema::{articles, redirects};
    let articles: i64 = articles::table
        .filter(articles::slug.eq(slug))
        .count()
        .get_result(conn)?;
    if articles > 0 {
        return Ok(true);
    }
    // Slugs are `a-z`, `0-9` and `-`: nothing LIKE would treat specially.
    let redirects: i64 = redirects::table
        .filter(redirects::from_path.like(format!("%/{slug}")))
        .count()
        .get_result(conn)?;
    Ok(redirects > 0)
}

async fn serve(url: DatabaseUrl, args: ServeArgs) -> anyhow::Result<()> {
    let app = Application::build(Settings {
        database_url: url,
        bind: args.bind,
        base_url: args.base_url,
        demo: !args.no_demo,
    })
    .await?;
    app.run_until_stopped().await?;
    Ok(())
}
