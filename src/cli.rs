//! The subcommands: `serve` (the default) and `migrate`.

use anyhow::Context;

use crate::config::{Cli, Command, ServeArgs};
use crate::db::{Database, DatabaseUrl};
use crate::startup::{Application, Settings};

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let url = DatabaseUrl::parse(&cli.database_url)?;
    match cli.command {
        None => serve(url, cli.serve).await,
        Some(Command::Serve(args)) => serve(url, args).await,
        Some(Command::Migrate) => {
            let ran = actix_web::rt::task::spawn_blocking(move || -> anyhow::Result<usize> {
                Ok(Database::connect(url)?.migrate()?)
            })
            .await
            .context("migration was interrupted")??;
            println!("{ran} migration(s) applied");
            Ok(())
        }
        Some(Command::Demo { articles }) => {
            let started = std::time::Instant::now();
            let made = actix_web::rt::task::spawn_blocking(move || -> anyhow::Result<usize> {
                let db = Database::connect(url)?;
                db.migrate()?;
                let mut conn = db.get().context("no database connection")?;
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
    }
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
