//! The subcommands: `serve` (the default), `migrate`, `demo`, `import` and
//! `user add`.

use anyhow::Context;

use crate::config::{Cli, Command, ImportArgs, ServeArgs, UserAddArgs, UserCommand};
use crate::db::{write_transaction, DatabaseUrl, DbConn};
use crate::domain::text::{self, Lines};
use crate::domain::{ArticleStatus, Email, Role, Slug};
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

/// `iconocast user add`: checks everything it can before connecting, then
/// adds the user with an argon2id hash and audits it. Returns the line
/// for stdout.
fn add_user(url: DatabaseUrl, args: &UserAddArgs) -> anyhow::Result<String> {
    use crate::auth::password;
    use crate::db::users;

    let email = Email::parse(&args.email)
        .ok_or_else(|| anyhow::anyhow!("{:?} is not a valid email address", args.email))?;
    let role = Role::parse(&args.role).ok_or_else(|| {
        anyhow::anyhow!(
            "unknown role {:?}: use admin, editor, author or contributor",
            args.role
        )
    })?;
    let name = args.name.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.is_empty() || name.chars().count() > 120 {
        anyhow::bail!("the name must have 1 to 120 characters");
    }
    if let Some(c) = text::forbidden_char(&name, Lines::One) {
        anyhow::bail!(
            "the name contains the control character U+{:04X}; remove it",
            u32::from(c)
        );
    }
    let wanted_slug = match &args.slug {
        Some(raw) => Some(
            Slug::parse(raw)
                .ok_or_else(|| {
                    anyhow::anyhow!(
                        "{raw:?} is not a valid slug: use a-z, 0-9 and single hyphens inside"
                    )
                })?
                .as_str()
                .to_owned(),
        ),
        None => None,
    };
    let typed = match std::env::var(PASSWORD_ENV) {
        Ok(p) => p,
        Err(_) => rpassword::prompt_password(format!("Password for {email}: "))
            .context("cannot read the password (set ICONOCAST_PASSWORD to pass it)")?,
    };
    password::check_strength(&typed).map_err(|e| anyhow::anyhow!(e))?;
    let hash =
        password::hash(&typed).map_err(|e| anyhow::anyhow!("cannot hash the password: {e}"))?;

    let (mut connection, _) = crate::db::connect_once(&url)?;
    let conn: &mut DbConn = &mut connection;
    let now = crate::domain::clock::now();
    let (id, slug) = write_transaction::<_, anyhow::Error, _>(conn, |conn| {
        if users::email_taken(conn, &email)? {
            anyhow::bail!("a user with the email {email} already exists");
        }
        let slug = match &wanted_slug {
            Some(s) if users::slug_taken(conn, s)? => {
                anyhow::bail!("the slug {s:?} is already taken")
            }
            Some(s) => s.clone(),
            None => users::unique_slug(conn, &name)?,
        };
        let id = users::add_staff(
            conn,
            &users::NewStaff {
                email: &email,
                name: &name,
                role,
                slug: &slug,
                password_hash: &hash,
            },
            &users::AddedBy {
                user_id: None,
                ip: "",
            },
            now,
        )?;
        Ok((id, slug))
    })?;
    Ok(format!(
        "added user {id}: {name} <{email}>, {role}, /author/{slug}"
    ))
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
    })
    .await?;
    app.run_until_stopped().await?;
    Ok(())
}
