//! The subcommands: `serve` (the default), `migrate`, `demo`, `import` and
//! `user add`.

use anyhow::Context;

use crate::config::{Cli, Command, ImportArgs, ServeArgs, UserAddArgs, UserCommand};
use crate::db::{write_transaction, DatabaseUrl, DbConn};
use crate::domain::{ArticleStatus, Email};
use crate::error::AppError;
use crate::import::{self, ImportedArticle};
use crate::newsroom::{self, import::Target};
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
        Some(Command::Demo {
            articles,
            media_dir,
        }) => {
            let started = std::time::Instant::now();
            let made = actix_web::rt::task::spawn_blocking(move || -> anyhow::Result<usize> {
                let (mut conn, _) = crate::db::connect_once(&url)?;
                let now = crate::domain::clock::now();
                crate::media::ensure_dir(&media_dir)?;
                crate::demo::seed_if_empty(&mut conn, now, Some(&media_dir))?;
                let heroes = crate::demo_art::store(&mut conn, &media_dir, now)?;
                let total = articles as usize;
                crate::synthetic::generate(&mut conn, total, now, &heroes, |done| {
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
        Some(Command::User(UserCommand::Add(args))) => {
            let line = actix_web::rt::task::spawn_blocking(move || add_user(url, &args))
                .await
                .context("adding the user was interrupted")??;
            println!("{line}");
            Ok(())
        }
    }
}

/// The largest picture `import` reads, in bytes (the server's default
/// upload limit).
const MAX_IMPORT_PICTURE: u64 = 10 * 1024 * 1024;

/// A picture named by an article's `Image:` line, made into its files.
struct HeroPicture {
    made: crate::pictures::Processed,
    alt: String,
}

/// Reads, checks and processes the picture an article names, relative to
/// the article's folder, as an upload is; the error names the line.
fn hero_picture(
    text_path: &std::path::Path,
    name: &str,
    hero: &import::HeroImage,
) -> Result<HeroPicture, String> {
    use std::io::Read;
    let at = format!("{name}:{}", hero.line);
    let path = text_path
        .parent()
        .unwrap_or_else(|| std::path::Path::new("."))
        .join(&hero.file);
    let mut bytes = Vec::new();
    std::fs::File::open(&path)
        .and_then(|f| f.take(MAX_IMPORT_PICTURE + 1).read_to_end(&mut bytes))
        .map_err(|e| format!("{at}: cannot read the image {}: {e}", path.display()))?;
    if bytes.len() as u64 > MAX_IMPORT_PICTURE {
        return Err(format!(
            "{at}: the image {} is over {} MB",
            hero.file,
            MAX_IMPORT_PICTURE / 1024 / 1024
        ));
    }
    let image = crate::media::sniff(&bytes).map_err(|refusal| {
        format!(
            "{at}: {} is not an image we take ({refusal:?}): a {} within {}",
            hero.file,
            crate::media::ACCEPTED_NAMES,
            crate::media::PIXEL_LIMIT_TEXT
        )
    })?;
    let made = crate::pictures::process(&bytes, image.kind, crate::media::MAX_PIXELS, (50, 50))
        .map_err(|refusal| format!("{at}: {} cannot be decoded ({refusal:?})", hero.file))?;
    Ok(HeroPicture {
        made,
        alt: hero.alt.clone(),
    })
}

/// Stores a picture's files in `dir` and its row in the library (the row
/// of the same bytes if there is one); returns its id and alt text.
fn store_picture(
    conn: &mut DbConn,
    dir: &std::path::Path,
    picture: HeroPicture,
    now: chrono::NaiveDateTime,
) -> anyhow::Result<(i32, String)> {
    use crate::db::media::{self as db_media, NewMedia};
    let made = picture.made;
    for (name, bytes) in &made.files {
        crate::media::store(dir, name, bytes)
            .with_context(|| format!("cannot write {} in {}", name, dir.display()))?;
    }
    let id = match db_media::find_by_name(conn, &made.file_name)? {
        Some(found) => found.id,
        None => db_media::insert(
            conn,
            &NewMedia {
                file_name: &made.file_name,
                content_type: made.kind.content_type(),
                byte_size: i64::try_from(made.original_size()).unwrap_or(i64::MAX),
                width: i32::try_from(made.width).unwrap_or(i32::MAX),
                height: i32::try_from(made.height).unwrap_or(i32::MAX),
                uploaded_by: None,
                created_at: now,
                variants: &made.variants(),
                focal_x: 50,
                focal_y: 50,
                caption: "",
                credit: "",
                own_work: true,
            },
        )?,
    };
    Ok((id, picture.alt))
}

/// The environment variable `user add` takes the password from.
pub const PASSWORD_ENV: &str = "ICONOCAST_PASSWORD";

/// `iconocast user add`: adds the user through `newsroom::users::create`,
/// as the staff area does, from the command line (no acting user). Its
/// fields are checked before the password is asked for, and the password
/// before connecting. Returns the line for stdout.
fn add_user(url: DatabaseUrl, args: &UserAddArgs) -> anyhow::Result<String> {
    use crate::newsroom::users::{self, AddedBy, NewUserInput};

    let mut input = NewUserInput {
        email: args.email.clone(),
        name: args.name.clone(),
        role: args.role.clone(),
        password: String::new(),
        slug: args.slug.clone(),
    };
    users::check_new_fields(&input).map_err(refusal)?;
    input.password = match std::env::var(PASSWORD_ENV) {
        Ok(p) => p,
        Err(_) => {
            let email = Email::parse(&args.email).map_or_else(String::new, |e| e.to_string());
            rpassword::prompt_password(format!("Password for {email}: "))
                .context("cannot read the password (set ICONOCAST_PASSWORD to pass it)")?
        }
    };
    users::check_new_user(&input).map_err(refusal)?;

    let (mut connection, _) = crate::db::connect_once(&url)?;
    let conn: &mut DbConn = &mut connection;
    let added = users::create(conn, AddedBy::CommandLine, &input).map_err(refusal)?;
    Ok(format!(
        "added user {}: {} <{}>, {}, /author/{}",
        added.id, added.name, added.email, added.role, added.slug
    ))
}

/// A use case's refusal as the command line words its errors: a form's
/// messages in one line, each starting in lower case without its full
/// stop ("a user with the email ... already exists").
fn refusal(error: AppError) -> anyhow::Error {
    match error {
        AppError::Invalid(errors) => {
            let messages: Vec<String> = errors
                .iter()
                .map(|(_, message)| {
                    let message = message.trim_end_matches('.');
                    let mut chars = message.chars();
                    match chars.next() {
                        Some(first) => first.to_lowercase().chain(chars).collect(),
                        None => String::new(),
                    }
                })
                .collect();
            anyhow::anyhow!(messages.join("; "))
        }
        other => other.into(),
    }
}

/// `iconocast import`: reads and parses every file first, printing each
/// error; only if all parse are they stored, in one transaction. Returns
/// one line per article for stdout.
fn import_files(url: DatabaseUrl, args: &ImportArgs) -> anyhow::Result<Vec<String>> {
    let mut parsed: Vec<(String, ImportedArticle, Option<HeroPicture>)> =
        Vec::with_capacity(args.files.len());
    let mut failed = 0;
    for path in &args.files {
        let name = path.display().to_string();
        let result = import::read_file(path, &name).and_then(|bytes| {
            let text = import::decode(&bytes, &name).map_err(|e| e.to_string())?;
            let (hero, text) = import::hero_image(text, &name)?;
            let article = import::parse(&text, &name).map_err(|e| e.to_string())?;
            let hero = match hero {
                Some(hero) => Some(hero_picture(path, &name, &hero)?),
                None => None,
            };
            Ok((article, hero))
        });
        match result {
            Ok((article, hero)) => parsed.push((name, article, hero)),
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
    let now = crate::domain::clock::now();
    let category = newsroom::import::category(conn, args.category.as_deref())?;
    let author_id = newsroom::import::author(conn, args.author.as_deref())?;
    let (status, published_at) = if args.publish {
        (ArticleStatus::Published, Some(now))
    } else {
        (ArticleStatus::Draft, None)
    };
    let target = Target {
        category_id: category.id,
        author_id,
        status,
        published_at,
    };
    let total = parsed.len();
    if parsed.iter().any(|(_, _, hero)| hero.is_some()) {
        crate::media::ensure_dir(&args.media_dir)?;
    }
    write_transaction::<_, anyhow::Error, _>(conn, |conn| {
        let mut lines = Vec::with_capacity(total);
        for (done, (name, article, hero)) in parsed.into_iter().enumerate() {
            let hero = match hero {
                Some(picture) => Some(store_picture(conn, &args.media_dir, picture, now)?),
                None => None,
            };
            let stored = newsroom::import::store(conn, article, &target, now, hero)
                .with_context(|| format!("{name}: the article could not be stored"))?;
            if total > 1 {
                eprintln!("imported {}/{total}: {}", done + 1, stored.title);
            }
            lines.push(format!(
                "{} /{}/{}  {}",
                status.as_str(),
                category.slug,
                stored.slug,
                stored.title
            ));
        }
        Ok(lines)
    })
    .context("nothing was imported")
}

async fn serve(url: DatabaseUrl, args: ServeArgs) -> anyhow::Result<()> {
    let app = Application::build(Settings {
        database_url: url,
        bind: args.bind,
        base_url: args.base_url,
        demo: !args.no_demo,
        media_dir: args.media_dir,
        max_upload_bytes: args.max_upload_mb as usize * 1024 * 1024,
        max_image_pixels: u64::from(args.max_image_megapixels) * 1_000_000,
        demo_pictures: true,
        trusted_proxies: args.trusted_proxies,
        page_cache_bytes: args.page_cache_mb as usize * 1024 * 1024,
        workers: usize::from(args.workers),
        body_timeout: std::time::Duration::from_secs(args.body_timeout.into()),
        // An empty ICONOCAST_METRICS_BIND is as good as unset.
        metrics_bind: args.metrics_bind.filter(|bind| !bind.trim().is_empty()),
        views_flush_every: crate::readership::FLUSH_EVERY,
        pings: crate::pings::PingSettings {
            hubs: args.websub_hubs,
            indexnow_key: args.indexnow_key,
            indexnow_endpoint: args.indexnow_endpoint,
            retry_base: crate::pings::RETRY_BASE,
        },
    })
    .await?;
    app.run_until_stopped().await?;
    Ok(())
}
