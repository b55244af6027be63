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
        Some(Command::Demo { articles }) => {
            let started = std::time::Instant::now();
            let made = actix_web::rt::task::spawn_blocking(move || -> anyhow::Result<usize> {
                let (mut conn, _) = crate::db::connect_once(&url)?;
                let now = crate::domain::clock::now();
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
        Some(Command::User(UserCommand::Add(args))) => {
            let line = actix_web::rt::task::spawn_blocking(move || add_user(url, &args))
                .await
                .context("adding the user was interrupted")??;
            println!("{line}");
            Ok(())
        }
    }
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
    let mut parsed: Vec<(String, ImportedArticle)> = Vec::with_capacity(args.files.len());
    let mut failed = 0;
    for path in &args.files {
        let name = path.display().to_string();
        let result = import::read_file(path, &name).and_then(|bytes| {
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
    write_transaction::<_, anyhow::Error, _>(conn, |conn| {
        let mut lines = Vec::with_capacity(total);
        for (done, (name, article)) in parsed.into_iter().enumerate() {
            let stored = newsroom::import::store(conn, article, &target, now)
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
